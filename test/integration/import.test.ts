import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  imageBuffer, longName, makeBrokenSymlink, makeSymlinkLoop, writeCorruptJpeg, writeEmptyFile, writeImage, writeImages,
  writeNonUtf8Name, writeNotAnImage, writePixelBomb, writeTruncatedImage,
} from '../helpers/make-images.ts';
import { tempStudio, xstudioJson } from '../helpers/xstudio-cli.ts';

interface ImportJson {
  images: number; added: number; updated: number; unchanged: number; moved: number; missing: number; duplicates: number;
  failed: { path: string; reason: string }[]; classes: Record<string, number>; keptUserLabels: number; csvUnmatched?: string[];
  thumbnails?: { made: number; failed: { path: string; reason: string }[] };
}
interface ImagesJson { total: number; images: { id: number; name: string; status: string; label: string | null; error: string | null; labelSource: string | null }[] }

const studio = tempStudio();
afterAll(() => studio.cleanup());

describe('xstudio import: formats and bad input', () => {
  const root = path.join(studio.dir, 'mixed');
  const project = path.join(studio.dir, 'mixed.xstudio');
  let first: ImportJson;

  beforeAll(async () => {
    await writeImages(root, {
      'cat/a.jpg': {}, 'cat/b.png': { format: 'png' }, 'cat/c.webp': { format: 'webp' },
      'dog/d.gif': { format: 'gif' }, 'dog/e.tiff': { format: 'tiff' }, 'dog/f.bmp': { format: 'bmp' },
      [`dog/${longName(240)}`]: { width: 20, height: 20 },
    });
    fs.copyFileSync(path.join(root, 'cat/a.jpg'), path.join(root, 'dog/copy-of-a.jpg'));
    writeEmptyFile(path.join(root, 'bad/empty.jpg'));
    await writeTruncatedImage(path.join(root, 'bad/truncated.jpg'));
    await writeTruncatedImage(path.join(root, 'bad/truncated.png'), 'png');
    await writeCorruptJpeg(path.join(root, 'bad/corrupt.jpg'));
    writeNotAnImage(path.join(root, 'bad/text.jpg'));
    writePixelBomb(path.join(root, 'bad/bomb.png'));
    makeBrokenSymlink(path.join(root, 'bad/broken.jpg'));
    makeSymlinkLoop(path.join(root, 'bad'));
    await writeNonUtf8Name(path.join(root, 'bad'));
    fs.writeFileSync(path.join(root, 'README.txt'), 'not an image, ignored');
    first = await xstudioJson<ImportJson>(['import', root, '--project', project, '--thumbnails'], studio.env);
  });

  it('indexes every format with its folder label and reports duplicates', () => {
    expect(first.images).toBe(16); // 8 healthy and 8 bad files; the loop is a folder
    expect(first.added).toBe(16);
    expect(first.classes).toMatchObject({ cat: 3, dog: 5 });
    expect(first.duplicates).toBe(1);
  });

  it('records each bad input with its path and reason, without failing', () => {
    const reasons = Object.fromEntries(first.failed.map((f) => [f.path, f.reason]));
    expect(reasons['bad/empty.jpg']).toBe('empty file (0 bytes)');
    expect(reasons['bad/truncated.jpg']).toMatch(/^truncated JPEG/);
    expect(reasons['bad/truncated.png']).toMatch(/^truncated PNG/);
    expect(reasons['bad/text.jpg']).toMatch(/^not an image/);
    expect(reasons['bad/bomb.png']).toMatch(/50000×50000 is 2500 megapixels, over the limit/);
    expect(reasons['bad/broken.jpg']).toMatch(/^broken symbolic link/);
    expect(reasons['bad/loop/']).toMatch(/^symbolic link loop/);
    expect(reasons['bad/bad-\\xff\\xfe.jpg']).toMatch(/not valid UTF-8/);
    // Only the full decode of the thumbnails finds the JPEG damaged inside.
    expect(first.thumbnails?.failed).toEqual([{ path: 'bad/corrupt.jpg', reason: expect.stringMatching(/^cannot decode: corrupt/i) }]);
    expect(first.thumbnails?.made).toBe(7); // 8 distinct contents (one duplicate), one of them corrupt
  });

  it('lists failed images by status, corrupt one included', async () => {
    const failed = await xstudioJson<ImagesJson>(['images', '--project', project, '--status', 'failed', '--limit', '50'], studio.env);
    expect(failed.images.map((i) => i.name)).toEqual([
      'bad/bad-\\xff\\xfe.jpg', 'bad/bomb.png', 'bad/broken.jpg', 'bad/corrupt.jpg', 'bad/empty.jpg', 'bad/text.jpg', 'bad/truncated.jpg', 'bad/truncated.png',
    ]);
  });

  it('re-import is idempotent', async () => {
    const again = await xstudioJson<ImportJson>(['import', root, '--project', project], studio.env);
    expect(again).toMatchObject({ images: 16, added: 0, updated: 0, moved: 0, missing: 0, unchanged: 16, duplicates: 1, classes: { cat: 3, dog: 5 } });
    expect(new Set(again.failed.map((f) => f.path))).toEqual(new Set([...first.failed.map((f) => f.path), 'bad/corrupt.jpg']));
  });
});

