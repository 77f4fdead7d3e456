// ESLint flat config. Beyond the usual rules it enforces the layering of
// docs/ARCHITECTURE.md ("Which folder may import which") with no-restricted-imports per folder, so CI checks it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'url', 'util', 'worker_threads', 'stream'];
const electronOnly = {
  group: ['electron', 'electron/*'],
  message: 'Only src/main/index.ts, src/main/ipc.ts and src/preload may import electron (docs/ARCHITECTURE.md).',
};

const noRenderer = { group: ['**/renderer/**', 'vue', 'pinia'], message: 'The core does not import the renderer.' };
const mlValuesStayInTheWorker = {
  group: ['**/ml/**', '@tensorflow/*'],
  allowTypeImports: true,
  message: 'src/main/ml runs in the ML worker (it loads TF.js): outside it, import its types only and run it through the job runner (ctx.runner().run). Pure helpers the core needs live in src/main/common or src/shared.',
};

const immediateTransactions = {
  selector: "CallExpression[arguments.length=0] > CallExpression.callee[callee.property.name='transaction']",
  message: 'Begin write transactions immediate: db.transaction(fn).immediate() (issue 9: "database is locked" with two writers).',
};
const sqlMessage = 'SQL lives in the stores of src/main/studio/db/ (docs/ARCHITECTURE.md, "The stores"): add or use a store function with a name that says what it does.';
const sqlOnlyInStores = [
  { selector: "CallExpression[callee.property.name='prepare']", message: sqlMessage },
  { selector: "CallExpression[callee.property.name='exec'][callee.object.type='Identifier'][callee.object.name=/^(db|raw|database|probe)$|Db$/]", message: sqlMessage },
  { selector: "CallExpression[callee.property.name='exec'][callee.object.type='MemberExpression'][callee.object.property.name='db']", message: sqlMessage },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.native/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // No import cycles anywhere in the code: a cycle means two files are one idea split badly
  // (or an init-order bug waiting). Type-only imports count too: they still couple the files.
  {
    // Over the TypeScript files: Vue components import stores and components but no .ts
    // file imports a component back, so a cycle cannot pass through a .vue file.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } }, 'import-x/extensions': ['.ts', '.js', '.mjs'], 'import-x/ignore': ['\\.vue$'] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
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
  // The plain Node core, CLI and server: never electron, never the renderer, and
  // no value from src/main/ml (the worker side: it loads TF.js; the core only
  // runs it through the job runner, so `xstudio --help`, status and the server
  // start without it). Types from ml/ are fine: they are erased.
  {
    files: ['src/main/**'],
    ignores: ['src/main/index.ts', 'src/main/ipc.ts', 'src/main/ml/**', 'src/main/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronOnly, noRenderer, mlValuesStayInTheWorker] }],
    },
  },
  {
    files: ['src/main/index.ts', 'src/main/ipc.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noRenderer, mlValuesStayInTheWorker] }],
    },
  },
  // Tests of the core may drive the ML code directly to check what the core stored.
  {
    files: ['src/main/**/*.test.ts'],
    ignores: ['src/main/ml/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronOnly, noRenderer] }],
    },
  },
  // src/main/common: plain Node helpers and pure logic shared by the core and the worker.
  {
    files: ['src/main/common/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [electronOnly, noRenderer, { group: ['**/ml/**', '**/studio/**', 'better-sqlite3', '@tensorflow/*'], message: 'src/main/common is shared by the core and the worker: it imports neither, nor the ML stack, nor the project file.' }] }],
    },
  },
  // Issue 9: a deferred transaction that reads and then writes cannot wait for
  // another process's write lock (busy_timeout does not apply to the upgrade):
  // every transaction on the project file begins immediate.
  // And SQL lives in the stores (src/main/studio/db/, one per group of tables):
  // the rest of the core calls their methods, so the project file's invariants
  // sit in one place. A `.prepare(` or a `.exec(` on a database (`db`, `raw`,
  // `project.db` …; a RegExp's exec is not one) outside it fails. Tests may use SQL.
  // (The same rule name in a later block replaces the earlier one, so the db/ block repeats the transaction check.)
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', immediateTransactions, ...sqlOnlyInStores] },
  },
  {
    files: ['src/main/studio/db/**/*.ts'],
    ignores: ['src/main/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', immediateTransactions],
      // The stores are the layer under the Project: they take its database (Db), as every store does.
      'no-restricted-imports': ['error', { patterns: [electronOnly, noRenderer, mlValuesStayInTheWorker, { group: ['**/studio/project.ts', '../project.ts', '**/studio/service/**', '../service/**'], message: 'A store takes the database (Db), not the Project, and knows nothing of the service above it.' }] }],
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
