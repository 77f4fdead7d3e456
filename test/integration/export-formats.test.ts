// Every model export format of a three-class run on a small TF.js layers
// backbone (MobileNet-like: Conv2D, DepthwiseConv2D, BatchNormalization with
// non-trivial statistics, ReLU max 6, global pooling), torch preprocessing:
// each export reports its self-check, and each is run again here by its own
// runtime — tfjs and the Keras reader through `xstudio predict`, ONNX Runtime
// directly on 0–255 pixels — against the studio's stored probabilities
// (≤ 1e-4); the ONNX file passes the ONNX checker.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/main/ml/preprocess.ts';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { storedValProbabilities } from '../helpers/stored-predictions.ts';
import { buildMobileNetLike, saveLayersModel } from '../helpers/mobilenet-like.ts';
import { onnxChecker, requireOnnxChecker, runOnnx } from '../helpers/onnx-check.ts';
import { tempStudio, xstudioJson } from '../helpers/xstudio-cli.ts';

const studio = tempStudio('xstudio-formats-');
const projectFile = path.join(studio.dir, 'p.xstudio');
const SIZE = 32;
const CLASSES = ['blue', 'green', 'red'];
let runId: number;

interface Check { images: number; agree: number; maxAbsDiff: number; runtime: string; reference: string }

beforeAll(async () => {
  const root = path.join(studio.dir, 'images');
  for (let i = 0; i < 12; i++) {
    const c = CLASSES[i % 3];
    const base = { red: [200, 40, 40], green: [40, 200, 40], blue: [40, 40, 200] }[c] as [number, number, number];
    const tint = colorFor(i);
    await writeImage(path.join(root, c, `${i}.jpg`), { width: 48, height: 40, color: base.map((v, k) => Math.round((v * 3 + tint[k]) / 4)) as [number, number, number] });
  }
  const model = buildMobileNetLike({ inputSize: SIZE, classes: 5, seed: 3 });
  // BatchNormalization with statistics other than 0 / 1, so the conversion of each is exercised.
  let s = 1;
  for (const l of model.layers.filter((x) => x.getClassName() === 'BatchNormalization')) {
    l.setWeights(l.getWeights().map((w, i, all) => tf.tensor(new Float32Array(w.size).map(() => ((s = (s * 48271) % 2147483647) / 2147483647) * (i === all.length - 1 ? 1 : 0.6) + (i === all.length - 1 ? 0.5 : -0.3)), w.shape)));
  }
  const modelJson = await saveLayersModel(model, path.join(studio.dir, 'backbone'));
  model.dispose();
  await xstudioJson(['import', root, '--project', projectFile, '--labels', 'folder'], studio.env);
  await xstudioJson(['split', '--project', projectFile, '--train', '0.5', '--val', '0.25', '--test', '0.25', '--seed', '3'], studio.env);
  await xstudioJson(['extract', '--project', projectFile, '--backbone-model', modelJson, '--preprocess', 'torch', '--workers', '1'], studio.env);
  runId = (await xstudioJson<{ run: number }>(['train', '--project', projectFile, '--epochs', '4', '--lr', '0.05'], studio.env)).run;
}, 240_000);

afterAll(() => studio.cleanup());

describe('three classes on a small layers backbone: every model format, each checked by its runtime', () => {
  const exportAs = (format: string, out: string) =>
    xstudioJson<{ path: string; files: string[]; check: Check }>(['export', '--project', projectFile, '--run', String(runId), '--format', format, '--out', out], studio.env);

  it('tfjs, keras and head: the self-check in the JSON, and `xstudio predict` gives the stored probabilities', async () => {
    const studioProbs = storedValProbabilities(projectFile, runId);
    expect(studioProbs.size).toBe(3);
    const files = [...studioProbs.keys()];
    for (const format of ['tfjs', 'keras', 'head']) {
      const out = path.join(studio.dir, `export-${format}`);
      const exp = await exportAs(format, out);
      expect(exp.check, format).toMatchObject({ images: 3, agree: 3, reference: 'stored-predictions' });
      expect(exp.check.maxAbsDiff, format).toBeLessThanOrEqual(1e-4);
      expect(fs.readFileSync(path.join(out, 'labels.txt'), 'utf8')).toBe(CLASSES.join('\n') + '\n');
      const sig = JSON.parse(fs.readFileSync(path.join(out, 'signature.json'), 'utf8'));
      expect(sig).toMatchObject({ format, classes: CLASSES, check: { images: 3, agree: 3 } });
      expect(sig.backbone.kind).toBe('layers-model');
      if (format === 'head') continue;
      expect(sig.input.preprocessing.mode).toBe('torch');
      const pred = await xstudioJson<{ predictions: { probabilities: Record<string, number> }[] }>(['predict', '--model', out, ...files], studio.env);
      pred.predictions.forEach((p, i) => CLASSES.forEach((c, j) => expect(Math.abs(p.probabilities[c] - studioProbs.get(files[i])![j]), `${format} ${c}`).toBeLessThan(1e-4)));
    }
  });

  it('onnx: ONNX Runtime on raw pixels gives the stored probabilities; the file passes the ONNX checker', async () => {
    const out = path.join(studio.dir, 'export-onnx');
    const exp = await exportAs('onnx', out);
    expect(exp.check).toMatchObject({ images: 3, agree: 3 });
    expect(exp.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const studioProbs = storedValProbabilities(projectFile, runId);
    const files = [...studioProbs.keys()];
    const px = new Float32Array(files.length * SIZE * SIZE * 3);
    for (let i = 0; i < files.length; i++) px.set(await decodeImage(files[i], SIZE), i * SIZE * SIZE * 3);
    const probs = await runOnnx(path.join(out, 'model.onnx'), px, [files.length, SIZE, SIZE, 3]);
    files.forEach((f, i) => studioProbs.get(f)!.forEach((p, j) => expect(Math.abs(probs[i * 3 + j] - p)).toBeLessThan(1e-4)));
    if (requireOnnxChecker()) {
      const r = onnxChecker(path.join(out, 'model.onnx'));
      expect(r.opset).toBeGreaterThanOrEqual(13);
      expect(JSON.parse(r.metadata.classes)).toEqual(CLASSES);
    }
    const pred = await xstudioJson<{ backend: string; predictions: { label: string }[] }>(['predict', '--model', out, ...files], studio.env);
    expect(pred.backend).toMatch(/onnxruntime/);
    expect(pred.predictions).toHaveLength(3);
  });
});
