import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guardMediaFile, isInside, isSafeRelative, parseMediaPath } from './media-guard.ts';

describe('parseMediaPath', () => {
  it('accepts the three media kinds', () => {
    expect(parseMediaPath('thumb/ABCDEF0123456789')).toEqual({ kind: 'thumb', hash: 'abcdef0123456789' });
    expect(parseMediaPath('/image/42')).toEqual({ kind: 'image', id: 42 });
    expect(parseMediaPath('report/7?x=1')).toEqual({ kind: 'report', runId: 7 });
  });
  it('refuses paths, dots, extra segments and odd ids', () => {
    for (const bad of ['thumb/../../etc/passwd', 'thumb/..', 'image/0', 'image/-1', 'image/1/2', 'image/1.5', 'file/x', 'thumb/abc', 'thumb/%2e%2e', '', 'image/01']) {
      expect(parseMediaPath(bad), bad).toBeNull();
    }
  });
});

describe('isInside / isSafeRelative', () => {
  it('knows inside from outside', () => {
    expect(isInside('/a/b/c.jpg', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/bc/x.jpg', '/a/b')).toBe(false);
    expect(isInside('/a/x.jpg', '/a/b')).toBe(false);
    expect(isInside('/etc/passwd', '/a/b')).toBe(false);
  });
  it('refuses .. and absolute relative paths', () => {
    expect(isSafeRelative('cats/1.jpg')).toBe(true);
    expect(isSafeRelative('..foo/1.jpg')).toBe(true);
    expect(isSafeRelative('../x.jpg')).toBe(false);
    expect(isSafeRelative('a/../../x.jpg')).toBe(false);
    expect(isSafeRelative('/etc/passwd')).toBe(false);
    expect(isSafeRelative('a\\..\\..\\x')).toBe(false);
  });
});

describe('guardMediaFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-guard-'));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'sub', 'a.jpg'), 'a');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 's');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'escape.jpg'));
  fs.symlinkSync(outside, path.join(root, 'escape-dir'));
  fs.symlinkSync(path.join(root, 'sub', 'a.jpg'), path.join(root, 'inner-link.jpg'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves a file inside a root, also through a symlink that stays inside', async () => {
    expect(await guardMediaFile(path.join(root, 'sub', 'a.jpg'), [root])).toBe(fs.realpathSync(path.join(root, 'sub', 'a.jpg')));
    expect(await guardMediaFile(path.join(root, 'inner-link.jpg'), [root])).toBe(fs.realpathSync(path.join(root, 'sub', 'a.jpg')));
  });
  it('refuses .., symlink escapes, folders and missing files', async () => {
    expect(await guardMediaFile(path.join(root, '..', 'outside', 'secret.txt'), [root])).toBeNull();
    expect(await guardMediaFile(path.join(root, 'escape.jpg'), [root])).toBeNull();
    expect(await guardMediaFile(path.join(root, 'escape-dir', 'secret.txt'), [root])).toBeNull();
    expect(await guardMediaFile(path.join(root, 'sub'), [root])).toBeNull();
    expect(await guardMediaFile(path.join(root, 'nope.jpg'), [root])).toBeNull();
    expect(await guardMediaFile(path.join(root, 'sub', 'a.jpg'), [])).toBeNull();
  });
});
