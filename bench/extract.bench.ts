// Feature extraction speed, per network and per inference engine, against the
// machine's peak measured in the same run on the same engine:
//   peak           GFLOP/s of a large float32 matmul (2048², ONNX Runtime MatMul, every
//                  core as intra-op threads): the machine's peak, against which every
//                  figure's share is given. TF.js' own large matmul is printed beside it:
//                  tfjs-backend-wasm runs MatMul and a lone Conv2D at ~2 GFLOP/s (its
//                  BatchMatMul is a plain loop), so "its peak" would flatter it
//   forward only   photos/s of the engine on preprocessed batches in memory, in the
//                  split the pipeline uses, measured as it runs: N processes side by
//                  side (bench/forward-child.ts), never one process × N
//   pipeline       files on disk → decoded → features stored in the project, through
//                  the job runner's workers (decode overlapped with the forward pass),
//                  on 500 × 375 JPEGs of ~30 KB with a photo's detail (photoPixels; the
//                  400 × 300 gradients used before were 2–3 KB and decoded ~40 % faster)
//   ratio          pipeline / forward only of the same split (target ≥ 0.9): both are
//                  measured in each of XSTUDIO_BENCH_ROUNDS rounds in ABBA order and the
//                  median of the rounds' ratios printed, min–max beside it. One of each,
//                  minutes apart, gave 0.59 to 1.24 for the same code on this machine
//   bound          F / (F + decode + resize) with all three in CPU time: the most the
//                  pipeline can reach when its own work shares the cores with the
//                  forward pass (F from the forward-only children's process CPU time)
//   share of peak  photos/s × GFLOP per photo / peak
//   split          ONNX Runtime with 1 worker × N threads against N workers × 1 thread:
//                  the measurement behind ONNX_WORKERS in extract-features.ts
//   memory         peak RSS (VmHWM) of a fresh process running one batch of 32 at 299
//                  on each engine (target < 1 GB; the unbounded TF.js call held 2.4 GB)
// Networks: Xception at 299 and MobileNetV2 at 224, random weights (the same
// compute as the real ones). XSTUDIO_BENCH_MODELS=xception,mobilenetv2 chooses,
// XSTUDIO_BENCH_ENGINES=onnx,wasm too; XSTUDIO_BENCH_IMAGES_SCALE scales the image
// counts, XSTUDIO_BENCH_ROUNDS (3) sets the rounds.
//
// Where the pipeline's time goes (MobileNetV2 224, 2 workers × 1 thread, --cpu-prof of a
// worker, and CPU time per photo in this bench): onnxruntime-node runs a session
// synchronously on the worker's main thread (after a setImmediate), so that thread does
// the forward pass and then, between two passes, the resize + preprocess of the photos
// sharp decoded meanwhile on libuv's pool. Main thread: forward 51–54 %, resize +
// preprocess 13–18 %, GC 3–8 %, idle (waiting for a decode) 5–8 %; beside it the decode,
// 1.6–1.8 ms of CPU per photo, and the core storing features, 0.2–0.3 ms per photo. With
// the network at ~4 ms of CPU per photo (MobileNetV2, 500 photos/s on the 2 cores when
// quiet) and the pipeline's own work at ~2.5 ms, the bound is ~0.6: 0.9 would need the
// decode, resize and preprocess of a 500 × 375 photo in under 0.5 ms. Xception is 40 ×
// the FLOPs per photo at 299, so the same work costs it a few per cent.
//   Changed (features unchanged, bit for bit): resize + preprocess fused into one pass
// straight into a ring of preallocated batch buffers (was three float arrays per photo
// and a copy; 0.8 against 1.0–1.3 ms per photo at 224 when quiet, 1.3 against 1.6 at
// 299), and guided chunks (fewer and larger first) instead of 38 chunks of 4 batches for
// 600 photos, each of which started with a batch waiting for its decodes. Tried and
// dropped: reading the file with fs.promises before sharp (four more trips through the
// event loop the forward pass holds: 0.6–1 s of decode wait per 300 photos), shrink-on-
// load through sharp's resize (more CPU, 2.0 against 1.5 ms, and other pixels), and
// UV_THREADPOOL_SIZE 1/2/4 (no difference in CPU per photo).
//   A/B: this bench, old pipeline (d526e85's extract-pipeline.ts and extract-features.ts)
// and new alternated, before/after/before/after, 2 × 1 split, ratio median (min–max) of 3 rounds.
// XSTUDIO_BENCH_ENGINES=onnx (peak 127–431 GFLOP/s during these runs, other engineers' load):
//   Xception     before 0.88 (0.74–0.89), 0.92 (0.67–1.04); after 0.94 (0.87–0.99), 0.93 (0.92–0.93)
// XSTUDIO_BENCH_MODELS=mobilenetv2 XSTUDIO_BENCH_ENGINES=onnx, first pair quiet (peak 415–447):
//   MobileNetV2  before 236 photos/s, 0.45 (0.43–0.48), decode wait 0.96 s; after 253 photos/s,
//                0.49 (0.47–0.50), decode wait 0.23 s (forward only 521 and 523); bound 0.59–0.62.
//                Second pair, loaded: before 0.46 (0.37–0.60), after 0.55 (0.51–0.61).
// Full run after (npm run bench -- extract.bench, 13:19 UTC, load average 5.6): Xception 2 × 1
// 11.7 photos/s, 0.77 (0.61–0.97), bound 0.97; MobileNetV2 2 × 1 259 photos/s, 0.52
// (0.52–0.53), bound 0.60; TF.js wasm 0.97 and 0.74; peak RSS 875 MB (onnx), 819 MB (wasm).
//
// Why one single-threaded ONNX Runtime worker per core (extract-features.ts
// onnxWorkers, where the figures of five runs are): MobileNetV2's pipeline was
// 1.4–3.4 × faster that way than with one two-threaded worker in every run;
// Xception's two splits were within this shared machine's noise (ahead in 3
// of 5 runs). An intra-op pool waits at each op for its slowest thread, and a
// core taken by another process makes that wait long; processes never wait
// for each other.
import * as tf from '@tensorflow/tfjs';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '../src/main/ml/backend.ts';
import { loadBackbone, type Backbone } from '../src/main/ml/backbone.ts';
import { GraphBuilder, valueInfo } from '../src/main/ml/export/onnx/builder.ts';
import { encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from '../src/main/ml/export/onnx/proto.ts';
import { extractFeatures } from '../src/main/studio/features/extract-features.ts';
import type { BackboneChoice } from '../src/main/studio/features/backbone-choice.ts';
import { JobRunner } from '../src/main/studio/jobs/job-runner.ts';
import { importFolder } from '../src/main/studio/library/import-folder.ts';
import { Project } from '../src/main/studio/project.ts';
import { applyPreprocess, decodeRgb, resizeBilinear, resizePreprocessInto } from '../src/main/ml/preprocess.ts';
import { colorFor, jpegVariant, photoJpeg } from '../test/helpers/make-images.ts';
import { saveLayersModel } from '../test/helpers/mobilenet-like.ts';
import { buildMobileNetV2 } from '../test/helpers/mobilenet-v2.ts';
import { modelFlops } from './flops.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const cores = os.availableParallelism();
const scale = Number(process.env.XSTUDIO_BENCH_IMAGES_SCALE ?? 1);
const rounds = Math.max(1, Number(process.env.XSTUDIO_BENCH_ROUNDS ?? 3));
/** The bench's photos: 500 × 375 JPEGs at quality 90 with a photo's detail (~30 KB, see photoPixels). */
const PHOTO = { width: 500, height: 375, distinct: 16 };

function line(label: string, value: string, note = ''): void {
  console.log(`${label.padEnd(46)} ${value.padStart(16)}  ${note}`);
}

const pct = (x: number): string => `${(100 * x).toFixed(0)} % of peak`;

/** GFLOP/s of ONNX Runtime MatMul n×n · n×n with `threads` intra-op threads. */
async function onnxPeak(threads: number, n = 2048): Promise<number> {
  const ort = await import('onnxruntime-node');
  const g = new GraphBuilder();
  g.reserve('a');
  g.reserve('b');
  g.inputs.push(valueInfo('a', [n, n]), valueInfo('b', [n, n]));
  g.node('MatMul', ['a', 'b'], {}, 'c', 'c');
  g.outputs.push(valueInfo('c', [n, n]));
  const bytes = encodeModel({ irVersion: ONNX_IR_VERSION, producerName: 'bench', producerVersion: '', metadataProps: [], opsetImport: [{ domain: '', version: ONNX_OPSET }], graph: { name: 'matmul', node: g.nodes, initializer: [], input: g.inputs, output: g.outputs } });
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const a = new ort.Tensor('float32', new Float32Array(n * n).map((_, i) => (i % 7) / 7), [n, n]);
  const feeds = { a, b: a };
  await s.run(feeds);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    await s.run(feeds);
    best = Math.max(best, (2 * n ** 3) / ((performance.now() - t) / 1000) / 1e9);
  }
  await s.release();
  return best;
}

