import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import type { PredictResult } from '../../shared/api.ts';
import { fieldError, StudioError } from '../../shared/errors.ts';
import { selectBackend } from './backend.ts';
import { argmaxRow } from '../common/metrics.ts';
import { inferenceEngine } from '../common/engine-choice.ts';
import { outputToProbs } from './export/classifier.ts';
import { metadataPathFor, ONNX_METADATA_KEY, type ExportMetadata } from '../common/export-metadata.ts';
import { loadKerasWeightsInto, readKerasWeights } from './keras-h5.ts';
import { loadLayersModelFromDisk } from './layers-model-loader.ts';
import { applyPreprocess, decodeImage, type PreprocessMode } from './preprocess.ts';

/**
 * Runs an exported classifier (a tfjs folder / model.json, or a Keras .h5
 * file with its .json metadata) on image files, with no project: the proof
 * that an export works on its own.
 */
// The result's shape is the contract's (src/shared/api.ts), shared with the studio's "Try it".
export type { PredictResult };

interface LoadedExport {
  model: tf.LayersModel;
  meta: ExportMetadata;
  file: string;
}

function readMeta(file: string, modelPath: string): ExportMetadata {
  if (!fs.existsSync(file)) throw new StudioError('not-found', `${modelPath}: no export metadata at ${file} (class names and preprocessing); export the run as TF.js, Keras or ONNX`);
  return checkMeta(parseJson(fs.readFileSync(file, 'utf8'), `${file} (export metadata)`) as ExportMetadata, file);
}

function checkMeta(meta: ExportMetadata, where: string): ExportMetadata {
  if (meta.format !== 'xstudio-export') throw new StudioError('invalid-argument', `${where}: expected format "xstudio-export", found ${JSON.stringify(meta.format)}`);
  return meta;
}

/** The model file of an export folder: model.json (tfjs), model.onnx, model.h5 (keras) or head.h5. */
export const EXPORT_MODEL_FILES = ['model.json', 'model.onnx', 'model.h5', 'head.h5'] as const;

async function loadKerasFile(abs: string, meta: ExportMetadata): Promise<LoadedExport> {
  const wf = await readKerasWeights(abs);
  if (!wf.modelConfig) throw new StudioError('invalid-argument', `${abs} holds weights only (no model_config); predicting needs a full model (export the run as Keras)`);
  const topology = parseJson(wf.modelConfig, `${abs}: the model_config attribute`) as tf.io.ModelArtifacts['modelTopology'];
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
  } catch (e) {
    throw new StudioError('invalid-argument', `${abs}: its model_config could not be built by TF.js layers: ${(e as Error).message.split('\n')[0]}`);
  }
  await loadKerasWeightsInto(model, wf);
  return { model, meta, file: abs };
}

export async function loadExport(modelPath: string): Promise<LoadedExport> {
  const abs = path.resolve(modelPath);
  if (!fs.existsSync(abs)) throw fieldError('not-found', 'model', `${abs} does not exist`);
  if (fs.statSync(abs).isDirectory() || abs.endsWith('.json')) {
    const dir = fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
    const meta = readMeta(metadataPathFor(dir, 'dir'), abs);
    for (const f of ['model.h5', 'head.h5']) if (fs.existsSync(path.join(dir, f))) return loadKerasFile(path.join(dir, f), meta);
    const { model } = await loadLayersModelFromDisk(path.join(dir, 'model.json'));
    return { model, meta, file: dir };
  }
  // An HDF5 file: inside an export folder (metadata.json beside it), or an older export with <file>.json.
  const beside = metadataPathFor(path.dirname(abs), 'dir');
  const meta = readMeta(fs.existsSync(beside) ? beside : metadataPathFor(abs, 'file'), abs);
  return loadKerasFile(abs, meta);
}

/**
 * An export, opened with its format's runtime: `probs` takes raw RGB 0–255
 * pixels (decodeImage output, NHWC, already resized) and returns n × C
 * probabilities in class order.
 */
