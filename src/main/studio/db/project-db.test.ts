import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openProjectDb, SCHEMA_VERSION } from './project-db.ts';
import { nativeBindingPath } from './native-binding.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-db-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('openProjectDb', () => {
  it('creates a WAL project file with foreign keys on at the current schema', () => {
    const file = path.join(dir, 'sub', 'p.xstudio');
    const db = openProjectDb(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    expect(fs.existsSync(file)).toBe(true);
  });

  it('refuses a file from a newer studio and leaves it byte-for-byte unchanged', () => {
    const file = path.join(dir, 'new.xstudio');
    const raw = new Database(file);
    raw.exec('CREATE TABLE future (x)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openProjectDb(file)).toThrow(/schema version \d+.*newer Xception Studio.*left unchanged/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('names the file when it is not a database', () => {
    const file = path.join(dir, 'junk.xstudio');
    fs.writeFileSync(file, 'this is not sqlite at all, just some text '.repeat(50));
    expect(() => openProjectDb(file)).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}.*not a project file`));
  });

  it('does not create a missing file when asked not to', () => {
    expect(() => openProjectDb(path.join(dir, 'none.xstudio'), { create: false })).toThrow(/does not exist/);
  });
});

describe('nativeBindingPath', () => {
  it('uses the node_modules build under Node', () => {
    expect(nativeBindingPath({ ...process.versions }, dir)).toBeUndefined();
  });
  it('uses the Electron build under Electron when it was prepared', () => {
    const versions = { ...process.versions, electron: '38.8.6' } as NodeJS.ProcessVersions;
    expect(nativeBindingPath(versions, dir)).toBeUndefined();
    const target = path.join(dir, '.native', 'electron-38.8.6', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, '');
    expect(nativeBindingPath(versions, dir)).toBe(target);
  });
  it("uses the packaged app's build from its resources folder", () => {
    const versions = { ...process.versions, electron: '38.8.6' } as NodeJS.ProcessVersions;
    const resources = path.join(dir, 'resources');
    expect(nativeBindingPath(versions, path.join(dir, 'app.asar'), resources)).toBeUndefined();
    const target = path.join(resources, 'native', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, '');
    expect(nativeBindingPath(versions, path.join(dir, 'app.asar'), resources)).toBe(target);
  });
});
