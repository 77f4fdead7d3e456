// ESLint flat config. Beyond the usual rules it enforces the layering of
// docs/ARCHITECTURE.md ("Which folder may import which") with no-restricted-imports per folder, so CI checks it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'url', 'util', 'worker_threads', 'stream'];
const electronOnly = {
  group: ['electron', 'electron/*'],
  message: 'Only src/main/index.ts, src/main/ipc.ts and src/preload may import electron (docs/ARCHITECTURE.md).',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.native/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'error',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  // src/shared: the contract and domain types, imported by every process: no Node, no DOM libraries, no electron.
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'src/shared runs in every process: no Node built-ins.' },
          { group: ['electron', 'better-sqlite3', 'sharp', '@tensorflow/*', 'vue', 'pinia', 'chart.js'], message: 'src/shared holds plain types and pure functions only.' },
          { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared imports nothing from other layers.' },
        ],
      }],
    },
  },
  // The plain Node core, CLI, server and worker: never electron.
  {
    files: ['src/main/**'],
    ignores: ['src/main/index.ts', 'src/main/ipc.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronOnly, { group: ['**/renderer/**', 'vue', 'pinia'], message: 'The core does not import the renderer.' }] }],
    },
  },
  // Issue 9: a deferred transaction that reads and then writes cannot wait for
  // another process's write lock (busy_timeout does not apply to the upgrade):
  // every transaction on the project file begins immediate.
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[arguments.length=0] > CallExpression.callee[callee.property.name='transaction']",
        message: 'Begin write transactions immediate: db.transaction(fn).immediate() (issue 9: "database is locked" with two writers).',
      }],
    },
  },
  // The ML worker code computes; the core owns the project file.
  {
    files: ['src/main/ml/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          electronOnly,
          { group: ['better-sqlite3', '**/studio/db/**'], message: 'ML code runs in the worker and never touches the project file: the core stores what it returns.' },
          { group: ['**/renderer/**', 'vue', 'pinia'], message: 'The core does not import the renderer.' },
        ],
      }],
    },
  },
  // The renderer speaks only the typed StudioApi.
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'The renderer has no Node: use the StudioApi.' },
          electronOnly,
          { group: ['better-sqlite3', 'sharp', '@tensorflow/*', 'ws'], message: 'The renderer has no native modules: use the StudioApi.' },
          { group: ['**/main/**', '**/preload/index*'], message: 'The renderer reaches the core only through src/shared/api.ts.' },
        ],
      }],
    },
  },
  {
    files: ['src/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/main/**', '**/renderer/**', 'better-sqlite3'], message: 'The preload exposes src/shared/api.ts and nothing else.' }] }],
    },
  },
);
