import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseHeadConfig } from '../../shared/run-config.ts';
import { crossValidatedProbabilities, rankSuspects } from './suspects.ts';
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
