import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetLike } from '../../../../../test/helpers/mobilenet-like.ts';
import { onnxChecker, requireOnnxChecker, runOnnx } from '../../../../../test/helpers/onnx-check.ts';
import { useBackend } from '../../backend.ts';
import { applyPreprocess, type PreprocessMode } from '../../preprocess.ts';
import { SeededRandom } from '../../../common/random.ts';
import { buildXception } from '../../xception.ts';
import { decodeModel } from './proto.ts';
import { tfjsModelToOnnx } from './graph.ts';

/**
 * The ONNX writer against TF.js itself: each model converted, run in ONNX
 * Runtime on raw 0–255 pixels, and compared with tfjs on the same pixels
 * preprocessed by the studio; the file passes the ONNX checker.
 */
const rng = new SeededRandom(3);

function pixels(n: number, size: number): Float32Array {
  const p = new Float32Array(n * size * size * 3);
  for (let i = 0; i < p.length; i++) p[i] = Math.floor(rng.next() * 256);
  return p;
}

/** Gives every BatchNormalization non-trivial statistics, so their conversion is tested. */
function randomiseBatchNorms(model: tf.LayersModel): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    l.setWeights(l.getWeights().map((w, i, all) => {
      const isVariance = i === all.length - 1;
      const v = new Float32Array(w.size).map(() => (isVariance ? 0.5 + rng.next() : rng.next() - 0.5));
      return tf.tensor(v, w.shape);
    }));
  }
}

function tfjsProbs(model: tf.LayersModel, px: Float32Array, n: number, size: number, mode: PreprocessMode): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(applyPreprocess(mode, px), [n, size, size, 3])) as tf.Tensor).dataSync() as Float32Array).slice();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let tmp: string;
const checker = requireOnnxChecker();

beforeAll(async () => {
  await useBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-onnx-'));
  return () => fs.rmSync(tmp, { recursive: true, force: true });
});

async function roundTrip(model: tf.LayersModel, classes: string[], mode: PreprocessMode, size: number, n = 3): Promise<{ bytes: Uint8Array; diff: number; onnx: Float32Array }> {
  const bytes = tfjsModelToOnnx(model, { preprocess: mode, classes, metadata: { note: 'test' } });
  const px = pixels(n, size);
  const expected = tfjsProbs(model, px, n, size, mode);
  const onnx = await runOnnx(bytes, px, [n, size, size, 3]);
  const twoFromSigmoid = classes.length === 2 && expected.length === n;
  const exp = twoFromSigmoid ? Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? expected[i >> 1] : 1 - expected[i >> 1])) : expected;
  if (checker) {
    const file = path.join(tmp, `${model.name}-${mode}.onnx`);
    fs.writeFileSync(file, bytes);
    const report = onnxChecker(file);
    expect(report.opset).toBeGreaterThanOrEqual(13);
    expect(report.inputs).toEqual(['image']);
    expect(report.outputs).toEqual(['probabilities']);
    expect(JSON.parse(report.metadata.classes)).toEqual(classes);
  }
  return { bytes, diff: maxAbsDiff(onnx, exp), onnx };
}

