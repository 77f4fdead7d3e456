import { StudioError } from '../../../shared/errors.ts';
import type { ExtractPartial, ExtractPayload } from '../../ml/tasks/extract.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import { ProgressMeter, type JobProgress } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { resolveBackbone, type BackboneChoice } from './backbone-choice.ts';
import { ensureBackbone, finishExtraction, getBackbone, setBackboneIdentity, startExtraction, storedHashes, storeFeatures, type BackboneRecord } from '../db/feature-store.ts';
import { healthyImages, markDecodeFailures } from './image-hashes.ts';

export interface ExtractOptions extends BackboneChoice {
  /** Images per forward pass (default 4: on the wasm backend at 299 px, batch 8 was slower than 4 in bench/extract.bench.ts). */
  batchSize?: number;
  /** Worker processes (default: one per core on CPU backends, one on native/GPU). */
  workers?: number;
  /** The UI server passes its long-lived runner; the CLI lets this function make (and close) one. */
  runner?: JobRunner;
  signal?: AbortSignal;
  onProgress?(p: JobProgress): void;
  env?: NodeJS.ProcessEnv;
}

export interface ExtractResult {
  /** The backend the workers ran on; null when everything was cached and no worker started. */
  backend: string | null;
  /** Distinct image contents computed by this run. */
  extracted: number;
  /** Images whose features were already stored. */
  cached: number;
  /** Images sharing their content with another image computed in this run (computed once). */
  duplicates: number;
  failed: { path: string; reason: string }[];
  /** Forward throughput of this run (model loading excluded); null when nothing was computed. */
  imagesPerSecond: number | null;
  images: number;
  workers: number;
  seconds: number;
  /** Summed over workers: time in the forward pass, and time the pipeline waited for decoded images (≈ 0 when prefetching keeps up). */
  forwardSeconds: number;
  decodeWaitSeconds: number;
  extraction: number;
  backbone: Pick<BackboneRecord, 'key' | 'kind' | 'name' | 'inputSize' | 'preprocess' | 'preprocessVersion' | 'featureDim' | 'randomInit' | 'weightsHash' | 'featureLayer'>;
}

const DEFAULT_BATCH = 4;
/**
 * How ONNX Runtime shares the cores, measured by bench/extract.bench.ts (both
 * splits in the same run, five runs on 2 cores shared with other work), in
 * photos/s as 1 worker × 2 threads against 2 workers × 1 thread:
 *   MobileNetV2 224: 89/166, 86/289, 87/156, 125/177, 93/166 — one worker per
 *     core ahead in every run (its ops are too small to split across threads);
 *   Xception 299: 7.2/6.1, 7.7/8.5, 21.6/24.1, 7.6/9.7, 15.4/11.2 — within the
 *     machine's noise, ahead in 3 of 5.
 * An intra-op pool waits at each op for its slowest thread, which a core taken
 * by another process for a time slice makes slow; processes never wait for
 * each other. So: one single-threaded worker per core. Cost: one copy of the
 * weights per worker (each worker under 1 GB).
 */
export function onnxWorkers(cores: number): { workers: number; threads: number } {
  return { workers: cores, threads: 1 };
}

/**
 * Chunks handed to a worker, in batches: guided self-scheduling, each chunk
 * 1/(CHUNK_SHARE × workers) of what is left, never under MIN_CHUNK_BATCHES.
 * Each chunk is one task in the worker, and its first batch waits for its
 * decodes with nothing to overlap them (plus a round trip to the core): fixed
 * chunks of 4 batches made that wait ~10 % of a MobileNetV2 run. Large chunks
 * first and small ones at the end keep the bubbles few and still let all
 * workers finish together (a late or slow worker takes fewer of the small ones).
 */
const CHUNK_SHARE = 2;
const MIN_CHUNK_BATCHES = 4;