export interface OpenedExport {
  meta: ExportMetadata;
  file: string;
  runtime: string;
  inputSize: number;
  probs(pixels: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

function isOnnx(abs: string): string | null {
  if (abs.endsWith('.onnx') && fs.existsSync(abs) && fs.statSync(abs).isFile()) return abs;
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory() && fs.existsSync(path.join(abs, 'model.onnx'))) return path.join(abs, 'model.onnx');
  return null;
}

async function openOnnx(file: string): Promise<OpenedExport> {
  const beside = metadataPathFor(path.dirname(file), 'dir');
  let meta: ExportMetadata;
  if (fs.existsSync(beside)) meta = readMeta(beside, file);
  else {
    // A bare .onnx file: the studio's metadata travels in the model's metadata_props.
    const { decodeModel } = await import('./export/onnx/proto.ts');
    const props = decodeModel(fs.readFileSync(file)).metadataProps ?? [];
    const entry = props.find((p) => p.key === ONNX_METADATA_KEY);
    if (!entry) throw new StudioError('not-found', `${file}: no ${ONNX_METADATA_KEY} entry in the model's metadata (class names and preprocessing); export the run as ONNX from the studio`);
    meta = checkMeta(parseJson(entry.value, `${file}: its ${ONNX_METADATA_KEY} metadata`) as ExportMetadata, file);
  }
  if (meta.model !== 'classifier' || !('inputSize' in meta.input)) throw new StudioError('invalid-argument', `${file} is not an image classifier export`);
  const inputSize = meta.input.inputSize;
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file);
  const C = meta.classes.length;
  return {
    meta, file, runtime: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), inputSize,
    async probs(pixels, n) {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', pixels, [n, inputSize, inputSize, 3]) });
      const data = out[session.outputNames[0]].data as Float32Array;
      if (data.length !== n * C) throw new StudioError('invalid-argument', `${file}: output has ${data.length} values for ${n} images × ${C} classes`);
      return Float32Array.from(data);
    },
    dispose: async () => {
      await session.release();
    },
  };
}

/** Opens any image-classifier export (tfjs folder or model.json, Keras HDF5, ONNX) with its runtime. */
/**
 * `ownRuntime`: run a TF.js or Keras export with TF.js itself, never the ONNX
 * engine — an export's self-check must prove the file works in its format's
 * runtime; predict and Try it take the fastest engine.
 */
export async function openExport(modelPath: string, o: { ownRuntime?: boolean } = {}): Promise<OpenedExport> {
  const abs = path.resolve(modelPath);
  if (!fs.existsSync(abs)) throw fieldError('not-found', 'model', `${abs} does not exist`);
  const onnx = isOnnx(abs);
  if (onnx) return openOnnx(onnx);
  const { model, meta, file } = await loadExport(abs);
  if (meta.model !== 'classifier' || !('inputSize' in meta.input)) {
    model.dispose();
    throw new StudioError('invalid-argument', `${file} is a head export: it takes backbone features, not images; export the run as TF.js, Keras or ONNX to predict on images`);
  }
  const { inputSize, mode } = meta.input as { inputSize: number; mode: PreprocessMode };
  const C = meta.classes.length;
  const per = inputSize * inputSize * 3;
  // A TF.js or Keras export is still run by ONNX Runtime on the CPU (converted in
  // memory): the format says how the model is stored, not what runs it fastest.
  const viaOnnx = o.ownRuntime ? null : await onnxOrNull(model, mode, C, inputSize);
  if (viaOnnx) {
    return {
      meta, file, runtime: `onnxruntime (in memory, from ${file.endsWith('.h5') ? 'keras-h5' : 'tfjs'})`, inputSize,
      probs: (pixels, n) => viaOnnx.probs(pixels, n),
      dispose: async () => {
        await viaOnnx.release();
        model.dispose();
      },
    };
  }
  return {
    meta, file, runtime: file.endsWith('.h5') ? `keras-h5 reader + tfjs ${tf.version.tfjs}` : `tfjs ${tf.version.tfjs}`, inputSize,
    async probs(pixels, n) {
      const batch = new Float32Array(n * per);
      for (let i = 0; i < n; i++) batch.set(applyPreprocess(mode, pixels.subarray(i * per, (i + 1) * per)), i * per);
      const raw = tf.tidy(() => (model.predict(tf.tensor4d(batch, [n, inputSize, inputSize, 3])) as tf.Tensor).dataSync().slice());
      return outputToProbs(raw as Float32Array, n, C);
    },
    dispose: async () => {
      model.dispose();
    },
  };
}

