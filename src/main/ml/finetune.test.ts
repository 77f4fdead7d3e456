import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage, colorFor } from '../../../test/helpers/make-images.ts';
import { fineTuneBackend } from './training-backend.ts';
import { loadBackbone, type Backbone } from './backbone.ts';
import { fineTune, xceptionBlockOf } from './finetune.ts';
import { initHeadWeights } from './head.ts';
import { parseRunConfig } from '../../shared/run-config.ts';

let dir: string;
let images: { path: string; y: number }[];
let backbone: Backbone;

const valueOf = (layer: string, index: number): Float32Array => backbone.model.getLayer(layer).getWeights()[index].dataSync() as Float32Array;

beforeAll(async () => {
  await fineTuneBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-ft-'));
  images = [];
  for (let i = 0; i < 4; i++) images.push({ path: await writeImage(path.join(dir, `${i}.jpg`), { width: 80, height: 72, color: colorFor(i) }), y: i % 2 });
  backbone = await loadBackbone({ kind: 'xception', randomInit: true, inputSize: 71, seed: 3 });
});

afterAll(() => {
  backbone?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('fine-tuning', () => {
  it('maps layers to Xception blocks, residual layers included', () => {
    expect(xceptionBlockOf('block1_conv1')).toBe(1);
    expect(xceptionBlockOf('block14_sepconv2_bn')).toBe(14);
    expect(xceptionBlockOf('conv2d_4')).toBe(13);
    expect(xceptionBlockOf('avg_pool')).toBeNull();
  });

  it('gradients reach an early block in one step while frozen BatchNorm statistics stay put', async () => {
    const config = parseRunConfig({ fineTune: { epochs: 1, batchSize: 4, optimizer: { kind: 'sgd', lr: 0.05 } } });
    const head = initHeadWeights(2048, 2, parseRunConfig({}).head, 1);
    const kernelBefore = valueOf('block1_conv1', 0).slice();
    const bnMeanBefore = valueOf('block1_conv1_bn', 2).slice(); // gamma, beta, moving_mean, moving_variance
    const estimates: { basis: string; totalSeconds: number }[] = [];
    const before = tf.memory().numTensors;
    const r = await fineTune({ backbone, head, train: images, val: images.slice(0, 2), config: config.fineTune, seed: 1, onEstimate: (e) => estimates.push(e) });
    expect(r.history).toHaveLength(1);
    // Said before training starts (from one image's gradients), then from the first batch.
    expect(estimates.map((e) => e.basis)).toEqual(['probe', 'measured']);
    expect(estimates[0].totalSeconds).toBeGreaterThan(0);
    const kernelAfter = valueOf('block1_conv1', 0);
    let changed = 0;
    for (let i = 0; i < kernelAfter.length; i++) if (kernelAfter[i] !== kernelBefore[i]) changed++;
    expect(changed).toBeGreaterThan(kernelAfter.length / 2);
    expect(Array.from(valueOf('block1_conv1_bn', 2))).toEqual(Array.from(bnMeanBefore));
    // Only the head's own layers were added and removed; the backbone's variables are the same.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('trains only blocks from N on, and updates BatchNorm statistics when asked to', async () => {
    const config = parseRunConfig({ fineTune: { epochs: 1, batchSize: 4, trainableFrom: 12, freezeBatchNorm: false, augmentation: null } });
    const head = initHeadWeights(2048, 2, parseRunConfig({}).head, 2);
    const early = valueOf('block1_conv1', 0).slice();
    const late = valueOf('block12_sepconv1', 0).slice();
    const bnMean = valueOf('block1_conv1_bn', 2).slice();
    await fineTune({ backbone, head, train: images, val: [], config: config.fineTune, seed: 2 });
    expect(Array.from(valueOf('block1_conv1', 0))).toEqual(Array.from(early));
    expect(Array.from(valueOf('block12_sepconv1', 0))).not.toEqual(Array.from(late));
    expect(Array.from(valueOf('block1_conv1_bn', 2))).not.toEqual(Array.from(bnMean));
  });
});
