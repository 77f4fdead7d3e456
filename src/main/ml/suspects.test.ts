import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseHeadConfig } from '../../shared/run-config.ts';
import { predictLogistic, trainLogistic } from './logistic.ts';
import { crossValidatedProbabilities, foldProbabilities, mergeFolds, rankSuspects } from './suspects.ts';
import { syntheticFeatures } from './synthetic.ts';

describe('suspects', () => {
  it('finds labels flipped on purpose in a synthetic set', async () => {
    await tf.setBackend('cpu');
    const dim = 16;
    const { x, y } = syntheticFeatures({ n: 300, dim, numClasses: 2, seed: 9, separation: 5 });
    const flipped = [3, 50, 101, 177, 240, 299];
    const noisy = y.slice();
    for (const i of flipped) noisy[i] = 1 - noisy[i];
    const probs = crossValidatedProbabilities({ x, y: noisy, dim, numClasses: 2, folds: 4, seed: 1, config: parseHeadConfig({ hidden: [16], epochs: 10, dropout: 0.2 }) });
    const { suspects } = rankSuspects(probs, noisy, 2);
    const top = suspects.slice(0, flipped.length).map((s) => s.index).sort((a, b) => a - b);
    expect(top).toEqual(flipped);
    for (const s of suspects.slice(0, flipped.length)) expect(s.suggested).toBe(y[s.index]);
  });
});

describe('suspects with the logistic-regression ranker', () => {
  it('finds the same flipped labels, one fold at a time (as the worker pool runs them) equal to all folds in one go', () => {
    const dim = 16;
    const { x, y } = syntheticFeatures({ n: 300, dim, numClasses: 2, seed: 9, separation: 5 });
    const flipped = [3, 50, 101, 177, 240, 299];
    const noisy = y.slice();
    for (const i of flipped) noisy[i] = 1 - noisy[i];
    const input = { x, y: noisy, dim, numClasses: 2, folds: 4, seed: 1, config: parseHeadConfig({}), ranker: 'logistic' as const };
    const together = crossValidatedProbabilities(input);
    const apart = mergeFolds(noisy.length, 2, [3, 1, 0, 2].map((fold) => foldProbabilities({ ...input, fold })));
    expect(Array.from(apart)).toEqual(Array.from(together));
    const { suspects } = rankSuspects(together, noisy, 2);
    expect(suspects.slice(0, flipped.length).map((s) => s.index).sort((a, b) => a - b)).toEqual(flipped);
  });

  it('fits three classes: probabilities sum to 1 and follow the labels of clean data', () => {
    const dim = 8;
    const { x, y } = syntheticFeatures({ n: 240, dim, numClasses: 3, seed: 4, separation: 6 });
    const m = trainLogistic({ x, y, dim, numClasses: 3 });
    const p = predictLogistic(m, x, y.length);
    let right = 0;
    for (let i = 0; i < y.length; i++) {
      expect(p[i * 3] + p[i * 3 + 1] + p[i * 3 + 2]).toBeCloseTo(1, 5);
      const top = [0, 1, 2].reduce((a, b) => (p[i * 3 + b] > p[i * 3 + a] ? b : a), 0);
      if (top === y[i]) right++;
    }
    expect(right / y.length).toBeGreaterThan(0.95);
  });
});