/** The chunk sizes (in images) guided scheduling makes of `count` images, for the tests. */
export function chunkSizes(count: number, batchSize: number, workers: number): number[] {
  const sizes: number[] = [];
  // A small job still gives every worker a part (as few as one batch each).
  const least = Math.max(1, Math.min(MIN_CHUNK_BATCHES, Math.floor(Math.ceil(count / batchSize) / workers)));
  for (let left = count; left > 0;) {
    const batches = Math.max(least, Math.ceil(Math.ceil(left / batchSize) / (CHUNK_SHARE * workers)));
    const n = Math.min(left, batches * batchSize);
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

/**
 * Computes the features of every healthy image that lacks them for the
 * chosen backbone, in worker processes, storing each batch as it arrives.
 * Fully cached → no worker is started. Interrupted → the next call resumes
 * (what was stored stays). Undecodable files are marked failed and skipped.
 */
export async function extractFeatures(project: Project, o: ExtractOptions = {}): Promise<ExtractResult> {
  const t0 = performance.now();
  const resolved = await resolveBackbone(o, o.env);
  const record = ensureBackbone(project.db, resolved.record);
  const key = record.key;
  const images = healthyImages(project);

  const stored = storedHashes(project.db, key);
  const byHash = new Map<string, string[]>();
  let cached = 0;
  for (const img of images) {
    if (stored.has(img.hash)) {
      cached++;
      continue;
    }
    const paths = byHash.get(img.hash);
    if (paths) paths.push(img.path);
    else byHash.set(img.hash, [img.path]);
  }
  const todo = [...byHash].map(([hash, paths]) => ({ key: hash, path: paths[0] }));

  const started = Date.now();
  const extraction = startExtraction(project.db, key, cached, started);
  const finishRow = (status: string, fields: Parameters<typeof finishExtraction>[3]): void => finishExtraction(project.db, extraction, status, fields);
  const summary = (): ExtractResult['backbone'] => {
    const b = getBackbone(project.db, key)!;
    return { key, kind: b.kind, name: b.name, inputSize: b.inputSize, preprocess: b.preprocess, preprocessVersion: b.preprocessVersion, featureDim: b.featureDim, randomInit: b.randomInit, weightsHash: b.weightsHash, featureLayer: b.featureLayer };
  };

  if (todo.length === 0) {
    finishRow('done', {});
    return {
      backend: null, extracted: 0, cached, duplicates: 0, failed: [], imagesPerSecond: null, images: images.length, workers: 0, seconds: (performance.now() - t0) / 1000,
      forwardSeconds: 0, decodeWaitSeconds: 0, extraction, backbone: summary(),
    };
  }

  const ownRunner = !o.runner;
  const runner = o.runner ?? new JobRunner({ maxWorkers: o.workers, env: o.env });
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (o.signal?.aborted) inner.abort();

  let backend: string | null = null;
  let workers = 0;
  let extracted = 0;
  const failedHashes: { hash: string; path: string; reason: string }[] = [];
  let meter: ProgressMeter | undefined;
  let identityChecked = false;
  try {
    const info = await runner.run('backend-info', {}, { signal: inner.signal });
    const onnx = resolved.engine === 'onnxruntime';
    backend = onnx ? 'onnxruntime' : info.name;
    // TF.js wasm/cpu are single-threaded: one worker per core. ONNX Runtime
    // threads inside a process: onnxWorkers() says how the cores are shared.
    const perCore = !onnx && (backend === 'wasm' || backend === 'cpu');
    const batchSize = o.batchSize ?? DEFAULT_BATCH;
    workers = Math.max(1, Math.min(o.workers ?? (onnx ? onnxWorkers(info.cores).workers : perCore ? info.cores : 1), runner.maxWorkers, Math.ceil(todo.length / batchSize)));
    // Fewer workers than the split asks for (a small job, --workers): the cores left go to threads.
    const threads = onnx ? Math.max(1, Math.floor(info.cores / workers)) : undefined;

    let doneTotal = 0;
    const pids = new Set<number>();
    let forwardMs = 0;
    let waitMs = 0;
    const report = (): void => {
      meter ??= new ProgressMeter();
      const progress = meter.update({ done: doneTotal, total: todo.length, unit: 'images', message: `${workers} worker${workers > 1 ? 's' : ''} on ${backend}` });
      o.onProgress?.(progress);
    };
    const onPartial = (p: ExtractPartial): void => {
      if (p.type === 'backbone') {
        if (identityChecked) return;
        if (p.engine !== resolved.engine) {
          throw new StudioError('internal', `backbone ${key}: the key is for features from ${resolved.engine}, the worker ran ${p.engine}`);
        }
        if (p.inputSize !== record.inputSize || p.preprocess !== record.preprocess || p.preprocessVersion !== record.preprocessVersion) {
          throw new StudioError('internal', `backbone ${key}: the worker loaded input ${p.inputSize} / ${p.preprocess} v${p.preprocessVersion}, expected ${record.inputSize} / ${record.preprocess} v${record.preprocessVersion}`);
        }
        setBackboneIdentity(project.db, key, p.id, p.featureDim);
        identityChecked = true;
      } else if (p.type === 'features') {
        storeFeatures(project.db, key, p.keys, p.vectors, p.dim);
        extracted += p.keys.length;
        doneTotal += p.keys.length;
        report();
      } else if (p.type === 'failed') {
        failedHashes.push({ hash: p.key, path: p.path, reason: p.reason });
        markDecodeFailures(project, [{ hash: p.key, reason: p.reason }]);
        doneTotal += 1;
        report();
      }
    };

    // Work in chunks from one queue: each worker takes the next chunk when it
    // is free, so a worker that started late (or runs slower) does less, and
    // all finish together. The worker keeps its backbone between chunks.
    const chunks: (typeof todo)[] = [];
    let from = 0;
    for (const n of chunkSizes(todo.length, batchSize, workers)) chunks.push(todo.slice(from, (from += n)));
    const lane = async (): Promise<void> => {
      for (let chunk = chunks.shift(); chunk && !inner.signal.aborted; chunk = chunks.shift()) {
        const r = await runner.run('extract', { spec: resolved.spec, items: chunk, batchSize, engine: resolved.engine, threads } satisfies ExtractPayload, {
          signal: inner.signal,
          onPartial,
          // The first report of a worker (model loaded, nothing done) starts the clock of the rate.
          onProgress: (pr) => {
            if (pr.done === 0) report();
          },
        });
        pids.add(r.pid);
        forwardMs += r.forwardMs;
        waitMs += r.waitMs;
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: workers }, () => lane().catch((e: unknown) => {
      inner.abort(); // one worker failing stops the others: the user gets one clear error
      throw e;
    })));
    const firstError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (firstError) {
      const userCancelled = o.signal?.aborted ?? false;
      // Prefer the real cause over the cancellations it triggered in the other workers.
      const cause = settled.map((s) => (s.status === 'rejected' ? s.reason : undefined)).find((e) => e && (e as StudioError).code !== 'cancelled') ?? firstError.reason;
      throw userCancelled ? new StudioError('cancelled', `extraction cancelled: ${extracted} image features stored, run extract again to resume`) : cause;
    }
    const rate = meter ? meter.update({ done: todo.length, total: todo.length, unit: 'images' }).rate : null;
    workers = pids.size; // the processes that really did work
    finishRow('done', { backend, workers, extracted, failed: failedHashes.length, rate });
    const reasons = new Map(failedHashes.map((f) => [f.hash, f.reason]));
    const failed = images.filter((img) => reasons.has(img.hash)).map((img) => ({ path: img.path, reason: reasons.get(img.hash)! }));
    const duplicates = images.length - cached - extracted - failed.length;
    return {
      backend, extracted, cached, duplicates, failed, imagesPerSecond: rate, images: images.length, workers, seconds: (performance.now() - t0) / 1000,
      forwardSeconds: forwardMs / 1000, decodeWaitSeconds: waitMs / 1000, extraction, backbone: summary(),
    };
  } catch (e) {
    const err = e instanceof StudioError ? e : new StudioError('internal', (e as Error).message);
    finishRow(err.code === 'cancelled' ? 'cancelled' : 'failed', { backend, workers, extracted, failed: failedHashes.length, error: err.message });
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onOuterAbort);
    if (ownRunner) await runner.close();
  }
}
