// @ts-check
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Import boundaries. ESLint replaces a rule's options wholesale when a later block matches
// the same file, so each block below repeats the restrictions of the blocks before it.

/** Test-only code: specs, e2e tests and test helpers. It may reach anything. */
const TEST_CODE = ['**/*.spec.ts', '**/testing/**', '**/test/**'];

/** Production code must never reach the test-only bug switch. */
const NO_PLANTED_BUGS = {
  group: ['**/testing/planted-bugs', '**/testing/planted-bugs*'],
  message: 'planted bugs are a test-only switch; production code must not import them.',
};

/**
 * The switch itself lives inside the core; only the core's raft.ts reads it, and only the test-only
 * libs/raft/testing/ sets it.
 */
const NO_BUG_SWITCH = {
  group: ['**/internal/planted-bugs', '**/internal/planted-bugs*'],
  message: 'the planted-bug switch is read by raft.ts and set by libs/raft/testing/ only.',
};

/** Dependencies point down: libraries never import an application. */
const NO_APPS = {
  group: ['**/apps/**', 'apps/**'],
  message: 'libs must not import from apps/ (dependencies point down only).',
};

/** The Raft core is pure: no framework, database, I/O or timers. */
const RAFT_CORE_PURE = [
  {
    group: ['@nestjs/*'],
    message: 'libs/raft is the pure Raft core: no Nest (wire it from libs/consensus or apps/).',
  },
  {
    group: ['typeorm', 'typeorm/*', 'pg', 'pg/*'],
    message: 'libs/raft is the pure Raft core: no database access.',
  },
  {
    group: ['node:*', ...builtinModules.flatMap((name) => [name, `${name}/*`])],
    message: 'libs/raft is the pure Raft core: no I/O, no timers, no Node built-ins.',
  },
];

/** @param {Array<{group: string[], message: string}>} patterns */
const restrictImports = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '**/data/**',
      '**/sim-results/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // node:test's describe()/it() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'suite', 'test'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plain JavaScript tooling (CommonJS scripts are type-checked by tsc through checkJs).
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      'no-undef': 'off',
    },
  },
  {
    // Config files outside the TypeScript project.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['apps/**/*.ts'],
    ignores: TEST_CODE,
    rules: restrictImports([NO_PLANTED_BUGS, NO_BUG_SWITCH]),
  },
  {
    // Test code in libs (specs, testing/, test/, the simulator) still never reads the switch itself.
    files: ['libs/**/*.ts'],
    rules: restrictImports([NO_APPS, NO_BUG_SWITCH]),
  },
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts', '*.ts'],
    rules: restrictImports([NO_BUG_SWITCH]),
  },
  {
    files: ['libs/*/src/**/*.ts'],
    ignores: TEST_CODE,
    rules: restrictImports([NO_APPS, NO_PLANTED_BUGS, NO_BUG_SWITCH]),
  },
  {
    files: ['libs/raft/src/**/*.ts'],
    ignores: TEST_CODE,
    rules: {
      ...restrictImports([NO_APPS, NO_PLANTED_BUGS, NO_BUG_SWITCH, ...RAFT_CORE_PURE]),
      // Deterministic: time and randomness come in through tick() and injected sources.
      'no-restricted-globals': [
        'error',
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'queueMicrotask',
          'process',
          'performance',
          'Date',
          'crypto',
          'fetch',
        ].map((name) => ({
          name,
          message: `libs/raft is deterministic and does no I/O: no ${name}.`,
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'libs/raft takes time only from tick().' },
        {
          object: 'Math',
          property: 'random',
          message: 'libs/raft is deterministic: use an injected, seeded random source.',
        },
      ],
    },
  },
  {
    // The one reader of the planted-bug switch.
    files: ['libs/raft/src/raft.ts'],
    rules: restrictImports([NO_APPS, NO_PLANTED_BUGS, ...RAFT_CORE_PURE]),
  },
  {
    // The one writer of the planted-bug switch.
    files: ['libs/raft/testing/**/*.ts'],
    rules: restrictImports([NO_APPS]),
  },
  prettier,
);
