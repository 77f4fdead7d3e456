// `xstudio extract` as a user runs it: a project of generated images, a
// random-init Xception at 71×71 (the smallest input), the CLI spawned with
// --json. Covers cache hits, duplicates, a changed file, a file that cannot be
// decoded, and resume after Ctrl+C.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, imageBuffer, writeImage } from '../helpers/make-images.ts';
import { importFolder } from '../../src/main/studio/library/import-folder.ts';
import { withProject, type Project } from '../../src/main/studio/project.ts';
import { latestBackbone, loadFeatures } from '../../src/main/studio/db/feature-store.ts';
import { runXstudio, type CliRun, type RunOptions } from '../helpers/xstudio-cli.ts';

let dir: string;
let images: string;
let projectFile: string;
let env: NodeJS.ProcessEnv;

/** The CLI as a user runs it, from the test's folder with its studio environment. */
const cli = (args: string[], opts: RunOptions = {}): Promise<CliRun> => runXstudio(args, env, { cwd: dir, ...opts });

async function extract(...extra: string[]): Promise<Record<string, unknown> & { extracted: number; cached: number; duplicates: number; failed: { path: string; reason: string }[] }> {
  const r = await cli(['extract', '--project', projectFile, '--random-init', '--input-size', '71', '--batch', '2', ...extra, '--json']);
  if (r.code !== 0) throw new Error(`extract exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Reads the project file directly (through the core), to check what the CLI stored. */
const inProject = <T>(fn: (p: Project) => T): Promise<T> => withProject(projectFile, fn);

function imageId(p: Project, rel: string): number {
  return (p.db.prepare('SELECT id FROM images WHERE rel_path = ?').get(rel) as { id: number }).id;
}

/** A PNG whose header is fine (the library indexes it) but whose pixel data is damaged. */
async function writeUndecodablePng(file: string): Promise<void> {
  const png = Buffer.from(await imageBuffer({ format: 'png', width: 64, height: 64, color: [10, 200, 30] }));
  const idat = png.indexOf(Buffer.from('IDAT'));
  for (let i = idat + 20; i < idat + 60; i++) png[i] ^= 0x5a;
  fs.writeFileSync(file, png);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-extract-'));
  env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache'), KERAS_HOME: path.join(dir, 'keras') };
  delete env.XSTUDIO_DEBUG;
  images = path.join(dir, 'images');
  for (let i = 0; i < 6; i++) await writeImage(path.join(images, i % 2 ? 'cat' : 'dog', `${i}.jpg`), { width: 80, height: 64, color: colorFor(i) });
  // Same bytes as cat/1.jpg: one forward pass for both.
  fs.copyFileSync(path.join(images, 'cat', '1.jpg'), path.join(images, 'cat', 'copy-of-1.jpg'));
  await writeUndecodablePng(path.join(images, 'dog', 'broken.png'));
  projectFile = path.join(dir, 'p.xstudio');
  const r = await withProject(projectFile, (p) => importFolder(p, images));
  expect(r.images).toBe(8);
  expect(r.failed).toEqual([]); // the damage is only found by a full decode
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('xstudio extract', () => {
  it('fails without weights, saying how to get them', async () => {
    const r = await cli(['extract', '--project', projectFile, '--input-size', '71', '--json']);
    expect(r.code).toBe(1);
    // Both doors' ways to get them, and the two other choices, in words (no flag: the message is the core's).
    const how = /not in the studio's weights cache\. Download or import it \(the Training view's weights card, or `xstudio weights`\), give a weights file, or choose random init/;
    expect(r.stderr).toMatch(how);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'not-found', message: expect.stringMatching(how) } });
  });

  it('an error the extraction job raises about a field is told as its flag, with exit 2', async () => {
    const r = await cli(['extract', '--project', projectFile, '--random-init', '--input-size', '70', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'invalid-argument', field: 'inputSize', flag: '--input-size', message: '--input-size: expected an integer of at least 71 for Xception, got 70' } });
  });

  it('extracts every distinct image once, records the undecodable one, and marks random-init features', async () => {
    const r = await extract('--workers', '2');
    // No CUDA here: the inference engine is ONNX Runtime (engine-choice.ts).
    expect(r).toMatchObject({ backend: 'onnxruntime', extracted: 6, cached: 0, duplicates: 1, images: 8, workers: 2 });
    expect(r.backbone).toMatchObject({ kind: 'xception', inputSize: 71, featureDim: 2048, randomInit: true, preprocess: 'tf' });
    expect(r.failed).toEqual([{ path: path.join(images, 'dog', 'broken.png'), reason: expect.stringContaining('broken.png') }]);
    expect(r.imagesPerSecond).toBeGreaterThan(0);

    await inProject((p) => {
      const failed = p.db.prepare(`SELECT status, error FROM images WHERE rel_path = 'dog/broken.png'`).get() as { status: string; error: string };
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/cannot decode/);
      const latest = latestBackbone(p.db)!;
      expect(latest).toMatchObject({ key: (r.backbone as { key: string }).key, randomInit: true });
      const ids = ['cat/1.jpg', 'cat/copy-of-1.jpg', 'dog/0.jpg', 'dog/broken.png'].map((rel) => imageId(p, rel));
      const f = loadFeatures(p.db, latest.key, ids);
      expect(f.dim).toBe(2048);
      expect(f.ids).toEqual(ids.slice(0, 3));
      expect(f.missing).toEqual([ids[3]]);
      const row = (i: number): Float32Array => f.matrix.subarray(i * 2048, (i + 1) * 2048);
      expect([...row(1)]).toEqual([...row(0)]); // duplicate: the same stored feature
      expect([...row(2)]).not.toEqual([...row(0)]);
      expect(row(0).every(Number.isFinite)).toBe(true);
    });
  });

  it('stores exactly what the network computes for the image (compared with `xstudio features`)', async () => {
    const file = path.join(images, 'dog', '4.jpg');
    const r = await cli(['features', '--random-init', '--input-size', '71', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const direct = (JSON.parse(r.stdout) as { features: { vector: number[] }[] }).features[0].vector;
    const stored = await inProject((p) => loadFeatures(p.db, latestBackbone(p.db)!.key, [imageId(p, 'dog/4.jpg')]).matrix);
    expect(stored.length).toBe(direct.length);
    let maxDiff = 0;
    for (let i = 0; i < direct.length; i++) maxDiff = Math.max(maxDiff, Math.abs(direct[i] - stored[i]) / (1 + Math.abs(direct[i])));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('a second extract does no forward pass and starts no worker', async () => {
    const r = await extract();
    expect(r).toMatchObject({ backend: 'none (all cached)', extracted: 0, cached: 7, duplicates: 0, workers: 0, failed: [] });
  });

  it('re-extracts a changed image only', async () => {
    const changed = path.join(images, 'dog', '2.jpg');
    const before = await inProject((p) => loadFeatures(p.db, latestBackbone(p.db)!.key, [imageId(p, 'dog/2.jpg')]).matrix.slice());
    await writeImage(changed, { width: 80, height: 64, color: [250, 250, 10] });
    const r = await extract('--workers', '1');
    expect(r).toMatchObject({ extracted: 1, cached: 6, workers: 1 });
    const after = await inProject((p) => loadFeatures(p.db, latestBackbone(p.db)!.key, [imageId(p, 'dog/2.jpg')]).matrix);
    expect([...after]).not.toEqual([...before]);
  });

  it('Ctrl+C cancels, keeps what was stored, and the next extract resumes', async () => {
    // Another input size is another backbone key: every distinct healthy content to do again.
    // 160 px, one image per batch: slow enough to be interrupted half way.
    const args = ['extract', '--project', projectFile, '--random-init', '--input-size', '160', '--batch', '1', '--workers', '1', '--json'];
    const db = new Database(projectFile, { readonly: true });
    const storedSoFar = (): number => db.prepare(`SELECT COUNT(*) FROM features WHERE backbone_key LIKE '%:160:%'`).pluck().get() as number;
    let interrupted = false;
    let poll: NodeJS.Timeout | undefined;
    const run = await cli(args, {
      onStderr: (_text, kill) => {
        // Once the model is loaded, watch the project file and press Ctrl+C after the first stored batch.
        poll ??= setInterval(() => {
          if (!interrupted && storedSoFar() > 0) {
            interrupted = true;
            kill('SIGINT');
          }
        }, 20);
      },
    });
    clearInterval(poll);
    db.close();
    const total = Number(/^Extracting features \(.*\): 0\/(\d+) images/m.exec(run.stderr)?.[1]);
    expect(interrupted, run.stderr).toBe(true);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'cancelled', message: expect.stringMatching(/^extraction cancelled: \d+ image features stored, run extract again to resume$/) } });
    expect(run.stderr).toMatch(/xstudio extract: extraction cancelled: \d+ image features stored, run extract again to resume/);
    const kept = Number(/cancelled: (\d+) image features stored/.exec(run.stderr)![1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(total);
    const status = await inProject((p) => p.db.prepare(`SELECT status FROM extractions ORDER BY id DESC LIMIT 1`).pluck().get());
    expect(status).toBe('cancelled');

    const r = await extract('--input-size', '160', '--workers', '1');
    // What was left: computed now (or found undecodable now, when this test runs alone).
    expect(r.extracted + r.failed.length).toBe(total - kept);
    expect(r.cached).toBeGreaterThanOrEqual(kept);
  });
});
