// The core's interactive calls as the UI makes them (through the StudioService,
// without a transport), on an N-image project (default 5,000;
// XSTUDIO_BENCH_IMAGES=25000 for the size), thumbnails made:
// - project status / app info (what the first paint waits for), cold and again;
// - the gallery's first page, a page deep in, and the "Wrong" id list;
// - setLabel of 1 image and of 10,000, undo, and a relabel that drops a redo stack;
// each beside a one-row call (getHistory, limit 1) measured in the same run: the floor of any call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createStudio } from '../src/main/studio/studio-service.ts';
import { colorFor, gradientPixels, jpegVariant } from '../test/helpers/make-images.ts';

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function timed(reps: number, f: (i: number) => Promise<unknown>): Promise<{ median: number; max: number }> {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f(i);
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)], max: ts[ts.length - 1] };
}

export async function run(): Promise<void> {
  const n = Number(process.env.XSTUDIO_BENCH_IMAGES ?? 5000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-service-'));
  try {
    const bases = await Promise.all(Array.from({ length: 64 }, (_, i) => sharp(gradientPixels(48, 48, colorFor(i)), { raw: { width: 48, height: 48, channels: 3 } }).jpeg({ quality: 80 }).toBuffer()));
    const root = path.join(dir, 'images');
    for (const cls of ['cat', 'dog']) fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const cls = i % 2 ? 'dog' : 'cat';
      fs.writeFileSync(path.join(root, cls, `${cls}.${String(i).padStart(6, '0')}.jpg`), jpegVariant(bases[i % bases.length], i));
    }
    const file = path.join(dir, 'bench.xstudio');
    let studio = await createStudio({ transport: 'http', project: file, dataDir: path.join(dir, 'home') });
    let s = studio.service;
    await s.importFolder({ folder: root, labelSource: 'folder', thumbnails: false });
    const { jobId } = await s.makeThumbnails({});
    while ((await s.listJobs({})).find((j) => j.id === jobId)?.state === 'running') await new Promise((r) => setTimeout(r, 200));
    await studio.close();
    // A fresh studio on the project, as when the app starts.
    studio = await createStudio({ transport: 'http', project: file, dataDir: path.join(dir, 'home') });
    s = studio.service;

    const floor = await timed(50, async () => s.getHistory({ limit: 1 }));
    const rows: [string, { median: number; max: number }][] = [];
    rows.push(['app info (status), again', await timed(10, () => s.getAppInfo({}))]);
    await s.createClass({ name: 'bird' });
    const afterRelabel: number[] = [];
    for (let i = 0; i < 5; i++) {
      await s.setLabel({ imageIds: [10 + i], className: 'bird' });
      afterRelabel.push((await timed(1, () => s.getAppInfo({}))).median);
    }
    afterRelabel.sort((a, b) => a - b);
    rows.push(['app info right after a relabel', { median: afterRelabel[2], max: afterRelabel[4] }]);
    rows.push(['gallery: first page of 200', await timed(10, () => s.queryImages({ offset: 0, limit: 200 }))]);
    rows.push(['gallery: a page deep in', await timed(10, () => s.queryImages({ offset: Math.max(0, n - 400), limit: 200 }))]);
    rows.push(['gallery: class filter, first page', await timed(10, () => s.queryImages({ classes: ['dog'], offset: 0, limit: 200 }))]);
    rows.push(['setLabel, 1 image', await timed(20, (i) => s.setLabel({ imageIds: [1 + (i % 7)], className: i % 2 ? 'cat' : 'dog' }))]);
    const ids = Array.from({ length: Math.min(10_000, n) }, (_, i) => i + 1);
    rows.push([`setLabel, ${ids.length.toLocaleString('en-US')} images (one entry)`, await timed(5, (i) => s.setLabel({ imageIds: ids, className: ['bird', 'cat', 'dog'][i % 3] }))]);
    rows.push([`undo of that`, await timed(1, () => s.undo({}))]);
    rows.push(['setLabel, 1 image, dropping that redo', await timed(1, () => s.setLabel({ imageIds: [3], className: 'bird' }))]);
    await studio.close();

    console.log(`${n.toLocaleString('en-US')} images, thumbnails made; baseline: getHistory of 1 entry (a one-row call) ${fmt(floor.median, 2)} ms median`);
    for (const [label, t] of rows) console.log(`${label.padEnd(44)} ${fmt(t.median).padStart(8)} ms  (max ${fmt(t.max)} ms)  ${fmt(t.median / floor.median)}× baseline`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
