import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetLike, saveLayersModel, writeMobileNetLike } from '../../../test/helpers/mobilenet-like.ts';
import { writeXceptionWeightsFile } from '../../../test/helpers/keras-weights.ts';
import { StudioError } from '../../shared/errors.ts';
import { loadBackbone } from './backbone.ts';
import { useBackend } from './backend.ts';
import { applyPreprocess, PREPROCESS_VERSION } from './preprocess.ts';
import { buildXception } from './xception.ts';

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-backbone-'));
  await useBackend('wasm');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Deterministic "image" pixels 0..255 for n images of size s. */
function pixels(n: number, s: number, salt = 0): Float32Array {
  return Float32Array.from({ length: n * s * s * 3 }, (_, i) => (Math.sin(i * 0.37 + salt) * 0.5 + 0.5) * 255);
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

describe('Xception backbone', () => {
  it('random init: labelled, 2048-d, deterministic, no tensors leaked', async () => {
    const b = await loadBackbone({ kind: 'xception', randomInit: true, seed: 5, inputSize: 71 });
    expect(b).toMatchObject({ id: 'xception:random-init:seed=5', randomInit: true, inputSize: 71, featureDim: 2048, preprocess: 'tf', preprocessVersion: PREPROCESS_VERSION, featureLayer: 'avg_pool' });
    const x = pixels(2, 71);
    b.predictPixels(x, 2); // the first call builds the fused graph's folded weights (kept, as the model's are)
    const before = tf.memory().numTensors;
    const f = b.predictPixels(x, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(f.length).toBe(2 * 2048);
    expect(f.every(Number.isFinite)).toBe(true);
    // predict takes preprocessed input; predictPixels applies the backbone's mode.
    expect(Array.from(b.predict(applyPreprocess('tf', x), 2))).toEqual(Array.from(f));
    const again = await loadBackbone({ kind: 'xception', randomInit: true, seed: 5, inputSize: 71 });
    expect(Array.from(again.predictPixels(x.subarray(0, 71 * 71 * 3), 1))).toEqual(Array.from(f.subarray(0, 2048)));
    const tensorsBefore = tf.memory().numTensors;
    again.dispose();
    expect(tf.memory().numTensors).toBeLessThan(tensorsBefore);
    b.dispose();
  });

  it('gives the same features on the JS (cpu) and WebAssembly backends', async () => {
    const b = await loadBackbone({ kind: 'xception', randomInit: true, seed: 1, inputSize: 71 });
    const x = pixels(1, 71, 2);
    await useBackend('wasm');
    const onWasm = b.predictPixels(x, 1);
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const onCpu = b.predictPixels(x, 1);
    expect(tf.memory().numTensors).toBe(before);
    await useBackend('wasm');
    expect(maxRelDiff(onWasm, onCpu)).toBeLessThan(1e-4);
    b.dispose();
  }, 120_000);

  it('loads a Keras weights file: id is the file content hash; a file with top is cut at avg_pool', async () => {
    const notop = path.join(dir, 'notop.h5');
    await writeXceptionWeightsFile(notop, { seed: 3 });
    const b = await loadBackbone({ kind: 'xception', weightsFile: notop, inputSize: 71 });
    expect(b.id).toMatch(/^xception:sha256:[0-9a-f]{64}$/);
    expect(b.randomInit).toBe(false);
    const x = pixels(1, 71, 4);
    const f = b.predictPixels(x, 1);
    expect(f.length).toBe(2048);

    const withTop = path.join(dir, 'top.h5');
    await writeXceptionWeightsFile(withTop, { seed: 3, includeTop: true, classes: 10 });
    const t = await loadBackbone({ kind: 'xception', weightsFile: withTop, inputSize: 71 });
    expect(t.featureDim).toBe(2048);
    expect(t.id).not.toBe(b.id);
    // Same seed → same convolution weights in both files → same features.
    expect(maxRelDiff(t.predictPixels(x, 1), f)).toBeLessThan(1e-6);
    b.dispose();
    t.dispose();
  });

  it('needs weights or random init', async () => {
    await expect(loadBackbone({ kind: 'xception', inputSize: 71 })).rejects.toThrow(/^weightsFile: Xception needs a weights file .* or random init$/);
  });
});

describe('TF.js layers model backbone', () => {
  it('MobileNet-like: input size from the model, default feature layer = last global pooling', async () => {
    const modelJson = await writeMobileNetLike(path.join(dir, 'mobilenet'), { inputSize: 32 });
    const b = await loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'unit' });
    expect(b).toMatchObject({ kind: 'layers-model', inputSize: 32, featureDim: 32, preprocess: 'unit', featureLayer: 'global_pool', randomInit: false });
    expect(b.id).toMatch(/^layers-model:sha256:[0-9a-f]{64}:layer=global_pool$/);
    const x = pixels(3, 32);
    b.predictPixels(x, 3); // builds the fused graph's folded weights (kept)
    const before = tf.memory().numTensors;
    const f = b.predictPixels(x, 3);
    expect(tf.memory().numTensors).toBe(before);
    // Same as the original model's global_pool output on x / 255.
    const ref = buildMobileNetLike({ inputSize: 32 });
    const sub = tf.model({ inputs: ref.inputs, outputs: ref.getLayer('global_pool').output as tf.SymbolicTensor });
    const expected = tf.tidy(() => (sub.predict(tf.tensor4d(applyPreprocess('unit', x), [3, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array);
    expect(maxRelDiff(f, expected)).toBeLessThan(1e-5);
    ref.dispose();

    const explicit = await loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'unit', featureLayer: 'block3_pw_relu' });
    expect(explicit.featureDim).toBe(4 * 4 * 32);
    expect(explicit.predictPixels(x, 3).length).toBe(3 * 512);
    await expect(loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'unit', featureLayer: 'nope' })).rejects.toThrow(/^featureLayer: no layer "nope" in /);
    await expect(loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'unit', inputSize: 64 })).rejects.toThrow(/^inputSize: 64 does not match the model's input size 32/);
    b.dispose();
    explicit.dispose();
  });

  it('a quantized (uint8) model loads and gives features close to the float model', async () => {
    const floatJson = await writeMobileNetLike(path.join(dir, 'float'), { inputSize: 32, seed: 9 });
    const quantJson = await writeMobileNetLike(path.join(dir, 'quant'), { inputSize: 32, seed: 9, quantize: true });
    expect(fs.statSync(path.join(dir, 'quant', 'group1-shard1of1.bin')).size).toBeLessThan(fs.statSync(path.join(dir, 'float', 'group1-shard1of1.bin')).size / 3);
    const fb = await loadBackbone({ kind: 'layers-model', modelJson: floatJson, preprocess: 'tf' });
    const qb = await loadBackbone({ kind: 'layers-model', modelJson: quantJson, preprocess: 'tf' });
    expect(qb.id).not.toBe(fb.id);
    const x = pixels(2, 32, 1);
    const rel = maxRelDiff(fb.predictPixels(x, 2), qb.predictPixels(x, 2));
    expect(rel).toBeGreaterThan(0);
    expect(rel).toBeLessThan(0.1);
    fb.dispose();
    qb.dispose();
  });

  it('Xception saved as a TF.js layers model gives the same features as the built-in Xception', async () => {
    const builtIn = await loadBackbone({ kind: 'xception', randomInit: true, seed: 8, inputSize: 71 });
    const m = buildXception({ inputSize: 71, pooling: 'avg', seed: 8 });
    const modelJson = await saveLayersModel(m, path.join(dir, 'xception-tfjs'));
    m.dispose();
    const b = await loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'tf' });
    expect(b).toMatchObject({ inputSize: 71, featureDim: 2048, featureLayer: 'avg_pool' });
    const x = pixels(1, 71, 3);
    expect(maxRelDiff(b.predictPixels(x, 1), builtIn.predictPixels(x, 1))).toBeLessThan(1e-6);
    b.dispose();
    builtIn.dispose();
  });

  it('missing shards and non-layers models are clear errors', async () => {
    const modelJson = await writeMobileNetLike(path.join(dir, 'broken'), { inputSize: 32 });
    fs.rmSync(path.join(dir, 'broken', 'group1-shard1of1.bin'));
    const e = await loadBackbone({ kind: 'layers-model', modelJson, preprocess: 'tf' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StudioError);
    expect((e as Error).message).toMatch(/weight shard group1-shard1of1\.bin not found/);
    const graph = path.join(dir, 'graph.json');
    fs.writeFileSync(graph, JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    await expect(loadBackbone({ kind: 'layers-model', modelJson: graph, preprocess: 'tf' })).rejects.toThrow(/format "graph-model"; a TF.js layers model/);
  });
});
