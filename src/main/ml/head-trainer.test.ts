import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initHeadWeights, type HeadWeights } from './head.ts';
import { HeadTrainer, transposeMatrix } from './head-trainer.ts';
import { SeededRandom } from '../common/random.ts';
import { parseHeadConfig, type HeadConfig } from '../../shared/run-config.ts';

/**
 * The hand-written backward pass must match tfjs' automatic differentiation
 * of the same head: one SGD step (lr 1, so the weight change is the gradient)
 * from the same weights, batch and dropout masks, compared weight by weight.
 */
function reference(start: HeadWeights, x: Float32Array, y: Int32Array, w: Float32Array | null, masksRows: (Float32Array | null)[], l2: number): HeadWeights {
  const m = y.length;
  const C = start.numClasses;
  let out: HeadWeights | undefined;
  tf.tidy(() => {
    const vars = start.layers.map((l) => ({ k: tf.variable(tf.tensor2d(l.kernel, [l.inputDim, l.units])), b: tf.variable(tf.tensor1d(l.bias)), l }));
    const xb = tf.tensor2d(x, [m, start.inputDim]);
    const { grads } = tf.variableGrads(() => {
      let h: tf.Tensor2D = xb;
      vars.forEach((v, i) => {
        h = tf.add(tf.matMul(h, v.k), v.b);
        if (i === vars.length - 1) return;
        h = v.l.activation === 'relu' ? tf.relu(h) : v.l.activation === 'elu' ? tf.elu(h) : tf.tanh(h);
        const mk = masksRows[i];
        if (mk) h = tf.mul(h, tf.tensor2d(mk, [m, v.l.units]));
      });
      const rl =
        C === 2
          ? tf.losses.sigmoidCrossEntropy(tf.tensor2d(Float32Array.from(y), [m, 1]), h, undefined, 0, tf.Reduction.NONE).reshape([m])
          : tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(y, 'int32'), C), tf.logSoftmax(h)), 1));
      let loss = w ? tf.div(tf.sum(tf.mul(rl, tf.tensor1d(w))), m) : tf.mean(rl);
      for (const v of vars) loss = tf.add(loss, tf.mul(l2, tf.sum(tf.square(v.k))));
      return loss as tf.Scalar;
    });
    out = {
      ...start,
      layers: start.layers.map((l, i) => ({
        ...l,
        kernel: tf.sub(vars[i].k, grads[vars[i].k.name]).dataSync() as Float32Array,
        bias: tf.sub(vars[i].b, grads[vars[i].b.name]).dataSync() as Float32Array,
      })),
    };
    for (const v of vars) {
      v.k.dispose();
      v.b.dispose();
    }
  });
  return out!;
}

function maxDiff(a: HeadWeights, b: HeadWeights): number {
  let d = 0;
  a.layers.forEach((l, i) => {
    l.kernel.forEach((v, k) => (d = Math.max(d, Math.abs(v - b.layers[i].kernel[k]))));
    l.bias.forEach((v, k) => (d = Math.max(d, Math.abs(v - b.layers[i].bias[k]))));
  });
  return d;
}

const cases: [string, number, Partial<HeadConfig> & Record<string, unknown>, boolean][] = [
  ['relu, sigmoid output, dropout', 2, { hidden: [12, 8] }, false],
  ['elu, softmax over 3, class weights, L2', 3, { hidden: [10], activation: 'elu', l2: 0.01 }, true],
  ['tanh, softmax over 4, no dropout', 4, { hidden: [9, 7], activation: 'tanh', dropout: 0 }, false],
  ['relu, sigmoid output, 20 hidden units before the output', 2, { hidden: [24, 20], dropout: [0.3, 0.6], l2: 0.001 }, true],
];

describe('hand-written head step', () => {
  for (const [name, C, spec, weighted] of cases) {
    it(`matches autodiff: ${name}`, async () => {
      await tf.setBackend('cpu');
      const dim = 16;
      const m = 11;
      const config = parseHeadConfig(spec);
      const start = initHeadWeights(dim, C, config, 5);
      // Non-zero biases so the bias gradients and activations are exercised off zero.
      for (const l of start.layers) l.bias.forEach((_, k) => (l.bias[k] = 0.05 * ((k % 5) - 2)));
      const rng = new SeededRandom(9);
      const x = Float32Array.from({ length: m * dim }, () => rng.uniform(-1, 2));
      const y = Int32Array.from({ length: m }, (_, r) => r % C);
      const w = weighted ? Float32Array.from(y, (c) => 1 + c) : null;
      const masksRows = start.dropout.map((rate, i) => (rate > 0 ? Float32Array.from({ length: m * start.layers[i].units }, () => (rng.next() < rate ? 0 : 1 / (1 - rate))) : null));
      const masksCols = masksRows.map((mk, i) => (mk ? transposeMatrix(mk, m, start.layers[i].units) : null));

      const before = tf.memory().numTensors;
      const trainer = new HeadTrainer(start, tf.train.sgd(1), config.l2);
      trainer.step({ x, y, weights: w, masks: masksCols });
      const got = trainer.snapshot();
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(before + 1); // the optimizer's learning-rate scalar

      const want = reference(start, x, y, w, masksRows, config.l2);
      expect(maxDiff(got, want)).toBeLessThan(1e-5);
      expect(maxDiff(got, start)).toBeGreaterThan(1e-3); // the step did move the weights
    });
  }
});
