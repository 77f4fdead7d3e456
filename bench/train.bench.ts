// Training runs: head on cached features, fine-tuning cost per epoch, export.
// Each figure is printed beside a baseline measured in the same run:
//   head:      50 epochs of the default head on 4000 × 2048 features
//              vs one epoch of forward passes only (predict over the 4000 rows)
//   fine-tune: one training step (forward + backward + update) of Xception+head at 299
//              vs one forward pass of the same batch; extrapolated to an epoch of 4000 images
//   export:    the whole classifier (Xception at 299 + head) as tfjs, Keras HDF5 and ONNX,
//              through the worker's export task: writing each format vs writing the same
//              number of bytes with one fs.writeFileSync, and each self-check (reload with
//              the format's runtime, run on the check images, compare) vs the studio's own
//              forward pass over the same images (8 images; 200 with XSTUDIO_BENCH_FULL=1)
//   estimate:  for every built-in backbone at its native size, the studio's pre-run estimate
//              (measureFineTune: a few real steps of batch 8) of one fine-tune epoch of 4000
//              images, vs the forward-only time of the same epoch
//   suspects:  5-fold suspects on 4000 × 2048 features, folds in parallel over the worker
//              pool, with each ranker (logistic regression, the default head)
//              vs one fold's training time of the same ranker in this process
// Defaults keep it to a few minutes on 2 cores; XSTUDIO_BENCH_FULL=1 uses the full sizes
// (50 head epochs, 4 fine-tune steps of batch 8). XSTUDIO_BENCH_TRAIN_PARTS=head (or
// head,suspects,finetune,export,estimate — the default is all five) runs only some parts.
// XSTUDIO_BENCH_SIZE sets the input size (default 299; 71 for a quick smoke run).
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBackbone } from '../src/main/ml/backbone.ts';
import { buildClassifier } from '../src/main/ml/export/classifier.ts';
import { classifierMetadata } from '../src/main/common/export-metadata.ts';
import { classifierProbs } from '../src/main/ml/predict.ts';
import { exportModelTask, MODEL_FILE, type ModelExportFormat } from '../src/main/ml/tasks/export.ts';
import { BUILTIN_FACTS, BUILTIN_NAMES, type BuiltinName } from '../src/shared/backbone-catalog.ts';
import { fineTune, measureFineTune } from '../src/main/ml/finetune.ts';
import { initHeadWeights, predictHead, trainHead } from '../src/main/ml/head.ts';
import { parseRunConfig } from '../src/shared/run-config.ts';
import { syntheticFeatures } from '../src/main/ml/synthetic.ts';
import { fineTuneBackend } from '../src/main/ml/training-backend.ts';
import { writeImage, colorFor } from '../test/helpers/make-images.ts';
import { foldProbabilities, mergeFolds, rankSuspects } from '../src/main/ml/suspects.ts';
import { JobRunner } from '../src/main/studio/jobs/job-runner.ts';

const full = process.env.XSTUDIO_BENCH_FULL === '1';
const line = (what: string, value: number, unit: string, base: string, baseValue: number, baseUnit = unit): void =>
  console.log(`${what.padEnd(44)} ${value.toFixed(2).padStart(10)} ${unit.padEnd(6)} | baseline ${base}: ${baseValue.toFixed(2)} ${baseUnit} | ratio ${(value / baseValue).toFixed(2)}`);

export async function run(): Promise<void> {
  const backend = await fineTuneBackend();
  console.log(`backend: ${backend.name}${backend.note ? ` (${backend.note})` : ''}; cores: ${os.availableParallelism()}`);

  const parts = (process.env.XSTUDIO_BENCH_TRAIN_PARTS ?? 'head,suspects,finetune,export,estimate').split(',').map((p) => p.trim());

  // ── head on cached features ──
  if (parts.includes('head')) await benchHead();
  if (parts.includes('suspects')) await benchSuspects();
  if (parts.includes('finetune') || parts.includes('export')) await benchFineTuneAndExport(parts.includes('finetune'), parts.includes('export'));
  if (parts.includes('estimate')) await benchEstimates();
}

