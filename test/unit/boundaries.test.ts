// The boundary rules of .dependency-cruiser.cjs, run through dependency-cruiser on a tiny tree written
// for the test: each crossing is reported under its rule, and the imports the design allows are not.
// (`npm test` runs the same rules on the real tree.)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;

/** Each fixture file and what it imports: paths from the tree's root, `type:` + path for `import type`, or a builtin. */
const TREE: Record<string, string[]> = {
  'src/domain/types.ts': [],
  'src/domain/decide.ts': ['src/domain/types.ts', 'src/store/rows.ts'],
  'src/store/rows.ts': ['src/domain/types.ts'],
  'src/http/problem.ts': ['src/domain/types.ts'],
  'src/http/api.ts': ['src/hub.ts', 'src/http/problem.ts', 'src/store/rows.ts'],
  'src/hub.ts': ['src/domain/decide.ts', 'src/store/rows.ts', 'src/http/problem.ts'],
  'src/jobs/worker.ts': ['src/store/rows.ts', 'src/http/api.ts', 'channels/channel.ts'],
  'src/cycle-a.ts': ['src/cycle-b.ts'],
  'src/cycle-b.ts': ['src/cycle-a.ts'],
  'channels/channel.ts': ['src/domain/types.ts'],
  'channels/index.ts': ['channels/slack/index.ts', 'channels/web/index.ts'],
  'channels/kit/reply.ts': ['channels/channel.ts', 'src/domain/types.ts', 'channels/slack/render.ts'],
  'channels/slack/index.ts': [
    'channels/slack/render.ts',
    'channels/kit/reply.ts',
    'channels/channel.ts',
    'src/domain/decide.ts',
    'channels/web/index.ts',
    'src/store/rows.ts',
    'src/jobs/worker.ts',
    'src/http/problem.ts',
  ],
  'channels/slack/render.ts': ['src/domain/types.ts'],
  'channels/web/index.ts': ['channels/channel.ts'],
  'src/local/redis.ts': [],
  'src/main.ts': ['src/local/redis.ts'],
  'src/app.ts': ['src/local/redis.ts'],
  'src/client/index.ts': ['src/client/http.ts', 'type:src/http/problem.ts', 'src/domain/types.ts', 'node:crypto'],
  'src/client/http.ts': [],
};
const BUILTINS = 1; // node:crypto, cruised as a module of its own

let root: string;
let result: ICruiseResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'boundaries-'));
  for (const [file, imports] of Object.entries(TREE)) {
    await mkdir(join(root, dirname(file)), { recursive: true });
    const lines = imports.map((to, i) =>
      to.startsWith('node:') ? `import '${to}';`
      : to.startsWith('type:') ? `import type * as T${i} from '${relativeImport(file, to.slice('type:'.length))}';`
      : `import '${relativeImport(file, to)}';`);
    await writeFile(join(root, file), `${lines.join('\n')}\nexport {};\n`);
  }
  const { output } = await cruise(['src', 'channels'], {
    baseDir: root,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    parser: config.options?.parser,
    tsPreCompilationDeps: config.options?.tsPreCompilationDeps,
    doNotFollow: { path: 'node_modules' },
  });
  result = output as ICruiseResult;
}, 30_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** An import specifier from one fixture file to another, with the `.ts` the files really have. */
function relativeImport(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return `${up === 0 ? './' : '../'.repeat(up)}${to}`;
}

const violations = (rule: string) =>
  result.summary.violations
    .filter((v) => v.rule.name === rule)
    .map((v) => `${v.from} -> ${v.to}`)
    .sort();

describe('the boundary rules', () => {
  it('keep the domain pure', () => {
    expect(violations('domain-is-pure')).toEqual(['src/domain/decide.ts -> src/store/rows.ts']);
  });

  it('keep the hub and the jobs away from the HTTP layer', () => {
    expect(violations('hub-knows-no-http')).toEqual(['src/hub.ts -> src/http/problem.ts']);
    expect(violations('jobs-know-no-http')).toEqual(['src/jobs/worker.ts -> src/http/api.ts']);
  });

  it('let a channel see only the channel interface, its kit and the domain', () => {
    expect(violations('channels-see-only-the-channel-interface')).toEqual([
      'channels/slack/index.ts -> src/http/problem.ts',
      'channels/slack/index.ts -> src/jobs/worker.ts',
      'channels/slack/index.ts -> src/store/rows.ts',
    ]);
  });

  it('keep channels apart, except through the kit, the interface and the registry', () => {
    expect(violations('channels-know-no-other-channel')).toEqual([
      'channels/kit/reply.ts -> channels/slack/render.ts',
      'channels/slack/index.ts -> channels/web/index.ts',
    ]);
  });

  it('leave the local infrastructure to the entry points', () => {
    expect(violations('local-infrastructure-only-at-the-entry')).toEqual(['src/app.ts -> src/local/redis.ts']);
  });

  it('keep the client standalone: type-only imports of the server, nothing at run time', () => {
    expect(violations('client-is-standalone')).toEqual(['src/client/index.ts -> crypto', 'src/client/index.ts -> src/domain/types.ts']);
  });

  it('refuse import cycles', () => {
    expect(violations('no-circular')).toEqual(['src/cycle-a.ts -> src/cycle-b.ts']);
  });

  it('allow every other import of the tree', () => {
    expect(result.summary.totalCruised).toBe(Object.keys(TREE).length + BUILTINS);
    // The crossings named above, one violation each.
    expect(result.summary.violations).toHaveLength(12);
  });
});
