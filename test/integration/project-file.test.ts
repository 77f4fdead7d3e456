import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { foundation } from '../../src/main/studio/db/migrations/001-foundation.ts';
import { SCHEMA_VERSION } from '../../src/main/studio/db/project-db.ts';
import { imageBuffer, jpegVariant } from '../helpers/make-images.ts';
import { runXstudio, tempStudio, xstudioJson } from '../helpers/xstudio-cli.ts';

const studio = tempStudio();
afterAll(() => studio.cleanup());

describe('project file', () => {
  it('opens and migrates a file from an older schema (user_version 1); refuses an empty file it was not asked to create', async () => {
    // Issue 9: a zero-byte file is refused unless the user asked to create a project (test/security/project-open.test.ts).
    const empty = path.join(studio.dir, 'v0.xstudio');
    new Database(empty).close();
    const r0 = await runXstudio(['status', '--project', empty, '--json'], studio.env);
    expect(r0.code).not.toBe(0);
    expect(r0.stderr).toMatch(/empty \(0 bytes\)/);
    expect(fs.statSync(empty).size).toBe(0);

    // A version-1 file written by hand, with one labelled image in it.
    const v1 = path.join(studio.dir, 'v1.xstudio');
    const db = new Database(v1);
    db.transaction(() => {
      foundation.up(db);
      db.pragma('user_version = 1');
    })();
    db.exec(`INSERT INTO roots (id, path, label_source, created_at) VALUES (1, '/old/pets', 'folder', 0);
      INSERT INTO images (id, root_id, rel_path, size, mtime_ms, hash, width, height, format, status, created_at, updated_at)
        VALUES (1, 1, 'cat/1.jpg', 10, 0, 'abc', 2, 2, 'jpeg', 'ok', 0, 0);
      INSERT INTO classes (id, name, position, created_at) VALUES (1, 'cat', 0, 0);
      INSERT INTO labels (image_id, class_id, source, updated_at) VALUES (1, 1, 'import', 0);`);
    db.close();
    const s1 = await xstudioJson<{ images: { ok: number }; classes: { name: string; count: number }[] }>(['status', '--project', v1], studio.env);
    expect(s1.images.ok).toBe(1);
    expect(s1.classes).toMatchObject([{ name: 'cat', count: 1 }]);
    const after = new Database(v1, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    after.close();
  });

  it('refuses a file from a newer studio and leaves it unchanged', async () => {
    const file = path.join(studio.dir, 'future.xstudio');
    const db = new Database(file);
    db.exec('CREATE TABLE something (x)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = fs.readFileSync(file);
    const r = await runXstudio(['status', '--project', file, '--json'], studio.env);
    expect(r.code).toBe(1);
    const said = `project file ${file} has schema version ${SCHEMA_VERSION + 1}, written by a newer Xception Studio`;
    expect(r.stderr).toContain(said);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'conflict', message: expect.stringContaining(said) } });
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('lets a second connection read consistent data while an import writes', async () => {
    const root = path.join(studio.dir, 'many');
    const base = await imageBuffer({ width: 16, height: 16 });
    const total = 1200;
    for (const cls of ['a', 'b']) fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < total; i++) fs.writeFileSync(path.join(root, i % 2 ? 'a' : 'b', `${i}.jpg`), jpegVariant(base, i));
    const project = path.join(studio.dir, 'many.xstudio');
    const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'xstudio.mjs');
    const child = spawn(process.execPath, [bin, 'import', root, '--project', project, '--batch-size', '100', '--concurrency', '2', '--json'], { env: studio.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    let running = true;
    void exited.then(() => (running = false));

    const seen: { images: number; labels: number; orphans: number }[] = [];
    let reader: Database.Database | undefined;
    while (running || seen.length === 0) {
      if (!reader && fs.existsSync(project)) {
        try {
          const r = new Database(project, { readonly: true, fileMustExist: true });
          if ((r.pragma('user_version', { simple: true }) as number) >= 1) reader = r;
          else r.close();
        } catch {
          /* not created yet */
        }
      }
      if (reader) {
        // One read transaction: the figures must agree with each other.
        const snap = reader.transaction(() => ({
          images: (reader!.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n,
          labels: (reader!.prepare('SELECT count(*) AS n FROM labels').get() as { n: number }).n,
          orphans: (reader!.prepare('SELECT count(*) AS n FROM labels l LEFT JOIN images i ON i.id = l.image_id WHERE i.id IS NULL').get() as { n: number }).n,
        }))();
        seen.push(snap);
      }
      if (!running && reader) break;
      await new Promise((r) => setTimeout(r, 15));
    }
    reader?.close();
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ images: total, added: total, classes: { a: total / 2, b: total / 2 } });
    for (const s of seen) {
      expect(s.orphans).toBe(0);
      expect(s.labels).toBe(s.images); // each batch writes images and their labels together
      expect(s.images % 100 === 0 || s.images === total).toBe(true);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i].images).toBeGreaterThanOrEqual(seen[i - 1].images);
    expect(seen[seen.length - 1].images).toBe(total);
  });
});
