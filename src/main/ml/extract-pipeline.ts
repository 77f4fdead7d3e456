import { StudioError } from '../../shared/errors.ts';
import { decodeRgb, resizePreprocessInto, type PreprocessMode } from './preprocess.ts';

export interface PipelineItem {
  /** What the caller uses to file the result (the image content hash). */
  key: string;
  path: string;
}

export interface PipelineOptions {
  items: readonly PipelineItem[];
  inputSize: number;
  preprocess: PreprocessMode;
  batchSize: number;
  /** Batches decoded ahead of the one being predicted (default 2). */
  prefetchBatches?: number;
  featureDim: number;
  /**
   * n images, HWC float32, n × size × size × 3 → n × featureDim. ONNX
   * Runtime's (onnxruntime-node 1.30) runs the graph synchronously on this
   * thread, after a setImmediate: the decodes keep running on libuv's pool
   * meanwhile, and their resizes run here between two forward passes. The
   * array is the pipeline's: read it before the returned promise settles.
   */
  predict(batch: Float32Array, n: number): Float32Array | Promise<Float32Array>;
  onBatch(keys: string[], features: Float32Array): void;
  onFailed(item: PipelineItem, reason: string): void;
  signal?: AbortSignal;
}

export interface PipelineStats {
  done: number;
  failed: number;
  /** Time inside predict, and time the loop waited for decoded images (ideally ~0 after the first batch). */
  forwardMs: number;
  waitMs: number;
  totalMs: number;
}

type Decoded = { ok: true } | { ok: false; reason: string };

/**
 * Files on disk → features, with decoding overlapped with inference. Decodes
 * are started `prefetchBatches` batches ahead; sharp decodes on libuv's
 * thread pool, so while `predict` holds this thread the next batches are
 * being decoded, and the backbone does not wait for JPEG decoding.
 * A file that fails to decode is reported through onFailed and skipped.
 *
 * Where the CPU goes besides the forward pass (bench/extract.bench.ts: a
 * 500 × 375 photo to 224, per image): JPEG decode ~1.7 ms on the pool, resize
 * and preprocess ~0.8 ms on this thread. Every decoded image is resized and preprocessed in one
 * pass (resizePreprocessInto) straight into its slot of one of a ring of
 * preallocated batch buffers, one per batch in flight, and its RGB bytes are
 * dropped at once: no float array per image, no copy into the batch.
 */
export async function runExtractPipeline(o: PipelineOptions): Promise<PipelineStats> {
  const { items, inputSize, batchSize } = o;
  if (batchSize < 1) throw new StudioError('invalid-argument', `batch size must be at least 1, got ${batchSize}`);
  const perImage = inputSize * inputSize * 3;
  const ahead = (o.prefetchBatches ?? 2) + 1;
  // Item i goes to slot i % batchSize of buffer ⌊i / batchSize⌋ mod ring: batches b … b + ahead are in flight at most.
  const ring = Array.from({ length: Math.min(ahead + 1, Math.ceil(items.length / batchSize)) }, () => new Float32Array(batchSize * perImage));
  const pending: Promise<Decoded>[] = [];
  let launched = 0;
  const decode = (i: number): Promise<Decoded> =>
    decodeRgb(items[i].path).then(
      (img) => {
        resizePreprocessInto(img, inputSize, o.preprocess, ring[Math.floor(i / batchSize) % ring.length], (i % batchSize) * perImage);
        return { ok: true as const };
      },
      (e: unknown) => ({ ok: false as const, reason: (e as Error).message }),
    );
  const topUp = (consumed: number): void => {
    while (launched < items.length && launched < consumed + ahead * batchSize) {
      pending[launched] = decode(launched);
      launched++;
    }
  };

  const stats: PipelineStats = { done: 0, failed: 0, forwardMs: 0, waitMs: 0, totalMs: 0 };
  const t0 = performance.now();
  for (let start = 0; start < items.length; start += batchSize) {
    if (o.signal?.aborted) throw new StudioError('cancelled', 'extraction cancelled');
    topUp(start);
    const end = Math.min(start + batchSize, items.length);
    const batch = ring[Math.floor(start / batchSize) % ring.length];
    const keys: string[] = [];
    const tw = performance.now();
    for (let i = start; i < end; i++) {
      const d = await pending[i];
      delete pending[i];
      if (!d.ok) {
        stats.failed++;
        o.onFailed(items[i], d.reason);
        continue;
      }
      // A failed file earlier in the batch: close the gap (rare; the slots after it are already written).
      const slot = i - start;
      if (keys.length !== slot) batch.copyWithin(keys.length * perImage, slot * perImage, (slot + 1) * perImage);
      keys.push(items[i].key);
    }
    stats.waitMs += performance.now() - tw;
    // Start the decodes of the batch after the prefetch window before the forward pass blocks this thread.
    topUp(end);
    if (keys.length === 0) continue;
    const tf = performance.now();
    const features = await o.predict(batch.subarray(0, keys.length * perImage), keys.length);
    stats.forwardMs += performance.now() - tf;
    if (features.length !== keys.length * o.featureDim) {
      throw new StudioError('internal', `backbone returned ${features.length} numbers for ${keys.length} images × ${o.featureDim}`);
    }
    stats.done += keys.length;
    o.onBatch(keys, features);
  }
  stats.totalMs = performance.now() - t0;
  return stats;
}
