import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetLike } from '../../../test/helpers/mobilenet-like.ts';
import { buildMobileNetV2 } from '../../../test/helpers/mobilenet-v2.ts';
import { resolveBackbone } from '../studio/features/backbone-choice.ts';
import { useBackend } from './backend.ts';
import { loadBackbone, type Backbone } from './backbone.ts';
import { inferenceEngine } from '../common/engine-choice.ts';
import { subBatchFor } from './memory-bound.ts';
import { onnxEngine, releaseOnnx } from './onnx-engine.ts';
import { PREPROCESS_VERSION } from './preprocess.ts';
import { SeededRandom } from '../common/random.ts';

/**
 * The ONNX inference engine against TF.js on the same preprocessed batch:
 * features agree to 1e-4 relative (max |a − b| / max |a|) on every backbone
 * the studio builds itself — Xception (random init, small input), MobileNetV2
 * and a small MobileNet-style layers model (depthwise, ReLU6, BatchNorm) — with non-trivial
 * BatchNorm statistics so their conversion is exercised.
 */
const rng = new SeededRandom(12);
const TOLERANCE = 1e-4;

function randomiseBatchNorms(model: tf.LayersModel): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    l.setWeights(l.getWeights().map((w, i, all) => {
      const isVariance = i === all.length - 1;
      return tf.tensor(new Float32Array(w.size).map(() => (isVariance ? 0.5 + rng.next() : rng.next() - 0.5)), w.shape);
    }));
  }
}

function batch(n: number, size: number): Float32Array {
  return new Float32Array(n * size * size * 3).map(() => rng.next() * 2 - 1);
}

function relativeDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

/** A backbone over the MobileNet-like test network, cut at its global pooling as loadBackbone cuts a layers model. */
function mobileNetBackbone(size: number): Backbone {
  const full = buildMobileNetLike({ inputSize: size, classes: 3 });
  randomiseBatchNorms(full);
  const model = tf.model({ inputs: full.inputs, outputs: full.getLayer('global_pool').output as tf.SymbolicTensor });
  const featureDim = 32;
  return {
    id: `test:mobilenet-like:${size}`, kind: 'layers-model', inputSize: size, featureDim, preprocess: 'unit', preprocessVersion: PREPROCESS_VERSION,
    randomInit: false, featureLayer: 'global_pool', model,
    predict: (x, n) => tf.tidy(() => Float32Array.from((model.predict(tf.tensor4d(x, [n, size, size, 3])) as tf.Tensor).dataSync() as Float32Array)),
    predictPixels: () => { throw new Error('unused'); },
    dispose: () => full.dispose(),
  };
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('ONNX Runtime inference engine', () => {
  it('gives Xception features equal to TF.js to 1e-4 relative (random init, 71 px, BatchNorm statistics randomised)', async () => {
    const b = await loadBackbone({ kind: 'xception', randomInit: true, inputSize: 71, seed: 5 });
    try {
      randomiseBatchNorms(b.model);
      const x = batch(3, 71);
      const want = b.predict(x, 3);
      const engine = await onnxEngine({ ...b, id: 'test:xception:bn' });
      const got = await engine.predict(x, 3);
      expect(relativeDiff(want, got)).toBeLessThan(TOLERANCE);
      await releaseOnnx('test:xception:bn');
    } finally {
      b.dispose();
    }
  });

  it('gives MobileNet-style features (depthwise, ReLU6, BatchNorm) equal to TF.js to 1e-4 relative', async () => {
    const b = mobileNetBackbone(48);
    try {
      const x = batch(4, 48);
      const got = await (await onnxEngine(b)).predict(x, 4);
      expect(relativeDiff(b.predict(x, 4), got)).toBeLessThan(TOLERANCE);
      await releaseOnnx(b.id);
    } finally {
      b.dispose();
    }
  });

  it('gives MobileNetV2 features (the Keras graph, 96 px) equal to TF.js to 1e-4 relative', async () => {
    const model = buildMobileNetV2({ inputSize: 96, seed: 3 });
    randomiseBatchNorms(model);
    const b: Backbone = {
      id: 'test:mobilenetv2:96', kind: 'layers-model', inputSize: 96, featureDim: 1280, preprocess: 'tf', preprocessVersion: PREPROCESS_VERSION,
      randomInit: true, featureLayer: 'global_average_pooling2d', model,
      predict: (x, n) => tf.tidy(() => Float32Array.from((model.predict(tf.tensor4d(x, [n, 96, 96, 3])) as tf.Tensor).dataSync() as Float32Array)),
      predictPixels: () => { throw new Error('unused'); },
      dispose: () => model.dispose(),
    };
    try {
      const x = batch(2, 96);
      const got = await (await onnxEngine(b)).predict(x, 2);
      expect(relativeDiff(b.predict(x, 2), got)).toBeLessThan(TOLERANCE);
      await releaseOnnx(b.id);
    } finally {
      b.dispose();
    }
  });

  it('cuts a large batch into sub-batches under the memory budget, with the same features', async () => {
    const b = mobileNetBackbone(32);
    try {
      // 32×32 → 16×16×8 floats at most per image; a 16 KB budget allows one image per run.
      expect(subBatchFor(b.model, 16 * 1024)).toBe(1);
      const x = batch(5, 32);
      const whole = await (await onnxEngine(b)).predict(x, 5);
      await releaseOnnx(b.id);
      const cut = await onnxEngine(b, { budgetBytes: 16 * 1024 });
      expect(cut.subBatch).toBe(1);
      expect(relativeDiff(whole, await cut.predict(x, 5))).toBeLessThan(1e-6);
      await releaseOnnx(b.id);
    } finally {
      b.dispose();
    }
  });
});

describe('inference engine choice', () => {
  it('is ONNX Runtime on a machine without CUDA, TF.js when XSTUDIO_BACKEND forces a TF.js backend, ONNX Runtime when it says onnx', () => {
    expect(inferenceEngine({ XSTUDIO_BACKEND: 'wasm' })).toMatchObject({ engine: 'tfjs', forced: true });
    expect(inferenceEngine({ XSTUDIO_BACKEND: 'onnx' })).toMatchObject({ engine: 'onnxruntime', forced: true });
    expect(() => inferenceEngine({ XSTUDIO_BACKEND: 'tpu' })).toThrow(/XSTUDIO_BACKEND must be one of gpu, node, wasm, cpu, onnx, got "tpu"/);
  });

  it('tags the feature cache key with the engine, so features of the two engines are never mixed', async () => {
    const onnx = await resolveBackbone({ randomInit: true, inputSize: 71 }, { XSTUDIO_BACKEND: 'onnx' });
    const tfjs = await resolveBackbone({ randomInit: true, inputSize: 71 }, { XSTUDIO_BACKEND: 'wasm' });
    expect(onnx.record.key).toMatch(/:engine=onnxruntime$/);
    expect(tfjs.record.key).toMatch(/:engine=tfjs$/);
    expect(onnx.record.key.replace(/:engine=.*$/, '')).toBe(tfjs.record.key.replace(/:engine=.*$/, ''));
  });
});