/** One fine-tune epoch of 4000 images per built-in backbone, as the studio estimates it before a run. */
async function benchEstimates(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-estimate-'));
  try {
    const batch = 8;
    const images = [];
    for (let i = 0; i < batch; i++) images.push({ path: await writeImage(path.join(dir, `${i}.jpg`), { width: 256, height: 256, color: colorFor(i) }), y: i % 2 });
    console.log('');
    for (const name of (process.env.XSTUDIO_BENCH_BACKBONES?.split(',') ?? [...BUILTIN_NAMES]) as BuiltinName[]) {
      const size = Number(process.env.XSTUDIO_BENCH_SIZE ?? BUILTIN_FACTS[name].defaultInput);
      const backbone = await loadBackbone({ kind: name, randomInit: true, inputSize: size });
      try {
        const x = new Float32Array(batch * size * size * 3).fill(0.5);
        backbone.predict(x, batch); // warm-up
        const t = performance.now();
        backbone.predict(x, batch);
        const forwardBatch = (performance.now() - t) / 1000;
        const head = initHeadWeights(backbone.featureDim, 2, parseRunConfig({}).head, 1);
        const config = parseRunConfig({ fineTune: { epochs: 1, batchSize: batch } }).fineTune;
        const e = await measureFineTune({ backbone, images, numClasses: 2, head, config, trainCount: 4000, valCount: 0 });
        line(`${name} @${size}: fine-tune epoch, 4000 images (estimate)`, e.secondsPerEpoch / 60, 'min', 'forward-only epoch', ((forwardBatch * 4000) / batch) / 60);
      } finally {
        backbone.dispose();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchHead(): Promise<void> {
  const n = 4000;
  const dim = 2048;
  const epochs = full ? 50 : Number(process.env.XSTUDIO_BENCH_HEAD_EPOCHS ?? 10);
  const { x, y } = syntheticFeatures({ n: n + 2000, dim, numClasses: 2, seed: 1, nonNegative: true });
  const train = { x: x.subarray(0, n * dim), y: y.subarray(0, n) };
  const val = { x: x.subarray(n * dim), y: y.subarray(n) };
  const config = parseRunConfig({ head: { epochs } }).head;
  const w = initHeadWeights(dim, 2, config, 1);
  predictHead(w, train.x, n); // warm-up
  let t = performance.now();
  predictHead(w, train.x, n);
  const forwardEpoch = (performance.now() - t) / 1000;
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = trainHead({ train, val, dim, numClasses: 2, config, seed: 1 });
  const trainSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const per50 = (trainSeconds / r.history.length) * 50;
  line(`head: ${epochs} epochs, 4000×2048, default head`, trainSeconds, 's', 'one forward-only epoch', forwardEpoch);
  if (!full) line('head: 50 epochs (extrapolated)', per50, 's', 'one forward-only epoch', forwardEpoch);
  line('head: one training epoch', trainSeconds / r.history.length, 's', 'one forward-only epoch', forwardEpoch);
  // CPU time of this process: the same figure less sensitive to other load on the machine.
  line('head: one training epoch, CPU time', cpuSeconds / r.history.length, 's', 'one forward-only epoch', forwardEpoch);
}

async function benchSuspects(): Promise<void> {
  const n = 4000;
  const dim = 2048;
  const folds = 5;
  const { x, y } = syntheticFeatures({ n, dim, numClasses: 2, seed: 2, nonNegative: true });
  // The default run configuration's head, as `xstudio suspects` uses it.
  const config = parseRunConfig({});
  const base = { x, y, dim, numClasses: 2, folds, config: config.head, seed: config.seed };
  const cores = os.availableParallelism();
  const runner = new JobRunner({ maxWorkers: cores });
  try {
    for (const ranker of ['logistic', 'head'] as const) {
      let t = performance.now();
      foldProbabilities({ ...base, ranker, fold: 0 });
      const oneFold = (performance.now() - t) / 1000;
      // Workers started first (a task that returns at once), so the figure is the folds' own time.
      await Promise.all(Array.from({ length: cores }, () => runner.run('diag-echo', {})));
      t = performance.now();
      const results = await Promise.all(Array.from({ length: folds }, (_, fold) => runner.run('suspects', { ...base, ranker, fold })));
      const wall = (performance.now() - t) / 1000;
      rankSuspects(mergeFolds(n, 2, results.map((r) => ({ held: r.held!, probs: r.probs }))), y, 2);
      line(`suspects (${ranker}): ${folds} folds in parallel, ${cores} workers`, wall, 's', `one ${ranker} fold in this process`, oneFold);
      console.log(`  serial would be ~${(oneFold * folds).toFixed(1)} s; longest fold in a worker ${Math.max(...results.map((r) => r.seconds)).toFixed(1)} s`);
    }
  } finally {
    await runner.close();
  }
}

async function benchFineTuneAndExport(fineTuneToo: boolean, exportToo: boolean): Promise<void> {
  // ── fine-tuning at 299 ──
  let t: number;
  // XSTUDIO_BENCH_SIZE=71 gives a quick smoke run of this part; figures are meant at 299.
  const size = Number(process.env.XSTUDIO_BENCH_SIZE ?? 299);
  const batch = full ? 8 : 2;
  const steps = full ? 4 : 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-train-'));
  try {
    const backbone = await loadBackbone({ kind: 'xception', randomInit: true, inputSize: size, seed: 1 });
    const head = initHeadWeights(2048, 2, parseRunConfig({}).head, 1);
    if (fineTuneToo) {
      const images = [];
      for (let i = 0; i < batch * steps; i++) images.push({ path: await writeImage(path.join(dir, `${i}.jpg`), { width: 320, height: 300, color: colorFor(i) }), y: i % 2 });
      const input = tf.randomNormal([batch, size, size, 3]);
      tf.tidy(() => (backbone.model.predict(input) as tf.Tensor).dataSync()); // warm-up
      t = performance.now();
      tf.tidy(() => (backbone.model.predict(input) as tf.Tensor).dataSync());
      const forwardBatch = (performance.now() - t) / 1000;
      input.dispose();
      let estimate = 0;
      const ft = parseRunConfig({ fineTune: { epochs: 1, batchSize: batch } }).fineTune;
      t = performance.now();
      await fineTune({ backbone, head, train: images, val: [], config: ft, seed: 1, onEstimate: (e) => (estimate = e.secondsPerBatch) });
      const measured = (performance.now() - t) / 1000 / steps;
      const perStep = estimate || measured;
      line(`fine-tune @299: one step, batch ${batch}`, perStep, 's', `forward-only batch ${batch}`, forwardBatch);
      line('fine-tune @299: epoch of 4000 images (extrap.)', (perStep * 4000) / batch / 60, 'min', 'forward-only epoch', (forwardBatch * 4000) / batch / 60);
    }

    // ── export + self-check, per format ──
    if (exportToo) {
      const n = full ? 200 : 8;
      const files: string[] = [];
      for (let i = 0; i < n; i++) files.push(await writeImage(path.join(dir, `check-${i}.jpg`), { width: 320, height: 300, color: colorFor(i + 50) }));
      const classifier = buildClassifier(backbone, head);
      t = performance.now();
      const reference = await classifierProbs(classifier, files, size, 'tf', 2);
      const forwardSeconds = (performance.now() - t) / 1000;
      const metadata = classifierMetadata({
        classes: ['a', 'b'], preprocess: 'tf', inputSize: size,
        backbone: { id: backbone.id, name: 'Xception', kind: 'xception', randomInit: true, featureDim: 2048 },
        run: { id: 1, name: 'bench', split: 'bench', bestEpoch: null, fineTuned: false, val: { loss: null, accuracy: null } },
      });
      const ctx = { progress: () => undefined, emit: () => undefined, signal: new AbortController().signal };
      for (const format of ['tfjs', 'keras', 'onnx'] as ModelExportFormat[]) {
        const out = path.join(dir, `export-${format}`);
        const r = await exportModelTask({
          format, out, head, metadata, studioVersion: 'bench',
          spec: { kind: 'xception', randomInit: true, inputSize: size, seed: 1 },
          check: { files, reference, tolerance: 1e-4 },
        }, ctx);
        const modelFile = path.join(out, MODEL_FILE[format]);
        const bytes = format === 'tfjs' ? fs.statSync(path.join(out, 'group1-shard1of1.bin')).size : fs.statSync(modelFile).size;
        t = performance.now();
        fs.writeFileSync(path.join(dir, 'raw.bin'), Buffer.alloc(bytes, 1));
        const rawSeconds = (performance.now() - t) / 1000;
        line(`export ${format}: write (${(bytes / 1e6).toFixed(1)} MB)`, r.writeMs / 1000, 's', 'raw write of same bytes', rawSeconds);
        line(`export ${format}: self-check, ${n} images`, r.check!.ms / 1000, 's', `studio forward, ${n} images`, forwardSeconds);
        console.log(`  ${format} check: same class on ${r.check!.agree}/${r.check!.images}, max |Δp| ${r.check!.maxAbsDiff.toExponential(1)} (${r.check!.runtime})`);
      }
    }
    backbone.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
