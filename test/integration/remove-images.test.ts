/**
 * Removing images from a project (never from disk), through the service as
 * every door calls it: by id and by folder, what leaves the views and
 * counts, undo and redo, an import that brings them back, and the errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioService } from '../../src/shared/api.ts';
import { createStudio, type Studio } from '../../src/main/studio/studio-service.ts';
import { colorFor, writeImage } from '../helpers/make-images.ts';

let dir: string;
let studio: Studio;
let s: StudioService;
let photos: string;

const filesUnder = (d: string): number => fs.readdirSync(d, { recursive: true }).filter((f) => String(f).endsWith('.png')).length;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-remove-'));
  photos = path.join(dir, 'photos');
  let n = 0;
  for (const cls of ['cat', 'dog']) for (let i = 0; i < 12; i++) await writeImage(path.join(photos, cls, `${cls}.${i}.png`), { format: 'png', width: 16, height: 16, color: colorFor(n++) });
  for (let i = 0; i < 6; i++) await writeImage(path.join(photos, 'extra', 'dog', `x.${i}.png`), { format: 'png', width: 16, height: 16, color: colorFor(100 + i) });
  studio = await createStudio({ transport: 'cli', project: path.join(dir, 'p.xstudio'), createProject: true, dataDir: path.join(dir, 'home') });
  s = studio.service;
  await s.importFolder({ folder: photos, labelSource: 'folder', thumbnails: false });
}, 60_000);

afterAll(async () => {
  await studio?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('removeImages', () => {
  it('takes named images out of every view and count, keeps the files, and undo brings them back labelled', async () => {
    const before = await s.getProjectStatus({});
    expect(before.images.total).toBe(30);
    await s.createSplit({ name: 'frozen', unit: 'count', sizes: { train: 10, val: 4, test: 6 }, stratified: true, seed: 1 });
    // The first 3 cats by name; a split of 20 of the 30 images holds at least one of them.
    const cats = (await s.queryImages({ classes: ['cat'], sort: 'name', limit: 3 })).images;
    const frozenMembers = new Set((await s.queryImages({ split: 'frozen', limit: 100 })).images.map((i) => i.id));
    expect(cats.some((c) => frozenMembers.has(c.id))).toBe(true);
    const r = await s.removeImages({ ids: cats.map((c) => c.id) });
    expect(r).toMatchObject({ removed: 3, description: 'remove 3 images from the project' });
    expect(r.classes.find((c) => c.name === 'cat')?.count).toBe(9);
    const after = await s.getProjectStatus({});
    expect(after.images).toMatchObject({ total: 27, ok: 27, labelled: 27, unlabelled: 0 });
    const gallery = await s.queryImages({ limit: 100 });
    expect(gallery.total).toBe(27);
    expect(gallery.images.map((i) => i.id)).not.toContain(cats[0].id);
    // A new split draws from what is in the project; the files stay on disk.
    const preview = await s.previewSplit({ name: 'new', unit: 'count', sizes: { train: 27, val: 0, test: 0 }, stratified: false, seed: 1 });
    expect(preview).toMatchObject({ ok: true, available: 27 });
    expect(filesUnder(photos)).toBe(30);
    // The frozen split keeps its members as frozen, and says how many runs now leave out.
    const frozen = (await s.listSplits({})).find((x) => x.name === 'frozen')!;
    expect(frozen.totals).toEqual({ train: 10, val: 4, test: 6 });
    expect(frozen.unavailable.train + frozen.unavailable.val + frozen.unavailable.test).toBe(cats.filter((c) => frozenMembers.has(c.id)).length);
    // Undo says what it undid and brings back each image with its label.
    expect((await s.previewUndo({})).undo).toMatchObject({ description: 'remove 3 images from the project', images: 3 });
    const u = await s.undo({});
    expect(u).toMatchObject({ applied: true, description: 'remove 3 images from the project' });
    expect(u.imageIds.sort()).toEqual(cats.map((c) => c.id).sort());
    expect((await s.getProjectStatus({})).images.total).toBe(30);
    expect((await s.getImage({ id: cats[0].id })).label).toBe('cat');
    // Redo removes them again; a second removal of the same images changes nothing and makes no entry.
    await s.redo({});
    expect((await s.queryImages({ classes: ['cat'] })).total).toBe(9);
    const again = await s.removeImages({ ids: [cats[0].id] });
    expect(again).toMatchObject({ removed: 0, historyId: null });
    await s.undo({});
    expect((await s.queryImages({ classes: ['cat'] })).total).toBe(12);
  });

  it('removes an imported folder’s subfolder, then the whole folder; importing it again brings its images back with their labels', async () => {
    const sub = await s.removeImages({ folder: path.join(photos, 'extra') });
    expect(sub).toMatchObject({ removed: 6, description: `remove folder ${path.join(photos, 'extra')} from the project (6 images)` });
    expect((await s.queryImages({ classes: ['dog'] })).total).toBe(12);
    const all = await s.removeImages({ folder: photos });
    expect(all.removed).toBe(24);
    const status = await s.getProjectStatus({});
    expect(status.images.total).toBe(0);
    expect(status.roots).toEqual([]);
    expect(all.classes.map((c) => [c.name, c.count])).toEqual([['cat', 0], ['dog', 0]]);
    const back = await s.importFolder({ folder: photos, labelSource: 'folder', thumbnails: false });
    expect(back).toMatchObject({ restored: 30, added: 0, images: 30, failed: [], classes: { cat: 12, dog: 18 } });
    expect((await s.getProjectStatus({})).images.total).toBe(30);
  });

  it('says what is wrong with a request, naming the field', async () => {
    await expect(s.removeImages({ folder: path.join(dir, 'elsewhere') })).rejects.toMatchObject({ code: 'not-found', field: 'folder', message: expect.stringContaining('is not an imported folder') });
    await expect(s.removeImages({ ids: [999999] })).rejects.toMatchObject({ code: 'not-found', field: 'ids' });
    await expect(s.removeImages({})).rejects.toMatchObject({ code: 'invalid-argument', field: 'ids' });
    await expect(s.removeImages({ ids: [1], folder: photos })).rejects.toMatchObject({ code: 'invalid-argument' });
    expect((await s.getProjectStatus({})).images.total).toBe(30);
  });
});
