import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../../test/helpers/make-images.ts';
import { createStudio, type Studio } from '../studio-service.ts';
import { thumbnailPath } from '../thumbnails/make-thumbnails.ts';
import { Project } from '../project.ts';

// Thumbnails made on demand for the gallery (library-area.ts, thumbnailNow):
// a request whose asker has gone (a tile scrolled away) is not decoded when its
// turn comes, and one asked by two is made once for both.
let dir: string;
let studio: Studio;
let projectFile: string;
let hashes: string[];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-ondemand-'));
  const images = path.join(dir, 'images');
  for (let i = 0; i < 10; i++) await writeImage(path.join(images, 'cat', `cat.${i}.jpg`), { width: 400, height: 300, color: colorFor(i) });
  projectFile = path.join(dir, 'p.xstudio');
  studio = await createStudio({ transport: 'http', project: projectFile, dataDir: path.join(dir, 'home') });
  await studio.service.importFolder({ folder: images, labelSource: 'folder', thumbnails: false });
  const p = new Project(projectFile);
  hashes = (p.db.prepare('SELECT hash FROM images ORDER BY id').all() as { hash: string }[]).map((r) => r.hash);
  p.close();
});

afterAll(async () => {
  await studio.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('thumbnails on demand', () => {
  it('skips a request whose asker went away before its turn, and makes the others', async () => {
    const p = new Project(projectFile);
    const made = (h: string): boolean => fs.existsSync(thumbnailPath(p, h));
    try {
      // Four fill the slots; the fifth and sixth wait. The fifth's asker leaves while it waits.
      const busy = hashes.slice(0, 4).map((hash) => studio.resolveMedia({ kind: 'thumb', hash }));
      const leaving = new AbortController();
      const left = studio.resolveMedia({ kind: 'thumb', hash: hashes[4] }, leaving.signal);
      const stays = studio.resolveMedia({ kind: 'thumb', hash: hashes[5] }, new AbortController().signal);
      leaving.abort();
      expect(await left).toBeNull();
      expect(await stays).toBe(fs.realpathSync(thumbnailPath(p, hashes[5])));
      for (const f of await Promise.all(busy)) expect(f).not.toBeNull();
      expect(made(hashes[4])).toBe(false);
      // Asked again by a tile in view, it is made.
      expect(await studio.resolveMedia({ kind: 'thumb', hash: hashes[4] })).not.toBeNull();
    } finally {
      p.close();
    }
  });

  it('makes a thumbnail asked by two once, for both, even if one of them leaves', async () => {
    const p = new Project(projectFile);
    try {
      const busy = hashes.slice(6, 9).map((hash) => studio.resolveMedia({ kind: 'thumb', hash }));
      const filler = studio.resolveMedia({ kind: 'thumb', hash: hashes[0] }); // already made: answered at once
      const a = new AbortController();
      const first = studio.resolveMedia({ kind: 'thumb', hash: hashes[9] }, a.signal);
      const second = studio.resolveMedia({ kind: 'thumb', hash: hashes[9] }, new AbortController().signal);
      a.abort();
      const [f1, f2] = await Promise.all([first, second]);
      expect(f2).toBe(fs.realpathSync(thumbnailPath(p, hashes[9])));
      expect(f1).toBe(f2);
      await Promise.all([...busy, filler]);
    } finally {
      p.close();
    }
  });
});
