#!/usr/bin/env node
// Runs the Electron end-to-end suite (test/electron/, vitest.electron.config.ts)
// with ELECTRON_E2E=1, so a missing Electron binary or build fails instead of
// skipping. On Linux without a display it runs under `xvfb-run`.
//   node scripts/test-electron.mjs             the built tree (npm run test:electron builds it first)
//   node scripts/test-electron.mjs --packaged  the app electron-builder left in dist/ (npm run dist first)
// A plain Node script rather than shell syntax in package.json, so it works the same on Windows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, ELECTRON_E2E: '1' };
delete env.ELECTRON_RUN_AS_NODE;

if (process.argv.includes('--packaged')) {
  const app = packagedExecutable();
  if (!app) {
    console.error('test:electron --packaged: no packaged app in dist/ (run `npm run dist` first)');
    process.exit(1);
  }
  env.XSTUDIO_ELECTRON_APP = app;
  console.log(`Electron suite against the packaged app ${path.relative(root, app)}`);
}

const vitest = [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.electron.config.ts'];
const needsDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const [cmd, args] = needsDisplay
  ? ['xvfb-run', ['-a', '--server-args=-screen 0 1600x1000x24', process.execPath, ...vitest]]
  : [process.execPath, vitest];
const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
if (r.error) {
  console.error(`test:electron: could not run ${cmd}: ${r.error.message}${needsDisplay ? ' (install xvfb: apt-get install -y xvfb)' : ''}`);
  process.exit(1);
}
process.exit(r.status ?? 1);

/**
 * The executable in electron-builder's unpacked output for this platform:
 * dist/linux-unpacked/xception-studio, dist/win-unpacked/xception-studio.exe,
 * dist/mac(-arm64)/Xception Studio.app/Contents/MacOS/(its one binary).
 */
function packagedExecutable() {
  const dist = path.join(root, 'dist');
  const exists = (p) => fs.existsSync(p);
  if (process.platform === 'linux') return [path.join(dist, 'linux-unpacked', 'xception-studio')].find(exists) ?? null;
  if (process.platform === 'win32') {
    return ['xception-studio.exe', 'Xception Studio.exe'].map((n) => path.join(dist, 'win-unpacked', n)).find(exists) ?? null;
  }
  for (const d of ['mac', 'mac-arm64', 'mac-universal']) {
    const macos = path.join(dist, d, 'Xception Studio.app', 'Contents', 'MacOS');
    if (exists(macos)) {
      const [bin] = fs.readdirSync(macos);
      if (bin) return path.join(macos, bin);
    }
  }
  return null;
}
