// The design's boundaries (ARCHITECTURE.md), checked by `npm test` (`depcruise src channels`) so an
// import that crosses one fails CI. test/unit/boundaries.test.ts proves each rule bites. Tests are
// not cruised: they may reach anywhere.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain is the pure core (request rules, decisions, wording): it imports nothing of ours outside src/domain.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^(src|channels)/', pathNot: '^src/domain/' },
    },
    {
      name: 'hub-knows-no-http',
      comment: 'The hub throws domain errors (src/domain/errors.ts) and reports through HubEvents; status codes and metrics live elsewhere.',
      severity: 'error',
      from: { path: '^src/hub([.]ts$|/)' },
      to: { path: '^src/http/' },
    },
    {
      name: 'jobs-know-no-http',
      comment: 'Jobs run without a web server: what they need of the API (the webhook body) is passed in as a function.',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'channels-see-only-the-channel-interface',
      comment:
        'A channel knows the core through channels/channel.ts (and src/domain) only: never the store, the job queues, the HTTP layer or the hub itself.',
      severity: 'error',
      from: { path: '^channels/' },
      to: { path: '^src/(store|jobs|http)/|^src/(hub|app)[.]ts$' },
    },
    {
      name: 'channels-know-no-other-channel',
      comment:
        'channels/<a>/ never imports channels/<b>/: what they share lives in channels/kit/ or channels/channel.ts; only the registry (channels/index.ts) knows them all.',
      severity: 'error',
      from: { path: '^channels/([^/]+)/' },
      to: { path: '^channels/', pathNot: '^channels/($1|kit)/|^channels/channel[.]ts$' },
    },
    {
      name: 'local-infrastructure-only-at-the-entry',
      comment:
        'src/local (embedded Postgres, local Redis, process helpers) is the no-configuration default: only the entry points (main, cli, doctor) choose it; the hub, store and channels take URLs.',
      severity: 'error',
      from: { path: '^(src|channels)/', pathNot: '^src/(local/|main[.]ts$|cli[.]ts$|doctor[.]ts$)' },
      to: { path: '^src/local/' },
    },
    {
      name: 'client-is-standalone',
      comment:
        'src/client ships as switchboard/client for any runtime with fetch: at run time it imports only itself (no node: builtins, no packages, nothing else of ours); types from the server (schemas, the request object) come in as type-only imports, erased at build.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { pathNot: '^src/client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'integrations-are-standalone',
      comment:
        'src/integrations ships as switchboard/langgraph beside the client: at run time it imports itself and the pure src/domain only (never the hub, a server module or LangGraph itself); the client and framework shapes come in as types.',
      severity: 'error',
      from: { path: '^src/integrations/' },
      to: { pathNot: '^src/(integrations|domain)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles hide the direction of a dependency; break one by moving the shared piece down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // swc parses TypeScript fast (and keeps `import type`, which the rules count too); it was chosen
    // while the project built with TypeScript 7, which has no JavaScript API to parse with.
    parser: 'swc',
    // …but swc does not mark which imports are type-only, and client-is-standalone needs to know.
    // With this, the TypeScript compiler parses (when its JavaScript API is there) and tags each
    // `import type` as 'type-only'; every other rule still counts those imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules/' },
  },
};
