import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { walkImages } from './walk.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-walk-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

describe('walkImages', () => {
  it('lists images, ignores hidden and non-image files, and records entries it cannot use', async () => {
    const root = path.join(dir, 'r');
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'x.JPG'), 'x');
    fs.writeFileSync(path.join(root, 'a', '.hidden.jpg'), 'x');
    fs.writeFileSync(path.join(root, 'notes.txt'), 'x');
    fs.symlinkSync('self.jpg', path.join(root, 'self.jpg')); // a link to itself
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'alias')); // a second way into a/
    execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]); // reading it would block forever
    const r = await walkImages(root);
    expect(r.files.map((f) => f.rel)).toEqual(['a/b/x.JPG']);
    expect(r.ignored).toBe(2);
    expect(r.failures).toEqual([
      { path: 'pipe.jpg', reason: 'not a regular file (a device, pipe or socket)' },
      { path: 'self.jpg', reason: expect.stringMatching(/^symbolic link loop/) },
    ].sort((x, y) => (x.path < y.path ? -1 : 1)));
    expect(r.folderFailures).toEqual([{ path: 'alias', reason: expect.stringMatching(/already indexed through another path/) }]);
  });

  it.skipIf(isRoot)('records an unreadable folder instead of failing', async () => {
    const root = path.join(dir, 'locked');
    fs.mkdirSync(path.join(root, 'closed'), { recursive: true });
    fs.chmodSync(path.join(root, 'closed'), 0o000);
    try {
      const r = await walkImages(root);
      expect(r.folderFailures).toEqual([{ path: 'closed', reason: 'cannot read folder: permission denied' }]);
    } finally {
      fs.chmodSync(path.join(root, 'closed'), 0o755);
    }
  });
});
