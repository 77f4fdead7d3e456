// The extraction core in process (workers are real processes): a worker dying
// mid-job, and a TF.js layers model as the backbone. The CLI-level behaviour
// (cache hits, duplicates, resume after Ctrl+C) is in test/integration/extract.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../../test/helpers/make-images.ts';
import { writeMobileNetLike } from '../../../../test/helpers/mobilenet-like.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import { importFolder } from '../library/import-folder.ts';
import { Project } from '../project.ts';
import { chunkSizes, extractFeatures } from './extract-features.ts';
import { featureCoverage, latestBackbone, listBackbones, loadFeatures } from '../db/feature-store.ts';
import { StudioError } from '../../../shared/errors.ts';

let dir: string;
let project: Project;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, XSTUDIO_CACHE: path.join(dir, 'cache'), KERAS_HOME: path.join(dir, 'keras') });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-extract-core-'));
  for (let i = 0; i < 8; i++) await writeImage(path.join(dir, 'images', `c${i % 2}`, `${i}.jpg`), { width: 48, height: 40, color: colorFor(i + 100) });
  project = new Project(path.join(dir, 'p.xstudio'));
  await importFolder(project, path.join(dir, 'images'));
});
afterAll(() => {
  project.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('extractFeatures', () => {
  it('a worker killed mid-job (as by the OOM killer) fails the extraction clearly, keeps what was stored, and the next run resumes', async () => {
    const runner = new JobRunner({ maxWorkers: 1 });
    let killed = false;
    try {
      const run = extractFeatures(project, {
        randomInit: true, inputSize: 71, batchSize: 1, workers: 1, runner, env: env(),
        onProgress: (p) => {
          if (!killed && p.done >= 2) {
            killed = true;
            for (const pid of runner.workerPids) process.kill(pid, 'SIGKILL');
          }
        },
      });
      await expect(run).rejects.toMatchObject({ code: 'internal', message: 'worker exited with signal SIGKILL while extracting features (out of memory?)' });
    } finally {
      await runner.close();
    }
    const row = project.db.prepare('SELECT status, error, backbone_key AS key FROM extractions ORDER BY id DESC LIMIT 1').get() as { status: string; error: string; key: string };
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/SIGKILL/);
    const kept = featureCoverage(project.db, row.key).withFeatures;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(8);

    // The studio goes on: a new extraction (with its own runner) does the rest.
    const r = await extractFeatures(project, { randomInit: true, inputSize: 71, batchSize: 4, env: env() });
    expect(r).toMatchObject({ extracted: 8 - kept, cached: kept, failed: [] });
    expect(featureCoverage(project.db, row.key)).toEqual({ images: 8, withFeatures: 8 });
  });

  it('takes features from a TF.js layers model (MobileNet-like, quantized) at its own input size', async () => {
    const modelJson = await writeMobileNetLike(path.join(dir, 'mobilenet'), { inputSize: 32, quantize: true });
    const r = await extractFeatures(project, { backbone: 'layers-model', modelJson, preprocess: 'unit', batchSize: 4, env: env() });
    expect(r).toMatchObject({ extracted: 8, cached: 0, failed: [] });
    expect(r.backbone).toMatchObject({ kind: 'layers-model', inputSize: 32, preprocess: 'unit', randomInit: false });
    const dim = r.backbone.featureDim!;
    expect(dim).toBeGreaterThan(0);
    // The latest extraction is the default for training.
    expect(latestBackbone(project.db)!.key).toBe(r.backbone.key);
    const ids = project.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
    const f = loadFeatures(project.db, r.backbone.key, ids);
    expect(f).toMatchObject({ ids, dim, missing: [] });
    expect(f.matrix.length).toBe(8 * dim);
    // Both backbones are known, each with its own features.
    expect(listBackbones(project.db).map((b) => b.features)).toEqual([8, 8]);
    // Same model, another preprocessing: another key, nothing cached.
    await expect(extractFeatures(project, { backbone: 'layers-model', modelJson, preprocess: 'tf', batchSize: 8, env: env() })).resolves.toMatchObject({ extracted: 8, cached: 0 });
  });

  it('refuses contradictory or incomplete choices, naming the field of the contract (never a flag)', async () => {
    const modelJson = await writeMobileNetLike(path.join(dir, 'mobilenet-refused'), { inputSize: 32 });
    const refused = async (o: Parameters<typeof extractFeatures>[1]) => {
      const err = await extractFeatures(project, o).then(() => null, (e: unknown) => e as StudioError);
      expect(err).toBeInstanceOf(StudioError);
      expect(err!.message).not.toMatch(/--/);
      return { code: err!.code, field: err!.field, message: err!.message };
    };
    expect(await refused({ randomInit: true, weightsFile: '/x.h5' })).toEqual({ code: 'invalid-argument', field: 'weightsFile', message: 'weightsFile: a weights file and random init exclude each other: give one' });
    expect(await refused({ randomInit: true, inputSize: 70 })).toEqual({ code: 'invalid-argument', field: 'inputSize', message: 'inputSize: expected an integer of at least 71 for Xception, got 70' });
    expect(await refused({ backbone: 'layers-model', modelJson })).toMatchObject({ field: 'preprocess', message: expect.stringMatching(/^preprocess: say how the inputs of .*model\.json are scaled: tf, torch, caffe, unit or raw$/) });
    expect(await refused({ weightsFile: path.join(dir, 'nope.h5') })).toMatchObject({ code: 'not-found', field: 'weightsFile', message: expect.stringMatching(/^weightsFile: .*nope\.h5 does not exist$/) });
    expect(await refused({ backbone: 'mobilenet_v2', modelJson: '/m/model.json' })).toMatchObject({ field: 'modelJson' });
    expect(await refused({ backbone: 'layers-model' })).toMatchObject({ field: 'modelJson', message: 'modelJson: is required with backbone layers-model' });
    // Found by the worker that loads the model: the field crosses the process boundary with the message.
    expect(await refused({ backbone: 'layers-model', modelJson, preprocess: 'unit', featureLayer: 'nope', env: env() })).toMatchObject({ code: 'invalid-argument', field: 'featureLayer', message: expect.stringMatching(/^featureLayer: no layer "nope" in /) });
  });
});

describe('chunkSizes (guided scheduling of the work between workers)', () => {
  it('covers every image once, large chunks first, whole batches, never under 4 batches but the last', () => {
    const sizes = chunkSizes(600, 4, 2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
    expect(sizes[0]).toBe(152);
    expect(sizes.length).toBeLessThan(600 / 16); // fewer chunk starts than fixed chunks of 4 batches
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]);
    for (const n of sizes.slice(0, -1)) expect(n % 4 === 0 && n >= 16).toBe(true);
  });
  it('a small job still reaches every worker', () => {
    expect(chunkSizes(10, 4, 2)).toEqual([4, 4, 2]);
    expect(chunkSizes(3, 4, 2)).toEqual([3]);
    expect(chunkSizes(0, 4, 2)).toEqual([]);
  });
});