describe('tfjsModelToOnnx', () => {
  it('a MobileNet-like model (Conv2D, DepthwiseConv2D, BatchNormalization, ReLU max 6, pooling, Dropout, softmax) with torch preprocessing', async () => {
    const model = buildMobileNetLike({ inputSize: 32, classes: 3 });
    randomiseBatchNorms(model);
    const { diff, bytes } = await roundTrip(model, ['a', 'b', 'c'], 'torch', 32);
    expect(diff).toBeLessThan(1e-5);
    const decoded = decodeModel(bytes);
    expect(decoded.opsetImport[0].version).toBe(13);
    expect(decoded.metadataProps.find((p) => p.key === 'note')?.value).toBe('test');
    model.dispose();
  });

  it('the other layer classes: ZeroPadding2D, AveragePooling2D, dilated Conv2D with bias, SeparableConv2D, swish, Multiply (SE block through Reshape), Add, Concatenate, Rescaling, LeakyReLU, GlobalMaxPooling2D, Flatten, Dense on a 4-D tensor; caffe preprocessing', async () => {
    let seed = 11;
    const init = () => tf.initializers.glorotUniform({ seed: seed++ });
    const input = tf.input({ shape: [20, 20, 3], name: 'zoo_input' });
    const apply = (l: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => l.apply(x) as tf.SymbolicTensor;
    let x = apply(tf.layers.rescaling({ scale: 0.01, offset: 0.5, name: 'rescale' }), input);
    x = apply(tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]], name: 'pad' }), x);
    x = apply(tf.layers.conv2d({ filters: 6, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'swish', name: 'dil', kernelInitializer: init(), biasInitializer: 'randomNormal' }), x);
    x = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'avg' }), x);
    const sep = apply(tf.layers.separableConv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, name: 'sep', depthwiseInitializer: init(), pointwiseInitializer: init(), biasInitializer: 'randomNormal' }), x);
    const bn = apply(tf.layers.batchNormalization({ name: 'bn' }), sep);
    // A squeeze-and-excitation block as EfficientNet writes it.
    let se = apply(tf.layers.globalAveragePooling2d({ name: 'se_squeeze' }), bn);
    se = apply(tf.layers.reshape({ targetShape: [1, 1, 6], name: 'se_reshape' }), se);
    se = apply(tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'sigmoid', name: 'se_excite', kernelInitializer: init() }), se);
    const scaled = apply(tf.layers.multiply({ name: 'se_scale' }), [bn, se]);
    const added = apply(tf.layers.add({ name: 'residual' }), [scaled, sep]);
    let y = apply(tf.layers.leakyReLU({ alpha: 0.2, name: 'leaky' }), added);
    const both = apply(tf.layers.concatenate({ name: 'concat' }), [y, added]);
    y = apply(tf.layers.dense({ units: 4, activation: 'tanh', name: 'dense_4d', kernelInitializer: init() }), both);
    const gmax = apply(tf.layers.globalMaxPooling2d({ name: 'gmax' }), y);
    const flat = apply(tf.layers.flatten({ name: 'flat' }), y);
    const feat = apply(tf.layers.concatenate({ name: 'features' }), [gmax, flat]);
    const out = apply(tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: init() }), apply(tf.layers.dropout({ rate: 0.5, name: 'drop' }), feat));
    const model = tf.model({ inputs: input, outputs: out, name: 'zoo' });
    randomiseBatchNorms(model);
    const { diff } = await roundTrip(model, ['x', 'y', 'z'], 'caffe', 20);
    expect(diff).toBeLessThan(1e-5);
    model.dispose();
  });

  it('random-init Xception at 71 px with a sigmoid head: [1 − p, p] in ONNX Runtime matches tfjs (tf preprocessing)', async () => {
    const backbone = buildXception({ inputSize: 71, pooling: 'avg', seed: 1 });
    randomiseBatchNorms(backbone);
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'head', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }).apply(backbone.outputs[0]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: backbone.inputs, outputs: out, name: 'xception_classifier' });
    const { diff, onnx } = await roundTrip(model, ['cat', 'dog'], 'tf', 71, 2);
    expect(diff).toBeLessThan(1e-4);
    for (let i = 0; i < 2; i++) expect(onnx[2 * i] + onnx[2 * i + 1]).toBeCloseTo(1, 6);
    model.dispose();
  }, 120_000);

  it('refuses a layer class it does not convert, naming the layer', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'upsample_me' }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(tf.layers.flatten().apply(up) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    expect(() => tfjsModelToOnnx(model, { preprocess: 'unit', classes: ['a', 'b', 'c'] })).toThrow(/layer upsample_me is a UpSampling2D, which the ONNX writer does not convert/);
    model.dispose();
  });
});
