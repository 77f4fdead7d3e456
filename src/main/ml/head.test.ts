import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evaluateHead, headModel, predictHead, trainHead } from './head.ts';
import { parseHeadConfig } from '../../shared/run-config.ts';
import { syntheticFeatures } from './synthetic.ts';

const dim = 32;
function data(seed: number, numClasses = 2, n = 400) {
  const all = syntheticFeatures({ n: n + 200, dim, numClasses, seed, separation: 4 });
  return {
    train: { x: all.x.slice(0, n * dim), y: all.y.slice(0, n) },
    val: { x: all.x.slice(n * dim), y: all.y.slice(n) },
  };
}

describe('head training', () => {
  it('reaches high accuracy on separable features with the default head, without leaking tensors', async () => {
    await tf.setBackend('cpu');
    const { train, val } = data(1);
    const before = tf.memory().numTensors;
    const config = parseHeadConfig({ epochs: 15, hidden: [32, 16] });
    const r = trainHead({ train, val, dim, numClasses: 2, config, seed: 7 });
    expect(tf.memory().numTensors).toBe(before);
    const ev = evaluateHead(r.best, val);
    expect(ev.accuracy).toBeGreaterThan(0.95);
    expect(r.history).toHaveLength(15);
    expect(r.history[r.history.length - 1].loss).toBeLessThan(r.history[0].loss);
  });

  it('keeps the checkpoint of the epoch with the lowest validation loss', () => {
    const { train, val } = data(2);
    // A large learning rate makes the validation loss wander, so the best epoch is not always the last.
    const config = parseHeadConfig({ epochs: 12, hidden: [16], optimizer: { kind: 'sgd', lr: 0.5, momentum: 0.9 } });
    const r = trainHead({ train, val, dim, numClasses: 2, config, seed: 3 });
    const losses = r.history.map((h) => h.valLoss!);
    const minIdx = losses.indexOf(Math.min(...losses));
    expect(r.bestEpoch).toBe(minIdx + 1);
    expect(evaluateHead(r.best, val).loss).toBeCloseTo(losses[minIdx], 5);
  });

  it('is reproducible with a seed and differs with another seed', () => {
    const { train, val } = data(3);
    const config = parseHeadConfig({ epochs: 3, hidden: [16, 8] });
    const a = trainHead({ train, val, dim, numClasses: 2, config, seed: 11 });
    const b = trainHead({ train, val, dim, numClasses: 2, config, seed: 11 });
    const c = trainHead({ train, val, dim, numClasses: 2, config, seed: 12 });
    expect(a.history.map((h) => h.valLoss)).toEqual(b.history.map((h) => h.valLoss));
    expect(Array.from(a.best.layers[0].kernel)).toEqual(Array.from(b.best.layers[0].kernel));
    expect(c.history[2].valLoss).not.toEqual(a.history[2].valLoss);
  });

  it('trains a softmax head over 3 classes with Adam, L2, class weights, a schedule and early stopping', () => {
    const { train, val } = data(4, 3, 450);
    const config = parseHeadConfig({
      epochs: 40,
      hidden: [16],
      optimizer: { kind: 'adam', lr: 0.01 },
      schedule: { kind: 'step', every: 5, factor: 0.5 },
      l2: 1e-4,
      classWeights: 'balanced',
      earlyStopping: { patience: 2 },
    });
    const r = trainHead({ train, val, dim, numClasses: 3, config, seed: 5 });
    expect(evaluateHead(r.best, val).accuracy).toBeGreaterThan(0.9);
    expect(r.history[5].lr).toBeCloseTo(0.005, 8);
    if (r.stoppedEarly) expect(r.history.length - r.bestEpoch).toBe(2);
    const p = predictHead(r.best, val.x, val.y.length);
    for (let i = 0; i < val.y.length; i++) expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 5);
  });

  it('gives the same probabilities as a tf.layers model built from the weights', () => {
    const { train, val } = data(5);
    const r = trainHead({ train, val, dim, numClasses: 2, config: parseHeadConfig({ epochs: 2, hidden: [8, 4] }), seed: 1 });
    const model = headModel(r.best);
    const viaLayers = tf.tidy(() => (model.predict(tf.tensor2d(val.x, [val.y.length, dim])) as tf.Tensor).dataSync());
    const direct = predictHead(r.best, val.x, val.y.length);
    for (let i = 0; i < val.y.length; i++) expect(viaLayers[i]).toBeCloseTo(direct[i * 2 + 1], 5);
    model.dispose();
  });
});
