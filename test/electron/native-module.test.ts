/**
 * The native module story: scripts/electron-native.mjs (run by `npm start`)
 * builds better-sqlite3 for Electron's ABI — a prebuilt binary, else compiled
 * against Electron's headers — and Electron loads it while Node cannot (the
 * ABIs differ). It needs Electron's binary and the network to fetch a prebuild
 * or headers, so it runs with the Electron suite (`npm run test:electron`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronBinary, electronReady, REPO_ROOT } from './presence.ts';

const skip = electronReady() ?? (electronBinary() ? null : "Electron's binary is absent");
const require = createRequire(import.meta.url);

describe.skipIf(skip)('better-sqlite3 for Electron (scripts/electron-native.mjs)', () => {
  it('builds into a fresh folder a binding that Electron loads and Node refuses', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-native-'));
    try {
      execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'electron-native.mjs')], {
        cwd: REPO_ROOT,
        env: { ...process.env, XSTUDIO_NATIVE_DIR: dir },
        stdio: 'inherit',
        timeout: 600_000,
      });
      const version = (require('electron/package.json') as { version: string }).version;
      const binding = path.join(dir, `electron-${version}`, 'better_sqlite3.node');
      expect(fs.existsSync(binding)).toBe(true);
      const probe = `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
        const db = new D(':memory:', { nativeBinding: ${JSON.stringify(binding)} });
        console.log(db.prepare('select 40 + 2 as v').get().v);`;
      const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
      const inElectron = spawnSync(electronBinary()!, ['-e', probe], { env, encoding: 'utf8', timeout: 60_000 });
      expect(inElectron.status, inElectron.stderr).toBe(0);
      expect(inElectron.stdout.trim()).toBe('42');
      const inNode = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
      expect(inNode.status).not.toBe(0);
      expect(inNode.stderr).toMatch(/NODE_MODULE_VERSION|different Node\.js version/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
