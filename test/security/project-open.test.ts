/**
 * Issue 9, the project file: opening is defensive, a killed job does not stay
 * 'running', and a full disk says which file and what was kept.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SCHEMA_VERSION } from '../../src/main/studio/db/project-db.ts';
import { exportLabels, setLabels } from '../../src/main/studio/labels/label-service.ts';
import { importFolder } from '../../src/main/studio/library/import-folder.ts';
import { makeThumbnails } from '../../src/main/studio/thumbnails/make-thumbnails.ts';
import { imageBuffer } from '../helpers/make-images.ts';
import { Project } from '../../src/main/studio/project.ts';
import { runXstudio, tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-open-');
afterAll(() => tmp.cleanup());

const sideFiles = (file: string): string[] => ['-wal', '-shm', '-journal'].filter((s) => fs.existsSync(file + s));

function projectWithImages(name: string, n: number): string {
  const file = path.join(tmp.dir, name);
  const p = new Project(file);
  p.db.transaction(() => {
    const root = Number(p.db.prepare("INSERT INTO roots (path, label_source, created_at) VALUES ('/data', 'none', 0)").run().lastInsertRowid);
    const ins = p.db.prepare("INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, width, height, format, status, created_at, updated_at) VALUES (?, ?, 1, 0, ?, 2, 2, 'jpeg', 'ok', 0, 0)");
    for (let i = 0; i < n; i++) ins.run(root, `some/longer/folder/name/img-${String(i).padStart(6, '0')}.jpg`, i.toString(16).padStart(32, '0'));
  }).immediate();
  p.close();
  return file;
}

describe('opening is defensive', () => {
  it('refuses an SQLite file that is not a studio project, unchanged', async () => {
    const file = path.join(tmp.dir, 'address-book.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('Ada')");
    db.close();
    const before = fs.readFileSync(file);
    const r = await runXstudio(['status', '--project', file, '--json'], tmp.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not an Xception Studio project.*people.*left unchanged/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(sideFiles(file)).toEqual([]);
  });

  it('refuses a zero-byte file unless asked to create a project', () => {
    const file = path.join(tmp.dir, 'empty.xstudio');
    fs.writeFileSync(file, '');
    expect(() => new Project(file)).toThrow(/empty \(0 bytes\)/);
    expect(fs.statSync(file).size).toBe(0);
    const p = new Project(file, { create: true });
    expect(p.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    p.close();
  });

  it('detects corrupted pages on open and refuses writes, saying what to do', () => {
    const file = projectWithImages('damaged.xstudio', 3000);
    const pageSize = 4096;
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(40 * pageSize);
    const fd = fs.openSync(file, 'r+');
    // Scribble over a run of pages in the middle of the images table.
    fs.writeSync(fd, Buffer.alloc(6 * pageSize, 0x5a), 0, 6 * pageSize, Math.floor(size / pageSize / 2) * pageSize);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    expect(() => new Project(file)).toThrow(/damaged \(SQLite quick_check: .*refused for writes.*\.recover/s);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a WAL-mode file from a newer studio without leaving -wal/-shm beside it', async () => {
    const file = path.join(tmp.dir, 'future.xstudio');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE future (x)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    db.close();
    expect(sideFiles(file)).toEqual([]);
    const before = fs.readFileSync(file);
    const r = await runXstudio(['status', '--project', file, '--json'], tmp.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/newer Xception Studio/);
    expect(sideFiles(file)).toEqual([]);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

/** Starts a job's row the way its command does, in a child process that is then killed with SIGKILL. */
async function killedWriter(file: string, sql: string): Promise<void> {
  const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)}); db.pragma('busy_timeout = 5000');
    db.prepare(${JSON.stringify(sql)}).run(process.pid); process.stdout.write('started\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`writer exited ${code}`)));
  });
  child.removeAllListeners('exit');
  const dead = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await dead;
}

