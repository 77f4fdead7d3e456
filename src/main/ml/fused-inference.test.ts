import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetLike } from '../../../test/helpers/mobilenet-like.ts';
import { buildMobileNetV2 } from '../../../test/helpers/mobilenet-v2.ts';
import { useBackend } from './backend.ts';
import { fusedPredictor } from './fused-inference.ts';
import { SeededRandom } from '../common/random.ts';
import { buildXception } from './xception.ts';

/** BatchNorm folded and ReLU/ReLU6 fused into the convolutions: outputs unchanged to 1e-5 relative. */
const rng = new SeededRandom(21);

function randomiseBatchNorms(model: tf.LayersModel): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    l.setWeights(l.getWeights().map((w, i, all) => tf.tensor(new Float32Array(w.size).map(() => (i === all.length - 1 ? 0.5 + rng.next() : rng.next() - 0.5)), w.shape)));
  }
}

function compare(model: tf.LayersModel, size: number, n: number): { rel: number; folded: { batchNorms: number; activations: number } } {
  const fused = fusedPredictor(model);
  expect(fused).not.toBeNull();
  const x = tf.tensor4d(new Float32Array(n * size * size * 3).map(() => rng.next() * 2 - 1), [n, size, size, 3]);
  const want = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice());
  const got = tf.tidy(() => fused!.predict(x).dataSync().slice());
  x.dispose();
  fused!.dispose();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(want[i] - got[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { rel: diff / scale, folded: fused!.folded };
}

beforeAll(async () => {
  await useBackend('wasm');
});

describe('fused TF.js inference', () => {
  it('Xception (71 px): every BatchNorm folded, outputs unchanged to 1e-5', () => {
    const model = buildXception({ inputSize: 71, pooling: 'avg', seed: 2 });
    randomiseBatchNorms(model);
    const r = compare(model, 71, 2);
    expect(r.rel).toBeLessThan(1e-5);
    expect(r.folded.batchNorms).toBe(model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length);
    model.dispose();
  });

  it('MobileNetV2 (96 px): BatchNorms folded, ReLU6 inside the kernels, outputs unchanged to 1e-5', () => {
    const model = buildMobileNetV2({ inputSize: 96, seed: 4 });
    randomiseBatchNorms(model);
    const r = compare(model, 96, 2);
    expect(r.rel).toBeLessThan(1e-5);
    expect(r.folded.batchNorms).toBe(52);
    expect(r.folded.activations).toBe(35);
    model.dispose();
  });

  it('a MobileNet-like classifier with dropout and a dense softmax: unchanged to 1e-5', () => {
    const model = buildMobileNetLike({ inputSize: 32, classes: 4 });
    randomiseBatchNorms(model);
    expect(compare(model, 32, 3).rel).toBeLessThan(1e-5);
    model.dispose();
  });
});
