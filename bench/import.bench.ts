// Import benchmark: N small JPEGs (default 5,000; XSTUDIO_BENCH_IMAGES=25000 for
// the figure) in a temporary folder. Prints, beside a baseline of simply
// reading every file's bytes measured in the same run:
// - the index (hash + dimensions + validity + rows), files/s;
// - a re-import of the unchanged folder;
// - thumbnails, files/s;
// - a relabel of 10,000 images (one transaction, one history entry), ms.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { importFolder } from '../src/main/studio/library/import-folder.ts';
import { setLabels } from '../src/main/studio/labels/label-service.ts';
import { Project } from '../src/main/studio/project.ts';
import { makeThumbnails } from '../src/main/studio/thumbnails/make-thumbnails.ts';
import { colorFor, gradientPixels, jpegVariant } from '../test/helpers/make-images.ts';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function readAll(files: string[], concurrency: number): Promise<{ ms: number; bytes: number }> {
  // The faster of the two plain ways to read many small files: one by one synchronously, or many at once asynchronously.
  let t = performance.now();
  let bytes = 0;
  for (const f of files) bytes += fs.readFileSync(f).length;
  const syncMs = performance.now() - t;
  t = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) bytes += (await fs.promises.readFile(files[next++])).length;
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ms: Math.min(syncMs, performance.now() - t), bytes: bytes / 2 };
}

/** Adds deterministic grain so the JPEGs weigh what small photos weigh (a few KB), not a smooth gradient's few hundred bytes. */
function textured(px: Buffer, seed: number): Buffer {
  let x = Math.imul(seed + 1, 2654435761) >>> 0;
  for (let i = 0; i < px.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    px[i] = Math.max(0, Math.min(255, px[i] + ((x >>> 24) % 41) - 20));
  }
  return px;
}

export async function run(): Promise<void> {
  const n = Number(process.env.XSTUDIO_BENCH_IMAGES ?? 5000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-import-'));
  try {
    // 64 distinct small JPEGs (about 150×120, a few KB each), made unique per file with a comment segment.
    const bases = await Promise.all(Array.from({ length: 64 }, (_, i) =>
      sharp(textured(gradientPixels(150, 120, colorFor(i)), i), { raw: { width: 150, height: 120, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()));
    const root = path.join(dir, 'images');
    const files: string[] = [];
    for (const cls of ['cat', 'dog']) fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const f = path.join(root, i % 2 ? 'dog' : 'cat', `${i % 2 ? 'dog' : 'cat'}.${i}.jpg`);
      fs.writeFileSync(f, jpegVariant(bases[i % bases.length], i));
      files.push(f);
    }
    console.log(`${fmt(n)} JPEGs of 150×120 in ${root}; ${os.availableParallelism()} cores`);

    const { ms: readMs, bytes } = await readAll(files, 64);
    let t: number;
    console.log(`baseline: read every file's bytes      ${fmt(readMs)} ms  ${fmt((n / readMs) * 1000)} files/s  (${fmt(bytes / n / 1024, 1)} KB per file)`);

    const project = new Project(path.join(dir, 'bench.xstudio'));
    try {
      t = performance.now();
      const result = await importFolder(project, root, { labels: { kind: 'folder' } });
      const indexMs = performance.now() - t;
      if (result.added !== n || result.failed.length) throw new Error(`bench import went wrong: ${JSON.stringify({ ...result, duplicateGroups: undefined }).slice(0, 400)}`);
      console.log(`index (hash + dimensions + rows)       ${fmt(indexMs)} ms  ${fmt((n / indexMs) * 1000)} files/s  (${fmt(indexMs / readMs, 2)}× the baseline time; target ≥ 2,000 files/s)`);

      t = performance.now();
      await importFolder(project, root, { labels: { kind: 'folder' } });
      const againMs = performance.now() - t;
      console.log(`re-import, nothing changed             ${fmt(againMs)} ms  ${fmt((n / againMs) * 1000)} files/s  (${fmt(againMs / readMs, 2)}× the baseline time)`);

      t = performance.now();
      const thumbs = await makeThumbnails(project);
      const thumbMs = performance.now() - t;
      console.log(`thumbnails (256 px JPEG, full decode)  ${fmt(thumbMs)} ms  ${fmt((thumbs.made / thumbMs) * 1000)} files/s  (${fmt(thumbMs / readMs, 2)}× the baseline time; ${thumbs.made} made)`);

      // Relabel 10,000 images: pad with records when the folder is smaller.
      const ids = (project.db.prepare('SELECT id FROM images ORDER BY id LIMIT 10000').all() as { id: number }[]).map((r) => r.id);
      if (ids.length < 10_000) {
        const rootId = (project.db.prepare('SELECT id FROM roots LIMIT 1').get() as { id: number }).id;
        const insert = project.db.prepare("INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, status, created_at, updated_at) VALUES (?, ?, 1, 0, ?, 'ok', 0, 0)");
        project.db.transaction(() => {
          for (let i = ids.length; i < 10_000; i++) ids.push(Number(insert.run(rootId, `pad/${i}.jpg`, `pad${i}`).lastInsertRowid));
        })();
      }
      const times: number[] = [];
      let changed = 0;
      for (const cls of ['bird', 'cat', 'fish']) {
        t = performance.now();
        changed = setLabels(project, ids, cls, { actor: 'bench' }).changed;
        times.push(performance.now() - t);
      }
      t = performance.now();
      project.db.prepare('SELECT count(*) FROM labels').get();
      const pointMs = performance.now() - t;
      console.log(`relabel 10,000 images (one entry), 3×  ${times.map((x) => fmt(x, 1)).join(' / ')} ms  (${changed} changed each; target < 100 ms; a one-row query takes ${fmt(pointMs, 2)} ms)`);
    } finally {
      project.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