export async function predictImages(modelPath: string, images: string[], batchSize = 8): Promise<PredictResult> {
  if (images.length === 0) throw fieldError('invalid-argument', 'files', 'no image given: name one or more image files');
  const backend = await selectBackend();
  const opened = await openExport(modelPath);
  try {
    const { meta, inputSize } = opened;
    const C = meta.classes.length;
    const per = inputSize * inputSize * 3;
    const out: PredictResult['predictions'] = [];
    for (let s = 0; s < images.length; s += batchSize) {
      const chunk = images.slice(s, s + batchSize);
      const batch = new Float32Array(chunk.length * per);
      for (let i = 0; i < chunk.length; i++) {
        let px: Float32Array;
        try {
          px = await decodeImage(chunk[i], inputSize);
        } catch (e) {
          throw new StudioError('invalid-argument', `cannot read image ${chunk[i]}: ${(e as Error).message}`);
        }
        batch.set(px, i * per);
      }
      const probs = await opened.probs(batch, chunk.length);
      chunk.forEach((p, i) => {
        const k = argmaxRow(probs, i, C);
        out.push({
          path: path.resolve(p),
          label: meta.classes[k],
          confidence: probs[i * C + k],
          probabilities: Object.fromEntries(meta.classes.map((c, j) => [c, probs[i * C + j]])),
        });
      });
    }
    return { backend: opened.runtime.startsWith('onnx') ? opened.runtime : backend.name, model: opened.file, classes: meta.classes, predictions: out };
  } finally {
    await opened.dispose();
  }
}

/**
 * The classifier on ONNX Runtime when that is the inference engine and the
 * writer converts every layer; else null (TF.js runs it, as before).
 */
async function onnxOrNull(model: tf.LayersModel, mode: PreprocessMode, numClasses: number, inputSize: number): Promise<import('./onnx-engine.ts').OnnxClassifier | null> {
  if (inferenceEngine().engine !== 'onnxruntime') return null;
  const { onnxClassifier } = await import('./onnx-engine.ts');
  try {
    return await onnxClassifier(model, { preprocess: mode, numClasses, inputSize });
  } catch (e) {
    if (e instanceof StudioError && e.code === 'unavailable') return null;
    throw e;
  }
}

/**
 * n × C probabilities of a classifier model (image input) on image files; used
 * to evaluate fine-tuned runs (on the inference engine). `tfjsOnly`: TF.js
 * itself, for the exports' self-check reference (an ONNX export checked
 * against the same writer's in-memory graph would check nothing).
 */
export async function classifierProbs(model: tf.LayersModel, files: string[], inputSize: number, mode: PreprocessMode, numClasses: number, batchSize = 8, o: { tfjsOnly?: boolean } = {}): Promise<Float32Array> {
  const per = inputSize * inputSize * 3;
  const probs = new Float32Array(files.length * numClasses);
  const onnx = o.tfjsOnly ? null : await onnxOrNull(model, mode, numClasses, inputSize);
  try {
    for (let s = 0; s < files.length; s += batchSize) {
      const chunk = files.slice(s, s + batchSize);
      const batch = new Float32Array(chunk.length * per);
      const pixels = await Promise.all(chunk.map((f) => decodeImage(f, inputSize)));
      if (onnx) {
        // Raw pixels: the ONNX graph preprocesses.
        pixels.forEach((px, i) => batch.set(px, i * per));
        probs.set(await onnx.probs(batch, chunk.length), s * numClasses);
        continue;
      }
      pixels.forEach((px, i) => batch.set(applyPreprocess(mode, px), i * per));
      const raw = tf.tidy(() => (model.predict(tf.tensor4d(batch, [chunk.length, inputSize, inputSize, 3])) as tf.Tensor).dataSync().slice());
      probs.set(outputToProbs(raw as Float32Array, chunk.length, numClasses), s * numClasses);
    }
  } finally {
    await onnx?.release();
  }
  return probs;
}

/** JSON from a file the user handed us: a damaged one is invalid-argument naming it, never 'internal'. */
function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StudioError('invalid-argument', `${where} is not valid JSON: ${(e as Error).message}`);
  }
}
