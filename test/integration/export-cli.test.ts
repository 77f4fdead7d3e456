// Exports that other tools load, end to end through the CLI on a real (random
// init, 71×71) Xception: the tfjs export reloaded by tf.loadLayersModel in a
// plain Node script gives the studio's probabilities; the Keras HDF5 export is
// re-read, and read by h5py as Keras' load_model / load_weights read it; the
// ONNX export runs in ONNX Runtime and passes the ONNX checker; every model
// export carries labels.txt, README.md and signature.json and reports its
// self-check; `xstudio predict` runs them all without a project; an existing
// destination is refused without --overwrite; a fine-tuned run announces its
// duration, evaluates on images and exports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { Project } from '../../src/main/studio/project.ts';
import { readKerasWeights } from '../../src/main/ml/keras-h5.ts';
import { applyPreprocess, decodeImage } from '../../src/main/ml/preprocess.ts';
import { onnxChecker, requireOnnxChecker, runOnnx } from '../helpers/onnx-check.ts';
import { storedValProbabilities } from '../helpers/stored-predictions.ts';
import { runProcess } from '../helpers/xstudio-cli.ts';

const repo = path.resolve(import.meta.dirname, '../..');
// h5py (Debian: python3-h5py) reads the Keras files as Keras does; skipped when the machine lacks it.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0);

interface H5Weight { name: string; shape: number[]; dtype: string; sum: number }
interface H5Report {
  keras_version: string | null;
  backend: string | null;
  modelClass: string;
  layers: { name: string; className: string }[];
  inputShape: (number | null)[];
  weightsLayout: { layerNames: string[]; keras_version: string | null; backend: string | null };
  weights: Record<string, H5Weight[]>;
  problems: string[];
}

/** test/helpers/keras_h5_check.py's report on a Keras HDF5 file. */
function h5pyReport(file: string): H5Report {
  const r = spawnSync(python!, [path.join(repo, 'test/helpers/keras_h5_check.py'), file], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`keras_h5_check.py ${file} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as H5Report;
}
let dir: string;
let projectFile: string;
let env: NodeJS.ProcessEnv;

const run = (cmd: string, args: string[]) => runProcess(cmd, args, env, { cwd: dir });

async function json<T = Record<string, unknown>>(args: string[]): Promise<T & { stderr: string }> {
  const r = await run(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), ...args, '--json']);
  if (r.code !== 0) throw new Error(`xstudio ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as T), stderr: r.stderr };
}

