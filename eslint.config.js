// ESLint (flat config): typescript-eslint's recommended type-checked rules over src/, channels/,
// test/ and examples/, run by `npm test` (`npm run lint`). `npx eslint <files or folders>` lints any subset.
// Type information comes from tsconfig.json through the project service, so a linted file must be
// one tsconfig.json includes (src, channels, test, examples).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'migrations/', '.switchboard/'] },
  {
    files: ['src/**/*.ts', 'channels/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // Tests, their helpers and the platform fakes read parsed JSON (API bodies, SQL rows, Slack
    // payloads and Block Kit), which fetch, JSON.parse and postgres type `any`; they assert on it at
    // run time, and typing every body would add casts, not safety. Only these rules are relaxed there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off', // `(b: any) => b.type === 'actions'` over parsed JSON
      '@typescript-eslint/no-unsafe-member-access': 'off', // reading fields of a parsed body
      '@typescript-eslint/no-unsafe-assignment': 'off', // naming a parsed body or one of its fields
      '@typescript-eslint/no-unsafe-argument': 'off', // passing a parsed field to expect() or a helper
      '@typescript-eslint/no-unsafe-call': 'off', // `.map`/`.find` on a parsed array
      '@typescript-eslint/no-unsafe-return': 'off', // helpers that return a parsed body
    },
  },
);
