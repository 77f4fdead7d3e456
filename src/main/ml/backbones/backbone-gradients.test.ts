import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../../test/helpers/make-images.ts';
import { useBackend, type BackendKind } from '../backend.ts';
import { loadBackbone, type Backbone } from '../backbone.ts';
import { installConvGradients } from '../conv-gradients.ts';
import { fineTune } from '../finetune.ts';
import { initHeadWeights, type HeadWeights } from '../head.ts';
import { applyPreprocess, decodeImage } from '../preprocess.ts';
import { parseRunConfig } from '../../../shared/run-config.ts';
import { BUILTIN_BACKBONES, type BuiltinName } from './index.ts';

/**
 * Fine-tuning each built-in backbone on each CPU backend at 32 px.
 * First, the gradients of every weight of each network on the WebAssembly
 * backend (where installConvGradients supplies the convolution backprop
 * kernels it lacks, strided depthwise ones included) are checked against
 * TF.js' own autodiff on the JavaScript cpu backend, whose kernels are left
 * alone in this file until then. Then one fine-tuning step per backbone and
 * backend: the chosen blocks' weights move, earlier blocks and the frozen
 * BatchNorm statistics do not.
 */
const NETS = ['mobilenet_v2', 'resnet50', 'efficientnet_b0'] as const satisfies readonly BuiltinName[];
const SIZE = 32;

function allGrads(name: BuiltinName): Map<string, Float32Array> {
  const m = BUILTIN_BACKBONES[name].build({ inputSize: SIZE, pooling: 'avg', seed: 11 });
  try {
    const out = new Map<string, Float32Array>();
    tf.tidy(() => {
      const x = tf.randomUniform([2, SIZE, SIZE, 3], -1, 1, 'float32', 5);
      const r = tf.randomNormal([2, BUILTIN_BACKBONES[name].featureDim], 0, 1, 'float32', 6);
      const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
      // BatchNorm in inference mode, as fine-tuning runs by default (training mode at 32 px normalises
      // over 2 images × 1×1 pixels in the last blocks: ill-conditioned, not a kernel check).
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(m.apply(x, { training: false }) as tf.Tensor, r)) as tf.Scalar, vars);
      const names = m.trainableWeights.map((w) => w.originalName);
      vars.forEach((v, i) => out.set(names[i], Float32Array.from(grads[v.name].dataSync())));
    });
    return out;
  } finally {
    m.dispose();
  }
}

describe('backbone gradients on wasm against autodiff on cpu', () => {
  it('every weight of MobileNetV2, ResNet50 and EfficientNetB0 (strided depthwise, ReLU6, swish, sigmoid, SE multiply)', async () => {
    await useBackend('cpu');
    const reference = new Map(NETS.map((n) => [n, allGrads(n)]));
    await useBackend('wasm');
    installConvGradients(['wasm']);
    for (const n of NETS) {
      const mine = allGrads(n);
      let worst = { err: 0, name: '' };
      for (const [w, ref] of reference.get(n)!) {
        const got = mine.get(w)!;
        const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
        let err = 0;
        for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]) / scale);
        if (err > worst.err) worst = { err, name: w };
      }
      console.log(`${n}: ${mine.size} weight gradients, worst max|wasm − cpu| / max|cpu| = ${worst.err.toExponential(2)} (${worst.name})`);
      expect(worst.err, worst.name).toBeLessThan(1e-3);
    }
  }, 300_000);
});

