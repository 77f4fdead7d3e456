import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StudioError } from '../../../shared/errors.ts';
import { callSchemas } from '../../../shared/api-schemas.ts';
import { makeLabeler } from './label-sources.ts';

describe('label sources', () => {
  it('folder: the parent folder name', () => {
    const l = makeLabeler({ kind: 'folder' }, '/r');
    expect(l.labelFor('train/cat/1.jpg')).toBe('cat');
    expect(l.labelFor('1.jpg')).toBeNull();
  });
  it('filename: the leading word', () => {
    const l = makeLabeler({ kind: 'filename' }, '/r');
    expect(l.labelFor('x/cat.123.jpg')).toBe('cat');
    expect(l.labelFor('Abyssinian_12.jpg')).toBe('Abyssinian');
    expect(l.labelFor('123.jpg')).toBeNull();
  });
  it('pattern: one capture group over the relative path', () => {
    const l = makeLabeler({ kind: 'pattern', pattern: '^([a-z]+)_\\d+' }, '/r');
    expect(l.labelFor('dog_12.png')).toBe('dog');
    expect(l.labelFor('12.png')).toBeNull();
    // The group named "label" wins over the first group.
    const named = makeLabeler({ kind: 'pattern', pattern: '^(\\d+)-(?<label>[a-z]+)' }, '/r');
    expect(named.labelFor('2024-cat.jpg')).toBe('cat');
  });
  it('pattern: the call refuses one the import could not run, naming labelPattern', () => {
    const problems = (labelPattern: string) => {
      const r = callSchemas.importFolder.safeParse({ folder: '/f', labelSource: 'pattern', labelPattern });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems('^([a-z]+)_')).toEqual([]);
    expect(problems('([')).toEqual([expect.stringMatching(/^labelPattern: is not a valid regular expression/)]);
    expect(problems('^[a-z]+_')).toEqual(['labelPattern: has no capture group: the label is its first group, or the group named "label"']);
    // Valid without Unicode mode, not with it: refused here, not a crash in the import.
    expect(problems('(\\_)')).toEqual([expect.stringMatching(/^labelPattern: is not a valid regular expression/)]);
  });
  it('csv: path,label with or without header, relative or absolute paths', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-csv-'));
    const csv = path.join(dir, 'l.csv');
    fs.writeFileSync(csv, `label,path\ncat,a/1.jpg\n"dog, big",${path.join(dir, 'b/2.jpg')}\nbird,nowhere.jpg\n`);
    const l = makeLabeler({ kind: 'csv', file: csv }, dir);
    expect(l.labelFor('a/1.jpg')).toBe('cat');
    expect(l.labelFor('b/2.jpg')).toBe('dog, big');
    expect(l.unmatched(new Set(['a/1.jpg', 'b/2.jpg']))).toEqual(['nowhere.jpg']);
    fs.rmSync(dir, { recursive: true });
  });
  it('a CSV it cannot read is an error about csvFile, naming the file', () => {
    let err: StudioError | null = null;
    try {
      makeLabeler({ kind: 'csv', file: '/no/such.csv' }, '/');
    } catch (e) {
      err = e as StudioError;
    }
    expect(err).toMatchObject({ code: 'invalid-argument', field: 'csvFile', message: 'csvFile: cannot read /no/such.csv (ENOENT)' });
  });
});
