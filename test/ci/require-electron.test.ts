// `npm start` on an install without Electron's binary: one message in words
// pointing at browser mode and the CLI, exit 1 — not Electron's stack trace after
// a native build. Where the binary is installed (the desktop CI jobs) it passes through.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const binaryPresent = fs.existsSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'));

describe('scripts/require-electron.mjs (first step of npm start)', () => {
  it(binaryPresent ? 'passes through where the binary is installed' : 'says in words that the window cannot open here, and what works', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'require-electron.mjs')], { encoding: 'utf8' });
    if (binaryPresent) {
      expect(r.status).toBe(0);
      return;
    }
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Electron's binary is not installed");
    expect(r.stderr).toContain('`npm run serve`');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('runs before the native build in npm start and npm run dev', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const s of ['start', 'dev']) expect(scripts[s].startsWith('node scripts/require-electron.mjs && node scripts/electron-native.mjs')).toBe(true);
  });
});