describe('xstudio import: incremental re-import', () => {
  it('handles moved, deleted, changed and new files and never overwrites a hand-set label', async () => {
    const root = path.join(studio.dir, 'pets');
    const project = path.join(studio.dir, 'pets.xstudio');
    const files: Record<string, object> = {};
    for (let i = 0; i < 4; i++) files[`cat/cat${i}.jpg`] = {};
    for (let i = 0; i < 4; i++) files[`dog/dog${i}.jpg`] = {};
    await writeImages(root, files);
    await xstudioJson(['import', root, '--project', project], studio.env);
    // A user says cat0 is really a dog (by path), and dog3 is a cat (by path relative to the folder).
    await xstudioJson(['label', '--project', project, '--set', 'dog', path.join(root, 'cat/cat0.jpg')], studio.env);
    await xstudioJson(['label', '--project', project, '--set', 'cat', 'dog/dog3.jpg'], studio.env);
    const before = await xstudioJson<ImagesJson>(['images', '--project', project, '--search', 'cat1'], studio.env);

    fs.rmSync(path.join(root, 'cat/cat2.jpg')); // deleted
    fs.mkdirSync(path.join(root, 'dog/sub'));
    fs.renameSync(path.join(root, 'cat/cat1.jpg'), path.join(root, 'dog/sub/moved.jpg')); // moved to another class folder
    await writeImage(path.join(root, 'dog/dog1.jpg'), { color: [1, 250, 3], width: 40 }); // changed
    fs.utimesSync(path.join(root, 'dog/dog1.jpg'), new Date(), new Date(Date.now() + 5000));
    await writeImage(path.join(root, 'cat/new.jpg'), { color: [9, 9, 200] }); // new
    fs.renameSync(path.join(root, 'dog/dog3.jpg'), path.join(root, 'dog/dog3-renamed.jpg')); // renamed, user label must follow

    const r = await xstudioJson<ImportJson>(['import', root, '--project', project], studio.env);
    expect(r).toMatchObject({ images: 8, added: 1, updated: 1, moved: 2, missing: 1, unchanged: 4 });
    const all = await xstudioJson<ImagesJson>(['images', '--project', project, '--limit', '100'], studio.env);
    const byPath = Object.fromEntries(all.images.map((i) => [i.name, i]));
    expect(byPath['cat/cat0.jpg']).toMatchObject({ label: 'dog', labelSource: 'user' });
    expect(byPath['dog/dog3-renamed.jpg']).toMatchObject({ label: 'cat', labelSource: 'user' });
    expect(byPath['cat/cat2.jpg']).toMatchObject({ status: 'missing', label: 'cat' });
    // The moved image keeps its record (same id) and takes the label of its new folder.
    expect(byPath['dog/sub/moved.jpg']).toMatchObject({ id: before.images[0].id, label: 'sub', status: 'ok' });
    expect(byPath['dog/dog1.jpg'].status).toBe('ok');
    expect(r.classes).toEqual({ cat: 3, dog: 4, sub: 1 });
    expect(r.keptUserLabels).toBe(2);
  });
});

describe('xstudio import: label sources', () => {
  const root = path.join(studio.dir, 'flat');
  beforeAll(async () => {
    for (const [i, name] of ['cat.1.jpg', 'cat.2.jpg', 'dog.1.jpg', 'dog_2.png', '7.jpg'].entries()) {
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, name), await imageBuffer({ format: name.endsWith('png') ? 'png' : 'jpeg', color: [i * 40, 100, 200 - i * 30] }));
    }
  });

  it('filename, then export and csv round trip, pattern and none', async () => {
    const p1 = path.join(studio.dir, 'by-name.xstudio');
    expect((await xstudioJson<ImportJson>(['import', root, '--project', p1, '--labels', 'filename'], studio.env)).classes).toEqual({ cat: 2, dog: 2 });
    const csv = path.join(studio.dir, 'labels.csv');
    const exported = await xstudioJson<{ rows: number }>(['labels', 'export', '--project', p1, '--out', csv], studio.env);
    expect(exported.rows).toBe(4);
    expect(fs.readFileSync(csv, 'utf8').split('\n')[1]).toBe(`cat.1.jpg,cat,import,${root}`);

    const p2 = path.join(studio.dir, 'by-csv.xstudio');
    fs.appendFileSync(csv, 'gone.jpg,cat,import,x\n');
    const viaCsv = await xstudioJson<ImportJson>(['import', root, '--project', p2, '--labels', `csv:${csv}`], studio.env);
    expect(viaCsv.classes).toEqual({ cat: 2, dog: 2 });
    expect(viaCsv.csvUnmatched).toEqual(['gone.jpg']);

    const p3 = path.join(studio.dir, 'by-pattern.xstudio');
    const viaPattern = await xstudioJson<ImportJson>(['import', root, '--project', p3, '--label-pattern', '^([a-z]+)[._]'], studio.env);
    expect(viaPattern.classes).toEqual({ cat: 2, dog: 2 });

    const p4 = path.join(studio.dir, 'none.xstudio');
    const none = await xstudioJson<ImportJson>(['import', root, '--project', p4, '--labels', 'none'], studio.env);
    expect(none).toMatchObject({ images: 5, classes: {} });
  });
});
