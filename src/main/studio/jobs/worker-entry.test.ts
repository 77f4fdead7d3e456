import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackedPath } from './worker-entry.ts';

describe('unpackedPath', () => {
  const packed = path.join(path.sep, 'opt', 'X', 'resources', 'app.asar', 'out', 'main', 'worker.js');
  const unpacked = path.join(path.sep, 'opt', 'X', 'resources', 'app.asar.unpacked', 'out', 'main', 'worker.js');

  it('forks the unpacked copy of a file inside the asar archive when it is there', () => {
    expect(unpackedPath(packed, (p) => p === unpacked)).toBe(unpacked);
  });
  it('keeps the path when nothing is unpacked, or when not in an archive', () => {
    expect(unpackedPath(packed, () => false)).toBe(packed);
    const plain = path.join(path.sep, 'repo', 'out', 'main', 'worker.js');
    expect(unpackedPath(plain, () => true)).toBe(plain);
  });
});
