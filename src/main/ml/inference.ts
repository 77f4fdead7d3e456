import type { Backbone } from './backbone.ts';
import { selectBackend } from './backend.ts';
import { inferenceEngine, type InferenceEngineKind } from '../common/engine-choice.ts';
import { onnxEngine } from './onnx-engine.ts';

/**
 * A frozen backbone on the inference engine: ONNX Runtime on the CPU, or
 * TF.js (the GPU, or the fallback). `engine` is what the feature cache key
 * records; `label` is for messages ('onnxruntime ×2 threads', 'tfjs-wasm').
 */
export interface FrozenRunner {
  engine: InferenceEngineKind;
  label: string;
  predict(batch: Float32Array, n: number): Float32Array | Promise<Float32Array>;
}

export async function frozenRunner(backbone: Backbone, o: { engine?: InferenceEngineKind; threads?: number; env?: NodeJS.ProcessEnv } = {}): Promise<FrozenRunner> {
  const engine = o.engine ?? inferenceEngine(o.env).engine;
  if (engine === 'onnxruntime') {
    const e = await onnxEngine(backbone, { threads: o.threads });
    return { engine, label: `onnxruntime ×${e.threads} thread${e.threads > 1 ? 's' : ''}`, predict: (b, n) => e.predict(b, n) };
  }
  const b = await selectBackend(o.env);
  return { engine, label: `tfjs-${b.name}`, predict: (x, n) => backbone.predict(x, n) };
}
