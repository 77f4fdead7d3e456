import os from 'node:os';
import { StudioError } from '../../shared/errors.ts';
import type { Backbone } from './backbone.ts';
import { OnnxExportError } from './export/onnx/errors.ts';
import { tfjsModelToOnnx } from './export/onnx/graph.ts';
import { collectGarbage, evenSubBatches, subBatchFor } from './memory-bound.ts';

/**
 * ONNX Runtime (onnxruntime-node, CPU) as the inference engine of a frozen
 * network. The graph is the studio's own TF.js model (whatever loadBackbone
 * built: Xception, a layers model, a built-in backbone) written to ONNX in
 * memory by the exporter's writer; nothing is converted on disk and the user
 * does nothing. Why: the TF.js WebAssembly backend is single-threaded in
 * Node and has no AVX-512 kernels; ONNX Runtime runs the same graph with
 * MLAS on every core (issue 12 measured 13 % of peak against 83 %).
 *
 * The input is the preprocessed NHWC batch the extraction pipeline already
 * makes, so the two engines see the very same numbers.
 */

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

export const ONNX_ENGINE = 'onnxruntime';

let ortModule: Promise<Ort> | undefined;
export function loadOrt(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((e: unknown) => {
    ortModule = undefined;
    throw new StudioError('unavailable', `ONNX Runtime (onnxruntime-node) failed to load: ${(e as Error).message.split('\n')[0]}`);
  });
  return ortModule;
}

/**
 * Sessions are cached by network (backbone key + input size) and thread
 * count for the life of the process; the ONNX bytes are built once per
 * session and dropped once ONNX Runtime holds the graph (~90 MB for
 * Xception, a copy the worker need not keep).
 */
const sessions = new Map<string, Promise<Session>>();

export function backboneOnnx(backbone: Pick<Backbone, 'id' | 'inputSize' | 'preprocess' | 'model'>): Uint8Array {
  try {
    return tfjsModelToOnnx(backbone.model, { preprocess: backbone.preprocess, classes: [], features: true, inputName: 'input', outputName: 'features' });
  } catch (e) {
    if (e instanceof OnnxExportError) {
      throw new StudioError('unavailable', `the ONNX inference engine cannot run backbone ${backbone.id}: ${e.message}. Run it on TF.js with XSTUDIO_BACKEND=wasm (or node, gpu)`);
    }
    throw e;
  }
}

/**
 * Intra-op threads of a session when the caller does not say: every core
 * for a lone process (features of a few files, predict, evaluating a run).
 * Extraction passes its own (extract-features.ts onnxWorkers: one
 * single-threaded worker per core, which bench/extract.bench.ts measured
 * ahead of one multi-threaded worker).
 */
export function defaultThreads(workers = 1): number {
  return Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, workers)));
}

export interface OnnxFeatureEngine {
  engine: typeof ONNX_ENGINE;
  threads: number;
  subBatch: number;
  /** n preprocessed NHWC images → n × featureDim. */
  predict(batch: Float32Array, n: number): Promise<Float32Array>;
}

export async function onnxEngine(
  backbone: Pick<Backbone, 'id' | 'inputSize' | 'preprocess' | 'model' | 'featureDim'>,
  o: { threads?: number; budgetBytes?: number } = {},
): Promise<OnnxFeatureEngine> {
  const ort = await loadOrt();
  const threads = o.threads ?? defaultThreads();
  const key = `${backbone.id}@${backbone.inputSize}:t=${threads}`;
  let session = sessions.get(key);
  if (!session) {
    const bytes = backboneOnnx(backbone);
    collectGarbage();
    session = ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
    sessions.set(key, session);
    session.catch(() => sessions.delete(key));
  }
  const s = await session;
  const { inputSize, featureDim } = backbone;
  const per = inputSize * inputSize * 3;
  const subBatch = subBatchFor(backbone.model, o.budgetBytes);
  return {
    engine: ONNX_ENGINE,
    threads,
    subBatch,
    async predict(batch, n) {
      if (batch.length !== n * per) throw new StudioError('invalid-argument', `predict: expected ${n} × ${inputSize}×${inputSize}×3 = ${n * per} values, got ${batch.length}`);
      const out = new Float32Array(n * featureDim);
      let start = 0;
      for (const m of evenSubBatches(n, subBatch)) {
        const input = new ort.Tensor('float32', batch.subarray(start * per, (start + m) * per), [m, inputSize, inputSize, 3]);
        const r = await s.run({ [s.inputNames[0]]: input });
        const data = r[s.outputNames[0]].data as Float32Array;
        if (data.length !== m * featureDim) throw new StudioError('internal', `ONNX Runtime returned ${data.length} values for ${m} images × ${featureDim}`);
        out.set(data, start * featureDim);
        start += m;
      }
      return out;
    },
  };
}

/** Frees the sessions of a network (a replaced backbone in a long-lived worker). */
export async function releaseOnnx(backboneId: string): Promise<void> {
  for (const [k, s] of [...sessions]) {
    if (!k.startsWith(`${backboneId}@`)) continue;
    sessions.delete(k);
    await s.then((x) => x.release(), () => {});
  }
}

export interface OnnxClassifier {
  /** n raw RGB 0–255 NHWC images (decodeImage output) → n × C probabilities in class order. */
  probs(pixels: Float32Array, n: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * A whole classifier (a fine-tuned run's model, a TF.js or Keras export) on
 * ONNX Runtime: written by the exporter's writer in classifier mode, so the
 * preprocessing runs inside the graph and a one-unit sigmoid comes out as
 * [1 − p, p], exactly as outputToProbs gives it. Not cached: each call site
 * opens one model for a batch of files and releases it. Throws 'unavailable'
 * when the writer cannot convert a layer (callers fall back to TF.js).
 */
export async function onnxClassifier(model: import('@tensorflow/tfjs').LayersModel, o: { preprocess: Backbone['preprocess']; numClasses: number; inputSize: number; threads?: number }): Promise<OnnxClassifier> {
  const ort = await loadOrt();
  let bytes: Uint8Array | null;
  try {
    bytes = tfjsModelToOnnx(model, { preprocess: o.preprocess, classes: Array.from({ length: o.numClasses }, (_, i) => `class${i}`) });
  } catch (e) {
    if (e instanceof OnnxExportError) throw new StudioError('unavailable', `the ONNX inference engine cannot run this classifier: ${e.message}`);
    throw e;
  }
  collectGarbage();
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: o.threads ?? defaultThreads(), interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  bytes = null;
  const { inputSize, numClasses } = o;
  const per = inputSize * inputSize * 3;
  const subBatch = subBatchFor(model);
  return {
    async probs(pixels, n) {
      if (pixels.length !== n * per) throw new StudioError('invalid-argument', `predict: expected ${n} × ${inputSize}×${inputSize}×3 = ${n * per} values, got ${pixels.length}`);
      const out = new Float32Array(n * numClasses);
      let start = 0;
      for (const m of evenSubBatches(n, subBatch)) {
        const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', pixels.subarray(start * per, (start + m) * per), [m, inputSize, inputSize, 3]) });
        out.set(r[s.outputNames[0]].data as Float32Array, start * numClasses);
        start += m;
      }
      return out;
    },
    release: () => s.release(),
  };
}
