import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeLabeler, parseLabelSource } from './label-sources.ts';

describe('label sources', () => {
  it('folder: the parent folder name', () => {
    const l = makeLabeler(parseLabelSource('folder', undefined), '/r');
    expect(l.labelFor('train/cat/1.jpg')).toBe('cat');
    expect(l.labelFor('1.jpg')).toBeNull();
  });
  it('filename: the leading word', () => {
    const l = makeLabeler(parseLabelSource('filename', undefined), '/r');
    expect(l.labelFor('x/cat.123.jpg')).toBe('cat');
    expect(l.labelFor('Abyssinian_12.jpg')).toBe('Abyssinian');
    expect(l.labelFor('123.jpg')).toBeNull();
  });
  it('pattern: one capture group over the relative path', () => {
    const l = makeLabeler(parseLabelSource(undefined, '^([a-z]+)_\\d+'), '/r');
    expect(l.labelFor('dog_12.png')).toBe('dog');
    expect(() => parseLabelSource(undefined, '(a)(b)')).toThrow(/exactly one capture group.*has 2/);
    expect(() => parseLabelSource(undefined, '([')).toThrow(/not a valid regular expression/);
  });
  it('csv: path,label with or without header, relative or absolute paths', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-csv-'));
    const csv = path.join(dir, 'l.csv');
    fs.writeFileSync(csv, `label,path\ncat,a/1.jpg\n"dog, big",${path.join(dir, 'b/2.jpg')}\nbird,nowhere.jpg\n`);
    const l = makeLabeler(parseLabelSource(`csv:${csv}`, undefined), dir);
    expect(l.labelFor('a/1.jpg')).toBe('cat');
    expect(l.labelFor('b/2.jpg')).toBe('dog, big');
    expect(l.unmatched(new Set(['a/1.jpg', 'b/2.jpg']))).toEqual(['nowhere.jpg']);
    fs.rmSync(dir, { recursive: true });
  });
  it('names the flag and value it cannot use', () => {
    expect(() => parseLabelSource('folders', undefined)).toThrow('--labels expects folder, filename, none or csv:<file>, got "folders"');
    expect(() => parseLabelSource('csv:/no/such.csv', undefined) && makeLabeler(parseLabelSource('csv:/no/such.csv', undefined), '/')).toThrow(/csv:\/no\/such.csv: cannot read/);
  });
});