let dir: string;
let images: { path: string; y: number }[];
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-ft-nets-'));
  images = [];
  for (let i = 0; i < 4; i++) images.push({ path: await writeImage(path.join(dir, `${i}.jpg`), { width: 40, height: 36, color: colorFor(i) }), y: i % 2 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A linear head scaled so that its logit on every training image is within ±1.
 * A randomly initialised network's features can be large enough to saturate
 * the output: the probabilities are then clipped at Keras' ε, the loss is
 * flat, and no gradient reaches the backbone at all — whichever blocks are
 * trainable. Which draw saturated was luck; this head never does.
 */
async function unsaturatedHead(backbone: Backbone, train: { path: string }[]): Promise<HeadWeights> {
  const head = initHeadWeights(backbone.featureDim, 2, parseRunConfig({ head: { hidden: [], dropout: 0 } }).head, 3);
  const per = SIZE * SIZE * 3;
  const x = new Float32Array(train.length * per);
  for (const [i, im] of train.entries()) x.set(applyPreprocess(backbone.preprocess, await decodeImage(im.path, SIZE)), i * per);
  const features = tf.tidy(() => (backbone.model.predict(tf.tensor4d(x, [train.length, SIZE, SIZE, 3])) as tf.Tensor).reshape([train.length, -1]).arraySync() as number[][]);
  const kernel = head.layers[0].kernel;
  const largest = Math.max(...features.map((f) => Math.abs(f.reduce((s, v, k) => s + v * kernel[k], 0))));
  if (largest > 1) for (let k = 0; k < kernel.length; k++) kernel[k] /= largest;
  return head;
}

/** The largest change of a weight, relative to the largest weight before. */
function moved(before: number[], after: number[]): number {
  const scale = before.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  return after.reduce((m, v, i) => Math.max(m, Math.abs(v - before[i])), 0) / scale;
}

/** [trainableFrom, a layer in a frozen block, a layer in a trained block, a BatchNorm in a trained block]. */
const PLAN: Record<(typeof NETS)[number], [number, string, string, string]> = {
  mobilenet_v2: [16, 'block_15_project', 'block_16_project', 'block_16_project_BN'],
  resnet50: [5, 'conv4_block6_3_conv', 'conv5_block3_3_conv', 'conv5_block3_3_bn'],
  efficientnet_b0: [7, 'block6d_project_conv', 'block7a_project_conv', 'block7a_project_bn'],
};

describe('fine-tuning every built-in backbone', () => {
  for (const backend of ['wasm', 'cpu'] as BackendKind[]) {
    for (const name of NETS) {
      it(`${name} on ${backend}: blocks from ${PLAN[name][0]} move, earlier ones and frozen BatchNorm statistics do not`, async () => {
        await useBackend(backend);
        installConvGradients([backend]);
        const [from, frozen, trained, bnLayer] = PLAN[name];
        const backbone = await loadBackbone({ kind: name, randomInit: true, seed: 2, inputSize: SIZE });
        const value = (layer: string, i: number) => Array.from(backbone.model.getLayer(layer).getWeights()[i].dataSync());
        const before = { frozen: value(frozen, 0), trained: value(trained, 0), bnMean: value(bnLayer, 2), bnGamma: value(bnLayer, 0) };
        const config = parseRunConfig({ fineTune: { epochs: 1, batchSize: 4, trainableFrom: from, optimizer: { kind: 'sgd', lr: 0.1 } } }).fineTune;
        const head = await unsaturatedHead(backbone, images);
        const r = await fineTune({ backbone, head, train: images, val: images.slice(0, 2), config, seed: 1 });
        expect(r.history).toHaveLength(1);
        expect(Number.isFinite(r.history[0].loss)).toBe(true);
        // Frozen means not one bit changes; trained means a real step, far above rounding (one SGD step at lr 0.1).
        expect(value(frozen, 0)).toEqual(before.frozen);
        expect(moved(before.trained, value(trained, 0))).toBeGreaterThan(1e-6);
        expect(moved(before.bnGamma, value(bnLayer, 0))).toBeGreaterThan(1e-6);
        expect(value(bnLayer, 2)).toEqual(before.bnMean);
        backbone.dispose();
      }, 120_000);
    }
  }

  it('refuses a block number the network does not have, saying which it has', async () => {
    const backbone = await loadBackbone({ kind: 'resnet50', randomInit: true, inputSize: SIZE });
    const config = parseRunConfig({ fineTune: { epochs: 1, trainableFrom: 9 } }).fineTune;
    const head = initHeadWeights(2048, 2, parseRunConfig({}).head, 3);
    await expect(fineTune({ backbone, head, train: images, val: [], config, seed: 1 })).rejects.toThrow('ResNet50 has blocks 1…5 (stages: 1 = conv1, 2…5 = conv2…conv5)');
    backbone.dispose();
  });
});