describe('killed jobs', () => {
  it('a killed extract leaves its extraction interrupted on the next open', async () => {
    const file = projectWithImages('killed-extract.xstudio', 3);
    const p = new Project(file);
    p.db.prepare("INSERT INTO backbones (key, kind, name, weights_hash, input_size, preprocess, preprocess_version, feature_dim, random_init, created_at) VALUES ('bb', 'xception', 'x', 'h', 299, 'tf', 1, 2048, 1, 0)").run();
    p.close();
    const hasOwner = (() => {
      const d = new Database(file);
      const cols = (d.prepare('PRAGMA table_info(extractions)').all() as { name: string }[]).map((c) => c.name);
      d.close();
      return cols.includes('owner_pid');
    })();
    await killedWriter(file, hasOwner
      ? "INSERT INTO extractions (backbone_key, status, cached, started_at, owner_pid) VALUES ('bb', 'running', 0, 0, ?)"
      : "INSERT INTO extractions (backbone_key, status, cached, started_at) SELECT 'bb', 'running', 0, ? * 0");
    const r = await runXstudio(['status', '--project', file, '--json'], tmp.env);
    expect(r.code, r.stderr).toBe(0);
    const d = new Database(file, { readonly: true });
    const row = d.prepare('SELECT status, error FROM extractions').get() as { status: string; error: string };
    d.close();
    expect(row.status).toBe('interrupted');
    expect(row.error).toMatch(/ended before it finished/);
  });

  it('sibling: a killed train leaves its run interrupted on the next open, whatever the command', async () => {
    const file = projectWithImages('killed-train.xstudio', 3);
    const d = new Database(file);
    const cols = (d.prepare('PRAGMA table_info(runs)').all() as { name: string; notnull: number; dflt_value: unknown }[]);
    d.close();
    const required = cols.filter((c) => c.notnull && c.dflt_value === null && c.name !== 'id' && c.name !== 'state' && c.name !== 'owner_pid');
    const values = required.map((c) => (/_at$/.test(c.name) ? '0' : "'x'"));
    await killedWriter(file, `INSERT INTO runs (${['state', 'owner_pid', ...required.map((c) => c.name)].join(', ')}) VALUES ('running', ?, ${values.join(', ')})`);
    const r = await runXstudio(['status', '--project', file, '--json'], tmp.env);
    expect(r.code, r.stderr).toBe(0);
    const after = new Database(file, { readonly: true });
    expect((after.prepare('SELECT state FROM runs').get() as { state: string }).state).toBe('interrupted');
    after.close();
  });
});

describe('disk full', () => {
  it('names the project file and says what was kept', () => {
    const file = projectWithImages('full.xstudio', 2000);
    const p = new Project(file);
    p.db.prepare("INSERT INTO classes (name, position, created_at) VALUES ('cat', 0, 0)").run();
    const ids = (p.db.prepare('SELECT id FROM images').all() as { id: number }[]).map((r) => r.id);
    setLabels(p, ids.slice(0, 10), 'cat');
    // The file may not grow by one more page: what a full disk looks like to SQLite.
    const pages = p.db.pragma('page_count', { simple: true }) as number;
    p.db.pragma(`max_page_count = ${pages}`);
    let message = '';
    try {
      setLabels(p, ids, 'cat');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(file);
    expect(message).toMatch(/disk is full.*rolled back.*saved before it is kept/);
    p.db.pragma('max_page_count = 1073741823');
    expect((p.db.prepare('SELECT count(*) AS n FROM labels').get() as { n: number }).n).toBe(10);
    p.close();
  });
});

describe('sibling: disk full outside the project file', () => {
  const enospc = (target: RegExp) => {
    const real = fs.writeFileSync;
    return vi.spyOn(fs, 'writeFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (target.test(String(file))) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${String(file)}'`), { code: 'ENOSPC' });
      return (real as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof fs.writeFileSync);
  };

  it('thumbnails name the file, keep what was made and never mark an image failed for a full disk', async () => {
    const folder = path.join(tmp.dir, 'thumbs-full', 'cat');
    fs.mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(folder, `${i}.jpg`), await imageBuffer({ width: 20 + i, height: 20 }));
    const p = new Project(path.join(tmp.dir, 'thumbs-full.xstudio'));
    try {
      await importFolder(p, path.dirname(folder));
      const spy = enospc(/thumbs.*\.partial-/);
      let message = '';
      try {
        await makeThumbnails(p, { concurrency: 1 });
      } catch (err) {
        message = (err as Error).message;
      } finally {
        spy.mockRestore();
      }
      expect(message).toMatch(/cannot write thumbnail .*thumbs.*no space left.*no image was marked failed/);
      expect((p.db.prepare("SELECT count(*) AS n FROM images WHERE status = 'ok'").get() as { n: number }).n).toBe(3);
    } finally {
      p.close();
    }
  });

  it('labels export names the file and keeps the one already there', () => {
    const file = projectWithImages('export-full.xstudio', 3);
    const p = new Project(file);
    const out = path.join(tmp.dir, 'labels-full.csv');
    fs.writeFileSync(out, 'previous export\n');
    const spy = enospc(/labels-full\.csv\.partial-/);
    try {
      expect(() => exportLabels(p, out)).toThrow(/cannot write .*labels-full\.csv: the disk is full; the file already there was kept unchanged/);
    } finally {
      spy.mockRestore();
      p.close();
    }
    expect(fs.readFileSync(out, 'utf8')).toBe('previous export\n');
    expect(fs.readdirSync(tmp.dir).filter((f) => f.includes('labels-full.csv.partial'))).toEqual([]);
  });
});
