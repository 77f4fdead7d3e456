/**
 * Issue 9, two writers on one project file: the UI relabelling 20,000 images
 * while the CLI relabels two, and two imports of the same folder at once.
 * Every write transaction begins immediate, so the second process waits its
 * turn instead of failing with "database is locked" or "UNIQUE constraint failed".
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importFolder } from '../../src/main/studio/library/import-folder.ts';
import { Project } from '../../src/main/studio/project.ts';
import { imageBuffer } from '../helpers/make-images.ts';
import { runXstudio, tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-writers-');
afterAll(() => tmp.cleanup());

function seedProject(file: string, n: number): void {
  const p = new Project(file);
  p.db.transaction(() => {
    const root = Number(p.db.prepare("INSERT INTO roots (path, label_source, created_at) VALUES ('/data/pets', 'none', 0)").run().lastInsertRowid);
    const ins = p.db.prepare("INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, width, height, format, status, created_at, updated_at) VALUES (?, ?, 1, 0, ?, 2, 2, 'jpeg', 'ok', 0, 0)");
    for (let i = 0; i < n; i++) ins.run(root, `img/${String(i).padStart(6, '0')}.jpg`, i.toString(16).padStart(16, '0'));
    p.db.prepare("INSERT INTO classes (name, position, created_at) VALUES ('cat', 0, 0), ('dog', 1, 0)").run();
  }).immediate();
  p.close();
}

describe('two writers', () => {
  it('the CLI relabels two images 12 times while the UI relabels 20,000: every run succeeds', async () => {
    const file = path.join(tmp.dir, 'writers.xstudio');
    seedProject(file, 20_000);
    const stop = path.join(tmp.dir, 'stop');
    const ui = spawn(process.execPath, ['--import', 'tsx', 'test/security/fixtures/relabel-loop.ts', file, stop], { stdio: ['ignore', 'pipe', 'pipe'] });
    let uiOut = '';
    let uiErr = '';
    ui.stdout.on('data', (d: Buffer) => (uiOut += d.toString()));
    ui.stderr.on('data', (d: Buffer) => (uiErr += d.toString()));
    const uiDone = new Promise<number>((resolve) => ui.on('close', (code) => resolve(code ?? -1)));
    try {
      const failures: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await runXstudio(['label', '--project', file, '--set', i % 2 ? 'cat' : 'dog', '1', '2', '--json'], tmp.env);
        if (r.code !== 0) failures.push(r.stderr.trim());
      }
      expect(failures).toEqual([]);
    } finally {
      fs.writeFileSync(stop, '');
    }
    expect(await uiDone, uiErr).toBe(0);
    expect(JSON.parse(uiOut).rounds).toBeGreaterThan(0);
    const p = new Project(file, { create: false });
    expect(p.db.pragma('integrity_check', { simple: true })).toBe('ok');
    p.close();
  }, 240_000);

  it('two imports of the same folder at once both succeed (the second waits), never "UNIQUE constraint failed"', async () => {
    const folder = path.join(tmp.dir, 'same', 'cat');
    fs.mkdirSync(folder, { recursive: true });
    const jpeg = await imageBuffer({ width: 16, height: 16 });
    for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(folder, `${i}.jpg`), jpeg);
    const file = path.join(tmp.dir, 'imports.xstudio');
    // Two connections, as two windows or a window and a CLI have; their awaits interleave deterministically.
    const a = new Project(file);
    const b = new Project(file);
    const both = await Promise.allSettled([importFolder(a, path.dirname(folder)), importFolder(b, path.dirname(folder))]);
    a.close();
    b.close();
    expect(both.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok'))).toEqual(['ok', 'ok']);
    const p = new Project(file, { create: false });
    expect((p.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n).toBe(1500);
    expect((p.db.prepare("SELECT count(*) AS n FROM meta WHERE key LIKE 'import-lock:%'").get() as { n: number }).n).toBe(0);
    p.close();
  }, 240_000);
});