/**
 * GFLOP/s of a large float32 matmul on TF.js' active backend (WebAssembly,
 * one thread), written as a 1×1 convolution [1, m, m, k] * [1, 1, k, k]:
 * tfjs-backend-wasm runs Conv2D through XNNPACK but BatchMatMul through its
 * own plain loop (1.6 GFLOP/s here), and the convolutions are what the
 * networks run, so this is the engine's real peak.
 */
function tfjsPeak(m = 32, k = 1024): number {
  const x = tf.randomUniform([1, m, m, k]);
  const w = tf.randomUniform([1, 1, k, k]);
  const once = (): void => void tf.tidy(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid').dataSync());
  once();
  let best = 0;
  for (let r = 0; r < 4; r++) {
    const t = performance.now();
    once();
    best = Math.max(best, (2 * m * m * k * k) / ((performance.now() - t) / 1000) / 1e9);
  }
  x.dispose();
  w.dispose();
  return best;
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const spread = (xs: number[], digits: number): string => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '');

/**
 * CPU time per photo of the pipeline's own work, one image at a time in this
 * process: decode (sharp, on libuv's pool), and resize + preprocess, fused
 * as the pipeline does it and as the two steps it replaced (resizeBilinear,
 * applyPreprocess, a copy into the batch); medians of 4 rounds.
 */
async function stageCosts(files: string[], size: number): Promise<{ decode: number; fused: number; twoSteps: number }> {
  const imgs = await Promise.all(files.map((f) => decodeRgb(f)));
  const batch = new Float32Array(size * size * 3);
  const n = 120;
  const decodeMs: number[] = [];
  const fusedMs: number[] = [];
  const twoMs: number[] = [];
  for (let r = 0; r < 4; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await decodeRgb(files[i % files.length]);
    const c = process.cpuUsage(c0);
    decodeMs.push((c.user + c.system) / 1000 / n);
    const cpuMs = (f: () => void): number => {
      const t = process.cpuUsage();
      for (let i = 0; i < n; i++) f();
      const d = process.cpuUsage(t);
      return (d.user + d.system) / 1000 / n;
    };
    let k = 0;
    const fused = (): void => resizePreprocessInto(imgs[k++ % imgs.length], size, 'tf', batch);
    const two = (): void => batch.set(applyPreprocess('tf', resizeBilinear(imgs[k++ % imgs.length], size)));
    // Alternated order, CPU time (what the cores pay; a shared machine's wall clock adds its waits).
    if (r % 2 === 0) {
      fusedMs.push(cpuMs(fused));
      twoMs.push(cpuMs(two));
    } else {
      twoMs.push(cpuMs(two));
      fusedMs.push(cpuMs(fused));
    }
  }
  return { decode: median(decodeMs), fused: median(fusedMs), twoSteps: median(twoMs) };
}

interface Net {
  name: string;
  size: number;
  request: BackboneChoice;
  /** For bench/forward-child.ts: 'xception' or the model.json path. */
  model: string;
  load(): Promise<Backbone>;
  /** Images in the pipeline runs, per engine (sized for a few seconds each on 2 cores). */
  images: { onnx: number; wasm: number };
}

/**
 * Forward-only photos/s of `processes` processes side by side (each loads the
 * network, then all start together): the pipeline's split measured as it runs.
 */
async function forwardSideBySide(engine: string, model: string, size: number, threads: number, processes: number, batch: number, seconds = 6): Promise<{ rate: number; cpuMs: number }> {
  const children = Array.from({ length: processes }, () => spawn(process.execPath, ['--import', 'tsx', path.join(here, 'forward-child.ts'), engine, model, String(size), String(threads), String(seconds), String(batch)], { env: process.env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map((c) => {
    let out = '';
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) resolve();
      });
      c.on('exit', () => (out.includes('READY') ? undefined : reject(new Error(`forward child failed: ${err.trim().split('\n').pop()}`))));
    });
    const done = new Promise<{ rate: number; cpuMs: number }>((resolve, reject) => c.on('exit', () => {
      const m = /RATE=([\d.]+) CPU_MS=([\d.]+)/.exec(out);
      if (m) resolve({ rate: Number(m[1]), cpuMs: Number(m[2]) });
      else reject(new Error(`forward child failed: ${err.trim().split('\n').pop()}`));
    }));
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of children) c.stdin.write('go\n');
  const r = await Promise.all(outputs.map((o) => o.done));
  return { rate: r.reduce((a, b) => a + b.rate, 0), cpuMs: r.reduce((a, b) => a + b.cpuMs, 0) / r.length };
}

