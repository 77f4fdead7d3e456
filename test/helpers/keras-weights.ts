// Keras-layout weights files made at test time: every layer of Xception in
// the order and with the names Keras' save_weights uses, random values, and
// BatchNorm statistics a trained network would plausibly have (so features
// stay finite and vary with the input).
import * as tf from '@tensorflow/tfjs';
import { writeKerasWeights, type KerasLayerWeights } from '../../src/main/ml/keras-h5.ts';
import { buildXception } from '../../src/main/ml/xception.ts';
import { BUILTIN_BACKBONES, type BuiltinName } from '../../src/main/ml/backbones/index.ts';

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fill(n: number, f: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
}

/** Random values per weight kind: LeCun-scaled kernels, BN gamma≈0.5, variance in [0.5, 1.5]. */
function randomWeight(short: string, shape: number[], r: () => number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = (lo: number, hi: number) => () => lo + (hi - lo) * r();
  switch (short) {
    case 'gamma': return fill(n, u(0.4, 0.6));
    case 'beta': return fill(n, u(-0.1, 0.1));
    case 'moving_mean': return fill(n, u(-0.1, 0.1));
    case 'moving_variance': return fill(n, u(0.5, 1.5));
    case 'bias': return fill(n, u(-0.05, 0.05));
    default: {
      // Fan-in: everything but the last axis (depthwise kernels: the spatial window).
      const fanIn = short === 'depthwise_kernel' ? shape[0] * shape[1] : shape.slice(0, -1).reduce((a, b) => a * b, 1);
      // LeCun-uniform: variance 1/fan_in keeps activations of order 1 through the residual blocks.
      const lim = Math.sqrt(3 / fanIn);
      return fill(n, u(-lim, lim));
    }
  }
}

export interface XceptionFileOptions {
  includeTop?: boolean;
  classes?: number;
  seed?: number;
  /**
   * First index of the generated names of the residual convs / BNs in the
   * file (Keras numbers them per session: conv2d_5… if four convs were made
   * before). Default 1, as in the official file.
   */
  generatedFrom?: number;
}

/** Every layer of Keras' Xception (weightless ones included) with random weights in Keras naming. */
export function xceptionKerasLayers(o: XceptionFileOptions = {}): KerasLayerWeights[] {
  const r = rng(o.seed ?? 1);
  const model = buildXception({ inputSize: 71, includeTop: o.includeTop ?? false, classes: o.classes ?? 1000 });
  const offset = (o.generatedFrom ?? 1) - 1;
  const rename = (name: string): string => name.replace(/^(conv2d|batch_normalization|add)_(\d+)$/, (_m, b: string, i: string) => `${b}_${Number(i) + offset}`);
  try {
    return model.layers.map((layer) => {
      const layerName = rename(layer.name);
      return {
        layerName,
        weights: layer.weights.map((w) => {
          const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
          const shape = [...w.shape] as number[];
          return { name: `${layerName}/${short}:0`, shape, data: randomWeight(short, shape, r) };
        }),
      };
    });
  } finally {
    model.dispose();
  }
}

/** Writes a Keras 2 weights file for Xception; returns the layers written (to compare against). */
export async function writeXceptionWeightsFile(file: string, o: XceptionFileOptions = {}): Promise<KerasLayerWeights[]> {
  const layers = xceptionKerasLayers(o);
  await writeKerasWeights(file, layers, { kerasVersion: '2.2.4', backend: 'tensorflow' });
  return layers;
}

/** Reads a layer's weights back from a model, in Keras short-name order. */
export function modelLayerValues(model: tf.LayersModel, layerName: string): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of model.getLayer(layerName).weights) {
    const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    out.set(short, { shape: [...w.shape] as number[], data: w.read().dataSync() as Float32Array });
  }
  return out;
}

/**
 * Every layer of a built-in Keras application (weightless ones included) in
 * the layout Keras' save_weights writes, with random weights. EfficientNet's
 * Normalization layer is written as Keras stores it — mean, variance (which
 * holds the ImageNet standard deviation, as in the official file) and an
 * int64 count — jittered so a per-channel slip would show.
 */
export function builtinKerasLayers(name: BuiltinName, o: { seed?: number; includeTop?: boolean } = {}): KerasLayerWeights[] {
  const r = rng(o.seed ?? 1);
  const spec = BUILTIN_BACKBONES[name];
  const model = spec.build({ inputSize: Math.max(spec.minInput, 71), includeTop: o.includeTop ?? false });
  try {
    return model.layers.map((layer) => {
      if (layer.name === 'normalization') {
        const j = (v: number[]) => Float32Array.from(v, (x) => x * (0.9 + 0.2 * r()));
        return {
          layerName: 'normalization',
          weights: [
            { name: 'normalization/mean:0', shape: [3], data: j([0.485, 0.456, 0.406]) },
            { name: 'normalization/variance:0', shape: [3], data: j([0.229, 0.224, 0.225]) },
            { name: 'normalization/count:0', shape: [], data: Float32Array.of(1281167), dtype: 'int64' as const },
          ],
        };
      }
      return {
        layerName: layer.name,
        weights: layer.weights.map((w) => {
          const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
          const shape = [...w.shape] as number[];
          return { name: `${layer.name}/${short}:0`, shape, data: randomWeight(short, shape, r) };
        }),
      };
    });
  } finally {
    model.dispose();
  }
}

export async function writeBuiltinWeightsFile(name: BuiltinName, file: string, o: { seed?: number; includeTop?: boolean } = {}): Promise<KerasLayerWeights[]> {
  const layers = name === 'xception' ? xceptionKerasLayers(o) : builtinKerasLayers(name, o);
  await writeKerasWeights(file, layers, { kerasVersion: '2.4.0', backend: 'tensorflow' });
  return layers;
}
