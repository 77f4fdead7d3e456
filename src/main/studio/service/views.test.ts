import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage, writeNotAnImage } from '../../../../test/helpers/make-images.ts';
import { createStudio, type Studio } from '../studio-service.ts';
import { ThumbnailCounter } from './thumbnail-count.ts';
import { Project } from '../project.ts';
import { setLabels } from '../labels/label-service.ts';

// The project status the app's first paint waits for, computed from cheap
// aggregates: checked against what a user would count by hand.
let dir: string;
let studio: Studio;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-views-'));
  const images = path.join(dir, 'images');
  for (let i = 0; i < 3; i++) await writeImage(path.join(images, 'cat', `cat.${i}.jpg`), { width: 20, height: 20, color: [200, 40 + i * 30, 40] });
  for (let i = 0; i < 2; i++) await writeImage(path.join(images, 'dog', `dog.${i}.png`), { format: 'png', width: 20, height: 20, color: [40, 60, 200 - i * 30] });
  // Two copies of cat.0 (one content, three files) and a broken file labelled dog.
  fs.copyFileSync(path.join(images, 'cat', 'cat.0.jpg'), path.join(images, 'cat', 'copy-a.jpg'));
  fs.copyFileSync(path.join(images, 'cat', 'cat.0.jpg'), path.join(images, 'dog', 'copy-b.jpg'));
  writeNotAnImage(path.join(images, 'dog', 'broken.jpg'));
  studio = await createStudio({ transport: 'http', project: path.join(dir, 'p.xstudio'), dataDir: path.join(dir, 'home') });
  await studio.service.importFolder({ folder: images, labelSource: 'folder', thumbnails: false });
});

afterAll(async () => {
  await studio.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ThumbnailCounter', () => {
  it('reads a folder once, trusts it while unchanged, and re-counts a changed one in the background', async () => {
    const thumbs = path.join(dir, 'counter');
    fs.mkdirSync(path.join(thumbs, 'ab'), { recursive: true });
    fs.mkdirSync(path.join(thumbs, 'cd'), { recursive: true });
    for (const f of ['ab/ab1.jpg', 'ab/ab2.jpg', 'cd/cd1.jpg', 'cd/cd1.jpg.tmp-1']) fs.writeFileSync(path.join(thumbs, f), '');
    const seen: number[] = [];
    const counter = new ThumbnailCounter((n) => seen.push(n));
    expect(counter.count(thumbs)).toBe(3);
    fs.writeFileSync(path.join(thumbs, 'cd', 'cd2.jpg'), '');
    counter.count(thumbs);
    await counter.settled();
    expect(seen.at(-1)).toBe(4);
    expect(counter.count(thumbs)).toBe(4);
    // An old, unchanged folder is not listed again: a file slipped in behind its back (same mtime) is not seen.
    const old = new Date(Date.now() - 60_000);
    for (const sub of ['ab', 'cd']) fs.utimesSync(path.join(thumbs, sub), old, old);
    expect(counter.count(thumbs)).toBe(4);
    await counter.settled();
    expect(counter.count(thumbs)).toBe(4);
    fs.writeFileSync(path.join(thumbs, 'ab', 'ab3.jpg'), '');
    fs.utimesSync(path.join(thumbs, 'ab'), old, old);
    expect(counter.count(thumbs)).toBe(4);
  });
});

describe('project status', () => {
  it('counts images by status, copies, classes (healthy images only) and contents', async () => {
    const s = await studio.service.getProjectStatus({});
    expect(s.images).toMatchObject({ total: 8, ok: 7, failed: 1, missing: 0, labelled: 8, unlabelled: 0, duplicates: 2 });
    // The broken file is labelled dog but not counted as a dog image.
    expect(s.classes.map((c) => [c.name, c.count])).toEqual([['cat', 4], ['dog', 3]]);
    // Thumbnails are per content: 7 healthy files, 5 distinct contents.
    expect(s.thumbnails).toEqual({ ready: 0, total: 5 });
    expect((await studio.service.getAppInfo({})).project?.images).toEqual(s.images);
  });

  it('is kept between calls, yet follows changes made here and by another connection (a CLI)', async () => {
    const before = await studio.service.getProjectStatus({});
    await studio.service.createClass({ name: 'bird' });
    expect((await studio.service.getProjectStatus({})).classes.map((c) => c.name)).toEqual(['cat', 'dog', 'bird']);
    const [aCat] = (await studio.service.queryImages({ classes: ['cat'], status: 'ok' })).images;
    const other = new Project(path.join(dir, 'p.xstudio'));
    try {
      setLabels(other, [aCat.id], 'bird', { actor: 'cli:test' });
    } finally {
      other.close();
    }
    const after = await studio.service.getProjectStatus({});
    expect(after.classes.map((c) => [c.name, c.count])).toEqual([['cat', 3], ['dog', 3], ['bird', 1]]);
    expect(after.history.position).toBeGreaterThan(before.history.position);
    await studio.service.undo({});
    await studio.service.undo({});
    expect((await studio.service.getProjectStatus({})).classes.map((c) => [c.name, c.count])).toEqual([['cat', 4], ['dog', 3]]);
  });

  it('follows the thumbnail cache as thumbnails are made and removed', async () => {
    const { jobId } = await studio.service.makeThumbnails({});
    for (let i = 0; i < 400 && (await studio.service.listJobs({})).find((j) => j.id === jobId)?.state === 'running'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await studio.service.getProjectStatus({})).thumbnails).toEqual({ ready: 5, total: 5 });
    const thumbs = path.join(`${path.join(dir, 'p.xstudio')}.d`, 'thumbs');
    const sub = fs.readdirSync(thumbs).find((d) => fs.readdirSync(path.join(thumbs, d)).length > 0)!;
    const [first] = fs.readdirSync(path.join(thumbs, sub));
    fs.rmSync(path.join(thumbs, sub, first));
    // The folder changed a moment ago: the status may still say 5, and a background
    // re-count follows with a thumbnails.ready event; then the status says 4.
    const announced = new Promise<unknown>((resolve) => studio.events.subscribe((m) => m.event === 'thumbnails.ready' && resolve(m.payload)));
    await studio.service.getProjectStatus({});
    expect(await announced).toMatchObject({ ready: 4, total: 5 });
    expect((await studio.service.getProjectStatus({})).thumbnails).toEqual({ ready: 4, total: 5 });
  });
});