function peakRssMb(engine: string, size: number, batch: number): number | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'peak-memory.ts'), engine, String(size), String(batch)], { encoding: 'utf8', env: process.env });
  const m = /VmHWM_MB=(\d+)/.exec(r.stdout);
  if (!m) {
    console.log(`  (peak memory ${engine}: ${r.stderr.trim().split('\n').pop()})`);
    return null;
  }
  return Number(m[1]);
}

export async function run(): Promise<void> {
  const models = (process.env.XSTUDIO_BENCH_MODELS ?? 'xception,mobilenetv2').split(',');
  const engines = (process.env.XSTUDIO_BENCH_ENGINES ?? 'onnx,wasm').split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-bench-extract-'));
  process.env.XSTUDIO_CACHE ??= path.join(dir, 'cache');
  await useBackend('wasm');
  const batch = 4;
  const projects = new Map<number, { project: Project; file: string }>();
  try {
    console.log(`${cores} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}); pipeline batch ${batch}; photos ${PHOTO.width}×${PHOTO.height} JPEG q90 (~30 KB); ${rounds} rounds of forward-only and pipeline alternated, medians (min–max); shared machine: figures move with its load\n`);
    const machinePeak = await onnxPeak(cores);
    line(`peak: ONNX Runtime MatMul 2048², ${cores} threads`, `${machinePeak.toFixed(1)} GFLOP/s`, 'the machine\'s peak for every share below');
    const onePeak = await onnxPeak(1);
    line('     ONNX Runtime MatMul 2048², 1 thread', `${onePeak.toFixed(1)} GFLOP/s`, `× ${(machinePeak / onePeak).toFixed(2)} with ${cores} threads`);
    const peak: Record<string, number> = { onnx: machinePeak, wasm: machinePeak };
    if (engines.includes('wasm')) {
      const one = tfjsPeak();
      line('     TF.js wasm 1×1 conv (matmul 1024×1024²)', `${one.toFixed(1)} GFLOP/s`, `1 thread; ${pct(one / machinePeak)} (TF.js' matmul path, for reference)`);
    }

    const mnDir = path.join(dir, 'mobilenetv2');
    const nets: Net[] = [];
    if (models.includes('xception')) {
      nets.push({ name: 'Xception', size: 299, model: 'xception', request: { randomInit: true, inputSize: 299 }, load: () => loadBackbone({ kind: 'xception', randomInit: true, inputSize: 299 }), images: { onnx: Math.round(64 * scale), wasm: Math.round(24 * scale) } });
    }
    if (models.includes('mobilenetv2')) {
      const m = buildMobileNetV2({ inputSize: 224 });
      const file = await saveLayersModel(m, mnDir);
      m.dispose();
      nets.push({ name: 'MobileNetV2', size: 224, model: file, request: { backbone: 'layers-model', modelJson: file, preprocess: 'tf' }, load: () => loadBackbone({ kind: 'layers-model', modelJson: file, preprocess: 'tf' }), images: { onnx: Math.round(600 * scale), wasm: Math.round(96 * scale) } });
    }
    const maxImages = Math.max(...nets.flatMap((n) => [n.images.onnx, n.images.wasm]));
    const photos = await Promise.all(Array.from({ length: PHOTO.distinct }, (_, k) => photoJpeg(PHOTO.width, PHOTO.height, colorFor(k), k + 1)));
    for (let i = 0; i < maxImages; i++) {
      fs.mkdirSync(path.join(dir, 'images', String(i % 8)), { recursive: true });
      // Distinct files (content hashes) with the decode cost of a photo; the copies differ by a comment segment.
      fs.writeFileSync(path.join(dir, 'images', String(i % 8), `${i}.jpg`), jpegVariant(photos[i % PHOTO.distinct], i));
    }
    const sampleFiles = Array.from({ length: PHOTO.distinct }, (_, i) => path.join(dir, 'images', String(i % 8), `${i}.jpg`));
    const projectOf = async (count: number): Promise<Project> => {
      const known = projects.get(count);
      if (known) return known.project;
      const folder = path.join(dir, `set-${count}`);
      fs.mkdirSync(folder);
      for (let i = 0; i < count; i++) fs.symlinkSync(path.join(dir, 'images', String(i % 8), `${i}.jpg`), path.join(folder, `${i}.jpg`));
      const file = path.join(dir, `bench-${count}.xstudio`);
      const project = new Project(file);
      await importFolder(project, folder);
      projects.set(count, { project, file });
      return project;
    };

    for (const net of nets) {
      // The peak is measured again before each network and the best so far kept:
      // on a shared machine one measurement can land in another job's burst.
      const again = await onnxPeak(cores);
      if (again > peak.onnx) {
        peak.onnx = peak.wasm = again;
        line(`peak again: ONNX Runtime MatMul 2048², ${cores} threads`, `${again.toFixed(1)} GFLOP/s`, 'best so far: the peak for the shares below');
      }
      const backbone = await net.load();
      const gflop = modelFlops(backbone.model) / 1e9;
      console.log(`\n${net.name} at ${net.size}: ${gflop.toFixed(2)} GFLOP per photo`);
      const cost = await stageCosts(sampleFiles, net.size);
      line('  CPU per photo: decode (sharp)', `${cost.decode.toFixed(2)} ms`, 'CPU time, one photo at a time');
      line('  CPU per photo: resize + preprocess, one pass', `${cost.fused.toFixed(2)} ms`, `into the batch; the two steps + copy it replaced: ${cost.twoSteps.toFixed(2)} ms (× ${(cost.twoSteps / cost.fused).toFixed(2)})`);
      for (const engine of engines) {
        const env = { ...process.env, XSTUDIO_BACKEND: engine };
        const p = peak[engine];
        const splits = engine === 'onnx' ? [1, cores] : [cores];
        const name = engine === 'onnx' ? 'ONNX Runtime' : 'TF.js wasm';
        if (engine === 'wasm') {
          // TF.js made fast too: the fused graph (BatchNorm folded, ReLU6 in the kernel) against model.predict, one process, same run.
          const x = new Float32Array(batch * net.size * net.size * 3).map((_, i) => ((i * 7919) % 255) / 127.5 - 1);
          const timeIt = (f: () => void): number => {
            f();
            const t = performance.now();
            let k = 0;
            while (performance.now() - t < 3000 || k < 2) {
              f();
              k++;
            }
            return (k * batch) / ((performance.now() - t) / 1000);
          };
          const plain = timeIt(() => void tf.tidy(() => (backbone.model.predict(tf.tensor4d(x, [batch, net.size, net.size, 3])) as tf.Tensor).dataSync()));
          const fusedRate = timeIt(() => void backbone.predict(x, batch));
          line('  TF.js wasm forward, model.predict, 1 process', `${plain.toFixed(2)} photos/s`, 'baseline: tfjs-layers as it runs the graph');
          line('  TF.js wasm forward, fused graph, 1 process', `${fusedRate.toFixed(2)} photos/s`, `× ${(fusedRate / plain).toFixed(2)} (BatchNorm folded, ReLU/ReLU6 fused)`);
        }
        // For each split the pipeline runs: forward only (N processes side by side,
        // preprocessed batches in memory) and the whole pipeline (files → features
        // stored, through the job runner's workers), alternated in ABBA order over
        // the rounds so that a burst of the machine's other load lands on both.
        const project = await projectOf(engine === 'onnx' ? net.images.onnx : net.images.wasm);
        for (const workers of splits) {
          const threads = engine === 'onnx' ? Math.max(1, Math.floor(cores / workers)) : 1;
          const runner = new JobRunner({ maxWorkers: workers, env });
          const forwardRates: number[] = [];
          const forwardCpu: number[] = [];
          const pipelineRates: number[] = [];
          const waits: number[] = [];
          let last = { extracted: 0, wall: 0 };
          try {
            // Workers started, the network loaded and run once at this batch shape
            // first (a small warm-up project): steady state against steady state.
            for (const { project: q } of projects.values()) q.db.prepare('DELETE FROM features').run();
            await extractFeatures(await projectOf(workers * batch * 2), { ...net.request, batchSize: batch, workers, runner, env });
            const forward = async (): Promise<void> => {
              const r = await forwardSideBySide(engine, net.model, net.size, threads, workers, batch);
              forwardRates.push(r.rate);
              forwardCpu.push(r.cpuMs);
            };
            const pipeline = async (): Promise<void> => {
              project.db.prepare('DELETE FROM features').run();
              const t = performance.now();
              const r = await extractFeatures(project, { ...net.request, batchSize: batch, workers, runner, env });
              const wall = (performance.now() - t) / 1000;
              pipelineRates.push(r.extracted / wall);
              waits.push(r.decodeWaitSeconds);
              last = { extracted: r.extracted, wall };
            };
            for (let r = 0; r < rounds; r++) {
              if (r % 2 === 0) {
                await forward();
                await pipeline();
              } else {
                await pipeline();
                await forward();
              }
            }
          } finally {
            await runner.close();
          }
          const ratios = pipelineRates.map((x, i) => x / forwardRates[i]);
          const f = median(forwardRates);
          const pr = median(pipelineRates);
          const split = `${workers} process${workers > 1 ? 'es' : ''} × ${threads} thread${threads > 1 ? 's' : ''}`;
          line(`  ${name} forward only, ${split}`, `${f.toFixed(2)} photos/s`, `${(f * gflop).toFixed(1)} GFLOP/s = ${pct((f * gflop) / p)}${spread(forwardRates, 1)}`);
          line(`  ${name} pipeline, same split`, `${pr.toFixed(2)} photos/s`, `${pct((pr * gflop) / p)}${spread(pipelineRates, 1)}; ${last.extracted} photos in ${last.wall.toFixed(1)} s, decode wait ${median(waits).toFixed(2)} s`);
          line(`  ${name} pipeline / forward only, ${split}`, `${median(ratios).toFixed(2)} ×`, `median of the rounds' ratios${spread(ratios, 2)} (target ≥ 0.9)`);
          // The cores do the forward pass and the pipeline's own work: with both in CPU time, the best the pipeline can do.
          const fc = median(forwardCpu);
          line('    bound from CPU time: F / (F + decode + resize)', `${(fc / (fc + cost.decode + cost.fused)).toFixed(2)} ×`, `F = ${fc.toFixed(2)} ms of CPU per photo in the forward pass`);
        }
      }
      backbone.dispose();
    }

    console.log('');
    for (const engine of engines) {
      const mb = peakRssMb(engine, 299, 32);
      if (mb !== null) line(`peak RSS, Xception 299, one batch of 32, ${engine}`, `${mb} MB`, `target < 1024 MB (${(mb / 1024).toFixed(2)} of it)`);
    }
  } finally {
    for (const { project } of projects.values()) project.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
