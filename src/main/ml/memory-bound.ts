import type * as tf from '@tensorflow/tfjs';
import v8 from 'node:v8';
import vm from 'node:vm';

let gcFn: (() => void) | null | undefined;
/**
 * A full garbage collection, between building a model's ONNX bytes and
 * handing them to ONNX Runtime: the writer's intermediate copies of the
 * weights (~200 MB for Xception) are garbage by then but V8 would keep them
 * through the session's own allocation, and the worker's peak is the sum.
 * Uses global.gc when Node runs with --expose-gc, else enables it at run time
 * (v8.setFlagsFromString: the documented escape hatch); a no-op if neither works.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      try {
        v8.setFlagsFromString('--expose-gc');
        gcFn = vm.runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  gcFn?.();
}

/**
 * Floats held by the largest layer output for one image: the unit of the
 * memory bound below.
 */
export function largestActivation(model: tf.LayersModel): number {
  let max = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) || layer.outputShape.length === 0 ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const s of shapes) {
      const n = s.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
      if (n > max) max = n;
    }
  }
  return max;
}

/**
 * Activation memory allowed to one forward call. ONNX Runtime's arena keeps
 * its high-water mark, so a batch of 32 Xception images at 299 (2.8 M floats
 * in the largest layer, ~4 such tensors live) would hold ~1.4 GB of
 * activations on its own; batches are cut into sub-batches under this budget,
 * which keeps the worker's peak under 1 GB whatever batch the user asks for
 * (128 MB: 3 Xception images at 299 per call, as fast per image as 6 in
 * bench runs, and 250 MB lower at the peak).
 * The TF.js path (backbone.ts) cuts its batches the same way: the WebAssembly
 * heap never shrinks, so its peak is that of the largest forward call.
 */
export const ACTIVATION_BUDGET_BYTES = 128 * 1024 * 1024;
/** Live tensors of the largest size at once (input, output, a scratch buffer, a residual): an estimate, checked by the peak-memory lines of bench/extract.bench.ts. */
const LIVE_TENSORS = 4;

export function subBatchFor(model: tf.LayersModel, budget = ACTIVATION_BUDGET_BYTES): number {
  return Math.max(1, Math.floor(budget / (largestActivation(model) * 4 * LIVE_TENSORS)));
}


/**
 * Sub-batch sizes for n images under a limit, as even as possible (4 under a
 * limit of 3 is 2 + 2, not 3 + 1): each distinct batch shape costs a kernel
 * set-up on first use (XNNPACK operators, ONNX Runtime's memory plan), and a
 * lone image per call runs slower per image.
 */
export function evenSubBatches(n: number, limit: number): number[] {
  const parts = Math.ceil(n / Math.max(1, limit));
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
