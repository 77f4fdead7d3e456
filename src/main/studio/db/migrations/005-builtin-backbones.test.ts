import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nativeBindingPath } from '../native-binding.ts';
import { openProjectDb } from '../project-db.ts';
import { migrations } from './index.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-mig5-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('migration 5: backbones of every built-in kind', () => {
  it('keeps the cached features of a version-4 project and accepts mobilenet_v2 backbones', () => {
    const file = path.join(dir, 'v4.xstudio');
    const raw = new Database(file, { nativeBinding: nativeBindingPath() });
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.filter((x) => x.version <= 4)) m.up(raw);
    raw.pragma('user_version = 4');
    raw.prepare(`INSERT INTO backbones (key, kind, name, weights_hash, input_size, preprocess, preprocess_version, created_at) VALUES ('x', 'xception', 'Xception', 'h', 299, 'tf', 1, 1)`).run();
    raw.prepare(`INSERT INTO features (backbone_key, image_hash, vector, created_at) VALUES ('x', 'abc', x'00000000', 1)`).run();
    expect(() => raw.prepare(`INSERT INTO backbones (key, kind, name, weights_hash, input_size, preprocess, preprocess_version, created_at) VALUES ('m', 'mobilenet_v2', 'M', 'h', 224, 'tf', 1, 1)`).run()).toThrow(/CHECK/);
    raw.close();

    const db = openProjectDb(file);
    expect(db.prepare('SELECT count(*) FROM features').pluck().get()).toBe(1);
    db.prepare(`INSERT INTO backbones (key, kind, name, weights_hash, input_size, preprocess, preprocess_version, created_at) VALUES ('m', 'mobilenet_v2', 'M', 'h', 224, 'tf', 1, 1)`).run();
    expect(() => db.prepare(`INSERT INTO backbones (key, kind, name, weights_hash, input_size, preprocess, preprocess_version, created_at) VALUES ('b', 'Bad Kind', 'M', 'h', 224, 'tf', 1, 1)`).run()).toThrow(/CHECK/);
    // The features table still references the rebuilt table, with its cascade.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.prepare(`DELETE FROM backbones WHERE key = 'x'`).run();
    expect(db.prepare('SELECT count(*) FROM features').pluck().get()).toBe(0);
    db.close();
  });
});
