import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';
import type { PredictResult } from '../../shared/api.ts';
import { StudioError } from '../../shared/errors.ts';
import { selectBackend } from './backend.ts';
import { argmaxRow } from './evaluate.ts';
import { outputToProbs } from './export/classifier.ts';
import { metadataPathFor, type ExportMetadata } from './export/metadata.ts';
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
  if (!fs.existsSync(file)) throw new StudioError('not-found', `${modelPath}: no export metadata at ${file} (class names and preprocessing); export with xstudio export --format tfjs|keras`);
  const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as ExportMetadata;
  if (meta.format !== 'xstudio-export') throw new StudioError('corrupt-file', `${file}: expected format "xstudio-export", found ${JSON.stringify(meta.format)}`);
  return meta;
}

export async function loadExport(modelPath: string): Promise<LoadedExport> {
  const abs = path.resolve(modelPath);
  if (!fs.existsSync(abs)) throw new StudioError('not-found', `--model ${abs} does not exist`);
  if (fs.statSync(abs).isDirectory() || abs.endsWith('.json')) {
    const dir = fs.statSync(abs).isDirectory() ? abs : path.dirname(abs);
    const meta = readMeta(metadataPathFor(dir, 'dir'), abs);
    const { model } = await loadLayersModelFromDisk(path.join(dir, 'model.json'));
    return { model, meta, file: dir };
  }
  const meta = readMeta(metadataPathFor(abs, 'file'), abs);
  const wf = await readKerasWeights(abs);
  if (!wf.modelConfig) throw new StudioError('invalid-argument', `${abs} holds weights only (no model_config); predict needs a full model (xstudio export --format keras)`);
  const model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(wf.modelConfig) as tf.io.ModelArtifacts['modelTopology'] } as tf.io.ModelJSON);
  await loadKerasWeightsInto(model, wf);
  return { model, meta, file: abs };
}

export async function predictImages(modelPath: string, images: string[], batchSize = 8): Promise<PredictResult> {
  if (images.length === 0) throw new StudioError('invalid-argument', 'no image given: pass one or more image files after --model');
  const backend = await selectBackend();
  const { model, meta, file } = await loadExport(modelPath);
  try {
    if (meta.model !== 'classifier' || !('inputSize' in meta.input)) {
      throw new StudioError('invalid-argument', `${file} is a head export: it takes backbone features, not images; export --format tfjs or keras to predict on images`);
    }
    const { inputSize, mode } = meta.input as { inputSize: number; mode: PreprocessMode };
    const C = meta.classes.length;
    const out: PredictResult['predictions'] = [];
    for (let s = 0; s < images.length; s += batchSize) {
      const chunk = images.slice(s, s + batchSize);
      const per = inputSize * inputSize * 3;
      const batch = new Float32Array(chunk.length * per);
      for (let i = 0; i < chunk.length; i++) {
        let px: Float32Array;
        try {
          px = await decodeImage(chunk[i], inputSize);
        } catch (e) {
          throw new StudioError('invalid-argument', `cannot read image ${chunk[i]}: ${(e as Error).message}`);
        }
        batch.set(applyPreprocess(mode, px), i * per);
      }
      const raw = tf.tidy(() => (model.predict(tf.tensor4d(batch, [chunk.length, inputSize, inputSize, 3])) as tf.Tensor).dataSync().slice());
      const probs = outputToProbs(raw as Float32Array, chunk.length, C);
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
    return { backend: backend.name, model: file, classes: meta.classes, predictions: out };
  } finally {
    model.dispose();
  }
}

/** n × C probabilities of a classifier model (image input) on image files; used to evaluate fine-tuned runs. */
export async function classifierProbs(model: tf.LayersModel, files: string[], inputSize: number, mode: PreprocessMode, numClasses: number, batchSize = 8): Promise<Float32Array> {
  const per = inputSize * inputSize * 3;
  const probs = new Float32Array(files.length * numClasses);
  for (let s = 0; s < files.length; s += batchSize) {
    const chunk = files.slice(s, s + batchSize);
    const batch = new Float32Array(chunk.length * per);
    const pixels = await Promise.all(chunk.map((f) => decodeImage(f, inputSize)));
    pixels.forEach((px, i) => batch.set(applyPreprocess(mode, px), i * per));
    const raw = tf.tidy(() => (model.predict(tf.tensor4d(batch, [chunk.length, inputSize, inputSize, 3])) as tf.Tensor).dataSync().slice());
    probs.set(outputToProbs(raw as Float32Array, chunk.length, numClasses), s * numClasses);
  }
  return probs;
}
