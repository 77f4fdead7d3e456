import { StudioError } from '../../shared/errors.ts';
import { applyPreprocess, decodeImage, type PreprocessMode } from './preprocess.ts';

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
   * Runtime's is asynchronous: while it runs on its own threads, this
   * thread keeps receiving the decodes of the next batches.
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

type Decoded = { ok: true; pixels: Float32Array } | { ok: false; reason: string };

/**
 * Files on disk → features, with decoding overlapped with inference. Decodes
 * are started `prefetchBatches` batches ahead; sharp decodes on libuv's
 * thread pool, so while `predict` holds this thread the next batches are
 * being decoded, and the backbone does not wait for JPEG decoding.
 * A file that fails to decode is reported through onFailed and skipped.
 */
export async function runExtractPipeline(o: PipelineOptions): Promise<PipelineStats> {
  const { items, inputSize, batchSize } = o;
  if (batchSize < 1) throw new StudioError('invalid-argument', `batch size must be at least 1, got ${batchSize}`);
  const perImage = inputSize * inputSize * 3;
  const ahead = (o.prefetchBatches ?? 2) + 1;
  const pending: Promise<Decoded>[] = [];
  let launched = 0;
  const decode = (item: PipelineItem): Promise<Decoded> =>
    decodeImage(item.path, inputSize).then(
      (px) => ({ ok: true as const, pixels: applyPreprocess(o.preprocess, px) }),
      (e: unknown) => ({ ok: false as const, reason: (e as Error).message }),
    );
  const topUp = (consumed: number): void => {
    while (launched < items.length && launched < consumed + ahead * batchSize) pending[launched] = decode(items[launched++]);
  };

  const stats: PipelineStats = { done: 0, failed: 0, forwardMs: 0, waitMs: 0, totalMs: 0 };
  const t0 = performance.now();
  const batch = new Float32Array(batchSize * perImage);
  for (let start = 0; start < items.length; start += batchSize) {
    if (o.signal?.aborted) throw new StudioError('cancelled', 'extraction cancelled');
    topUp(start);
    const end = Math.min(start + batchSize, items.length);
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
      if (d.pixels.length !== perImage) throw new StudioError('internal', `decoded ${items[i].path} has ${d.pixels.length} values, expected ${perImage}`);
      batch.set(d.pixels, keys.length * perImage);
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
