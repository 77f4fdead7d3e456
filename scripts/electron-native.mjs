#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .native/electron-<version>/,
// leaving node_modules' Node build alone, so `npm test` (Node) and `npm start`
// (Electron) both work from one install. src/main/studio/db/native-binding.ts
// points better-sqlite3 at this file when running inside Electron.
// XSTUDIO_NATIVE_DIR puts the build elsewhere (test/electron/native-module.test.ts
// builds into a fresh folder so it never trusts a cached file).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// fileURLToPath, not URL.pathname: on Windows the latter is '/C:/…'.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = require('electron/package.json').version;
const nativeRoot = process.env.XSTUDIO_NATIVE_DIR ? path.resolve(process.env.XSTUDIO_NATIVE_DIR) : path.join(root, '.native');
const outDir = path.join(nativeRoot, `electron-${electronVersion}`);
const outFile = path.join(outDir, 'better_sqlite3.node');

if (fs.existsSync(outFile)) process.exit(0);

const src = path.dirname(require.resolve('better-sqlite3/package.json'));
const work = path.join(nativeRoot, 'build', 'better-sqlite3');
fs.rmSync(work, { recursive: true, force: true });
fs.cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });

const run = (cmd, args) => execFileSync(cmd, args, { cwd: work, stdio: 'inherit' });
console.log(`Preparing better-sqlite3 for Electron ${electronVersion}…`);
try {
  // A prebuilt binary when one is published for this Electron…
  run(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion]);
} catch {
  // …otherwise compile against Electron's headers.
  run(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers']);
}
fs.mkdirSync(outDir, { recursive: true });
fs.copyFileSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), outFile);
fs.rmSync(path.join(nativeRoot, 'build'), { recursive: true, force: true });
console.log(`better-sqlite3 for Electron ${electronVersion}: ${outFile}`);
