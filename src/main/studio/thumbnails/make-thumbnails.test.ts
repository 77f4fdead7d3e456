import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeCorruptJpeg, writeImage, writeImages } from '../../../../test/helpers/make-images.ts';
import { importFolder } from '../library/import-folder.ts';
import { queryImages } from '../library/image-query.ts';
import { Project } from '../project.ts';
import { makeThumbnails, thumbnailPath } from './make-thumbnails.ts';

let dir: string;
let project: Project;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-thumbs-'));
  project = new Project(path.join(dir, 'p.xstudio'));
});
afterEach(() => {
  project.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('makeThumbnails', () => {
  it('makes one small JPEG per content in the side folder, marks undecodable images failed, skips existing ones', async () => {
    const root = path.join(dir, 'imgs');
    await writeImages(root, { 'a/big.png': { format: 'png', width: 600, height: 300 }, 'a/b.bmp': { format: 'bmp' }, 'b/c.webp': { format: 'webp' } });
    fs.copyFileSync(path.join(root, 'a/b.bmp'), path.join(root, 'b/same.bmp'));
    await writeCorruptJpeg(path.join(root, 'b/corrupt.jpg'));
    await importFolder(project, root);
    const progress: number[] = [];
    const r = await makeThumbnails(project, { onProgress: (p) => progress.push(p.done) });
    expect(r).toMatchObject({ total: 4, made: 3, existing: 0, stale: [], cancelled: false });
    expect(r.failed).toEqual([{ path: 'b/corrupt.jpg', reason: expect.stringMatching(/^cannot decode/) }]);
    expect(progress.at(-1)).toBe(4);
    expect(r.dir.startsWith(`${project.file}.d`)).toBe(true);

    const big = queryImages(project, { search: 'big' }).images[0];
    const meta = await sharp(thumbnailPath(project, big.hash!)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 256, 128]);
    expect(queryImages(project, { status: 'failed' }).images.map((i) => i.path)).toEqual(['b/corrupt.jpg']);

    // The second run only checks the cache; a file changed since the import is skipped, not failed.
    const sameHash = queryImages(project, { search: 'c.webp' }).images[0].hash!;
    fs.rmSync(thumbnailPath(project, sameHash));
    await writeImage(path.join(root, 'b/c.webp'), { format: 'webp', color: [0, 0, 0] });
    const again = await makeThumbnails(project);
    expect(again).toMatchObject({ total: 3, made: 0, existing: 2, stale: ['b/c.webp'], failed: [] });
  });
});