const storedVal = (runId: number): Map<string, number[]> => storedValProbabilities(projectFile, runId);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-export-'));
  env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache') };
  const root = path.join(dir, 'images');
  for (let i = 0; i < 8; i++) await writeImage(path.join(root, i % 2 ? 'dog' : 'cat', `${i}.jpg`), { width: 90, height: 80, color: colorFor(i + 10) });
  projectFile = path.join(dir, 'p.xstudio');
  await json(['import', root, '--project', projectFile, '--labels', 'folder']);
  await json(['split', '--project', projectFile, '--train', '0.5', '--val', '0.25', '--test', '0.25', '--seed', '1']);
  await json(['extract', '--project', projectFile, '--random-init', '--input-size', '71', '--batch', '4', '--workers', '1']);
}, 240_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exports of a run', () => {
  let runId: number;

  it('tfjs: tf.loadLayersModel in a plain Node script gives the studio’s probabilities within 1e-5; predict agrees', async () => {
    runId = (await json<{ run: number }>(['train', '--project', projectFile, '--epochs', '3'])).run;
    const out = path.join(dir, 'tfjs');
    const exp = await json<{ path: string; files: string[]; check: { images: number; agree: number; maxAbsDiff: number } }>(['export', '--project', projectFile, '--run', String(runId), '--format', 'tfjs', '--out', out]);
    expect(exp.files.map((f) => path.basename(f)).sort()).toEqual(['README.md', 'group1-shard1of1.bin', 'labels.txt', 'metadata.json', 'model.json', 'signature.json']);
    expect(exp.check).toMatchObject({ images: 2, agree: 2, reference: 'stored-predictions' });
    expect(exp.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(fs.readFileSync(path.join(out, 'labels.txt'), 'utf8')).toBe('cat\ndog\n');
    const sig = JSON.parse(fs.readFileSync(path.join(out, 'signature.json'), 'utf8'));
    expect(sig.input).toMatchObject({ shape: [null, 71, 71, 3], dtype: 'float32', range: [-1, 1], preprocessing: { mode: 'tf' } });
    expect(sig.classes).toEqual(['cat', 'dog']);
    expect(sig.run.id).toBe(runId);
    expect(sig.studioVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(sig.files).sort()).toEqual(['README.md', 'group1-shard1of1.bin', 'labels.txt', 'metadata.json', 'model.json']);
    expect(sig.files['model.json'].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toMatch(/tf\.loadLayersModel/);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
    expect(meta.classes).toEqual(['cat', 'dog']);
    expect(meta.input).toMatchObject({ inputSize: 71, mode: 'tf', interpolation: 'bilinear' });
    expect(meta.backbone.randomInit).toBe(true);

    const studio = storedVal(runId);
    expect(studio.size).toBe(2);
    const files = [...studio.keys()];
    // Inputs preprocessed exactly as metadata.json says (the studio's own decoder), handed to a plain script.
    const inputs = new Float32Array(files.length * 71 * 71 * 3);
    for (let i = 0; i < files.length; i++) inputs.set(applyPreprocess('tf', await decodeImage(files[i], 71)), i * 71 * 71 * 3);
    fs.writeFileSync(path.join(dir, 'inputs.bin'), Buffer.from(inputs.buffer));
    const tfjsUrl = pathToFileURL(createRequire(import.meta.url).resolve('@tensorflow/tfjs')).href;
    const script = path.join(dir, 'load.mjs');
    fs.writeFileSync(script, `
import fs from 'node:fs';
const tf = await import(${JSON.stringify(tfjsUrl)});
const dir = ${JSON.stringify(out)};
const json = JSON.parse(fs.readFileSync(dir + '/model.json', 'utf8'));
const bin = fs.readFileSync(dir + '/' + json.weightsManifest[0].paths[0]);
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
const raw = fs.readFileSync(${JSON.stringify(path.join(dir, 'inputs.bin'))});
const x = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [${files.length}, 71, 71, 3]);
process.stdout.write(JSON.stringify(Array.from(model.predict(x).dataSync())));
`);
    const r = await run(process.execPath, [script]);
    expect(r.code, r.stderr).toBe(0);
    const sigmoid = JSON.parse(r.stdout) as number[];
    files.forEach((f, i) => expect(Math.abs(sigmoid[i] - studio.get(f)![1])).toBeLessThan(1e-5));

    const pred = await json<{ predictions: { path: string; label: string; probabilities: Record<string, number> }[] }>(['predict', '--model', out, ...files]);
    pred.predictions.forEach((p, i) => expect(Math.abs(p.probabilities.dog - studio.get(files[i])![1])).toBeLessThan(1e-5));
  });

  it('keras: a Keras 2 HDF5 model (model_config + model_weights) re-read by the reader, and predict runs it', async () => {
    const exp = await json<{ check: { images: number; agree: number; maxAbsDiff: number } }>(['export', '--project', projectFile, '--run', String(runId), '--format', 'keras', '--out', path.join(dir, 'classifier')]);
    expect(exp.check).toMatchObject({ images: 2, agree: 2 });
    expect(exp.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const file = path.join(dir, 'classifier', 'model.h5');
    expect(fs.readFileSync(path.join(dir, 'classifier', 'README.md'), 'utf8')).toMatch(/tf\.keras\.models\.load_model\('model\.h5'/);
    const wf = await readKerasWeights(file);
    expect(wf.fullModel).toBe(true);
    const config = JSON.parse(wf.modelConfig!);
    expect(config.class_name).toBe('Model');
    const names = wf.layers.map((l) => l.layerName);
    expect(names[0]).toBe('input_1');
    expect(names).toContain('block1_conv1');
    expect(names).toContain('block14_sepconv2_bn');
    expect(names[names.length - 1]).toBe('head_predictions');
    expect(wf.layers.find((l) => l.layerName === 'block1_conv1')!.weights[0].shape).toEqual([3, 3, 3, 32]);
    const studio = storedVal(runId);
    const files = [...studio.keys()];
    const pred = await json<{ predictions: { probabilities: Record<string, number> }[] }>(['predict', '--model', file, ...files]);
    pred.predictions.forEach((p, i) => expect(Math.abs(p.probabilities.dog - studio.get(files[i])![1])).toBeLessThan(1e-5));
  });

  // CI sets XSTUDIO_REQUIRE_E2E: there a missing h5py fails instead of skipping.
  it.skipIf(!python && !process.env.XSTUDIO_REQUIRE_E2E)('keras and head: h5py finds what Keras load_model and load_weights need, shapes as the model config implies', async () => {
    if (!python) throw new Error('python3 with h5py and numpy is needed (Debian: apt-get install python3-h5py); XSTUDIO_REQUIRE_E2E makes its absence a failure');
    const model = h5pyReport(path.join(dir, 'classifier', 'model.h5'));
    expect(model.problems).toEqual([]);
    expect(model.keras_version).toMatch(/^2\./);
    expect(model.backend).toBe('tensorflow');
    expect(['Model', 'Functional']).toContain(model.modelClass);
    expect(model.inputShape).toEqual([null, 71, 71, 3]);
    const names = model.layers.map((l) => l.name);
    for (const n of ['block1_conv1', 'block14_sepconv2_act', 'avg_pool', 'head_dense_1', 'head_dense_2', 'head_predictions']) expect(names).toContain(n);
    expect(names.indexOf('avg_pool')).toBe(names.indexOf('block14_sepconv2_act') + 1);
    expect(model.layers.find((l) => l.name === 'avg_pool')!.className).toBe('GlobalAveragePooling2D');
    expect(model.weightsLayout).toEqual({ layerNames: names, keras_version: model.keras_version, backend: 'tensorflow' });
    const shapes = (r: H5Report, layer: string): [string, number[]][] => r.weights[layer].map((w) => [w.name, w.shape]);
    expect(shapes(model, 'block1_conv1')).toEqual([['block1_conv1/kernel:0', [3, 3, 3, 32]]]);
    expect(shapes(model, 'block14_sepconv2')).toEqual([['block14_sepconv2/depthwise_kernel:0', [3, 3, 1536, 1]], ['block14_sepconv2/pointwise_kernel:0', [1, 1, 1536, 2048]]]);
    expect(shapes(model, 'head_dense_1')).toEqual([['head_dense_1/kernel:0', [2048, 256]], ['head_dense_1/bias:0', [256]]]);
    expect(shapes(model, 'head_predictions')).toEqual([['head_predictions/kernel:0', [128, 1]], ['head_predictions/bias:0', [1]]]);
    expect(model.weights.avg_pool).toBeUndefined();

    // The head alone, like the reference workflow's top-weights.hdf5.
    const head = await json<{ path: string; check: { images: number; agree: number; maxAbsDiff: number } }>(['export', '--project', projectFile, '--run', String(runId), '--format', 'head', '--out', path.join(dir, 'top-weights')]);
    expect(head.check).toMatchObject({ images: 2, agree: 2 });
    expect(head.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const top = h5pyReport(path.join(head.path, 'head.h5'));
    expect(top.problems).toEqual([]);
    expect(top.modelClass).toBe('Sequential');
    expect(top.inputShape).toEqual([null, 2048]);
    const denses = ['head_dense_1', 'head_dense_2', 'head_predictions'];
    expect(top.weightsLayout.layerNames).toEqual(['head_dense_1', 'head_dropout_1', 'head_dense_2', 'head_dropout_2', 'head_predictions']);
    expect(Object.keys(top.weights)).toEqual(denses);
    expect(denses.flatMap((l) => shapes(top, l))).toEqual([
      ['head_dense_1/kernel:0', [2048, 256]], ['head_dense_1/bias:0', [256]],
      ['head_dense_2/kernel:0', [256, 128]], ['head_dense_2/bias:0', [128]],
      ['head_predictions/kernel:0', [128, 1]], ['head_predictions/bias:0', [1]],
    ]);
    // The same trained head as in the whole classifier.
    for (const l of denses) top.weights[l].forEach((w, i) => expect(w.sum).toBeCloseTo(model.weights[l][i].sum, 4));
  });

  it('onnx: one ONNX model run by ONNX Runtime on 0–255 pixels gives the studio’s probabilities within 1e-4, passes the ONNX checker; predict runs the folder and the bare file', async () => {
    const out = path.join(dir, 'onnx');
    const exp = await json<{ files: string[]; check: { images: number; agree: number; maxAbsDiff: number; runtime: string } }>(['export', '--project', projectFile, '--run', String(runId), '--format', 'onnx', '--out', out]);
    expect(exp.files.map((f) => path.basename(f)).sort()).toEqual(['README.md', 'labels.txt', 'metadata.json', 'model.onnx', 'signature.json']);
    expect(exp.check).toMatchObject({ images: 2, agree: 2 });
    expect(exp.check.runtime).toMatch(/onnxruntime/);
    expect(exp.check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    const sig = JSON.parse(fs.readFileSync(path.join(out, 'signature.json'), 'utf8'));
    expect(sig.input).toMatchObject({ name: 'image', shape: [null, 71, 71, 3], range: [0, 255] });
    expect(sig.outputs[0]).toMatchObject({ name: 'probabilities', shape: [null, 2] });
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toMatch(/onnxruntime as ort[\s\S]*onnxruntime-node/);

    const studio = storedVal(runId);
    const files = [...studio.keys()];
    const pixels = new Float32Array(files.length * 71 * 71 * 3);
    for (let i = 0; i < files.length; i++) pixels.set(await decodeImage(files[i], 71), i * 71 * 71 * 3);
    const probs = await runOnnx(path.join(out, 'model.onnx'), pixels, [files.length, 71, 71, 3]);
    files.forEach((f, i) => studio.get(f)!.forEach((p, j) => expect(Math.abs(probs[i * 2 + j] - p)).toBeLessThan(1e-4)));
    if (requireOnnxChecker()) {
      const report = onnxChecker(path.join(out, 'model.onnx'));
      expect(report.opset).toBeGreaterThanOrEqual(13);
      expect(JSON.parse(report.metadata.classes)).toEqual(['cat', 'dog']);
    }

    fs.copyFileSync(path.join(out, 'model.onnx'), path.join(dir, 'bare.onnx'));
    for (const model of [out, path.join(dir, 'bare.onnx')]) {
      const pred = await json<{ predictions: { probabilities: Record<string, number> }[] }>(['predict', '--model', model, ...files]);
      pred.predictions.forEach((p, i) => expect(Math.abs(p.probabilities.dog - studio.get(files[i])![1])).toBeLessThan(1e-4));
    }
  });

  it('an existing destination is refused (conflict naming the path) unless --overwrite; a disagreeing export fails and keeps nothing', async () => {
    const out = path.join(dir, 'onnx');
    const before = fs.readFileSync(path.join(out, 'signature.json'), 'utf8');
    const r = await run(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), 'export', '--project', projectFile, '--run', String(runId), '--format', 'onnx', '--out', out, '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${out} already exists`);
    expect(fs.readFileSync(path.join(out, 'signature.json'), 'utf8')).toBe(before);
    const again = await json<{ check: { agree: number } }>(['export', '--project', projectFile, '--run', String(runId), '--format', 'onnx', '--out', out, '--overwrite']);
    expect(again.check.agree).toBe(2);

    // Tamper with the run's stored validation probabilities: the export no longer agrees with them.
    const p = new Project(projectFile);
    try {
      p.db.prepare(`UPDATE run_predictions SET probs = ? WHERE evaluation_id = (SELECT MAX(id) FROM run_evaluations WHERE run_id = ? AND part = 'val')`).run(Buffer.from(new Float32Array([0.001, 0.999]).buffer), runId);
    } finally {
      p.close();
    }
    const bad = path.join(dir, 'disagree');
    const fail = await run(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), 'export', '--project', projectFile, '--run', String(runId), '--format', 'tfjs', '--out', bad, '--json']);
    expect(fail.code).not.toBe(0);
    expect(fail.stderr).toMatch(/does not predict what the studio predicts/);
    expect(fs.existsSync(bad)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('fine-tuning says how long it will take, then evaluates and exports the fine-tuned network', async () => {
    const t = await json<{ run: number; state: string; config: { fineTune: { epochs: number } }; curve: { epoch: number; phase: string }[] }>(['train', '--project', projectFile, '--epochs', '2', '--fine-tune-epochs', '1']);
    expect(t).toMatchObject({ state: 'done', config: { fineTune: { epochs: 1 } } });
    // The run was fine-tuned: its curve ends with the fine-tuning epoch.
    expect(t.curve.filter((e) => e.phase === 'fine-tune')).toHaveLength(1);
    expect(t.curve.at(-1)!.phase).toBe('fine-tune');
    expect(t.stderr).toMatch(/fine-tuning 1 epoch of 4 images will take about/);
    expect(t.stderr).toMatch(/fine-tune epoch 1\/1/);
    const ev = await json<{ model: string; images: number }>(['eval', '--project', projectFile, '--run', String(t.run), '--on', 'test']);
    expect(ev.model).toBe('fine-tuned');
    expect(ev.images).toBe(2);
    const out = path.join(dir, 'tuned');
    await json(['export', '--project', projectFile, '--run', String(t.run), '--format', 'tfjs', '--out', out]);
    const studio = storedVal(t.run);
    const files = [...studio.keys()];
    const pred = await json<{ predictions: { probabilities: Record<string, number> }[] }>(['predict', '--model', out, ...files]);
    pred.predictions.forEach((p, i) => expect(Math.abs(p.probabilities.dog - studio.get(files[i])![1])).toBeLessThan(1e-5));
  });
});
