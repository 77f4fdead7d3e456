import type { PredictResult } from '../../../shared/api.ts';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ExportCheck } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import { selectBackend } from '../backend.ts';
import { loadBackbone, type BackboneSpec } from '../backbone.ts';
import { argmaxRow } from '../../common/metrics.ts';
import { writeAtomically } from '../../common/atomic-write.ts';
import { writeCarriers, writeSignature, type BundleFormat, type SignatureInput } from '../export/bundle.ts';
import { buildClassifier } from '../export/classifier.ts';
import { saveKerasModel } from '../export/keras.ts';
import { metadataPathFor, ONNX_METADATA_KEY, type ExportMetadata } from '../../common/export-metadata.ts';
import { ONNX_INPUT, ONNX_OUTPUT, tfjsModelToOnnx } from '../export/onnx/graph.ts';
import { saveLayersModel } from '../export/tfjs.ts';
import { headModel, type HeadWeights } from '../head.ts';
import { loadLayersModelFromDisk } from '../layers-model-loader.ts';
import { decodeImage, type PreprocessMode } from '../preprocess.ts';
import type { TaskContext, TaskHandler } from './task.ts';

export type ModelExportFormat = 'tfjs' | 'keras' | 'onnx' | 'head';

export interface ExportCheckInput {
  /** Validation images to run (at most 200, chosen by the core). */
  files: string[];
  /** The studio's stored probabilities for those images, n × C; null: the studio's in-memory model computes them here. */
  reference: Float32Array | null;
  /** Features of the same images (n × featureDim), to check a head export; null when absent. */
  features?: Float32Array | null;
  tolerance: number;
}

export interface ExportModelPayload {
  format: ModelExportFormat;
  out: string;
  overwrite?: boolean;
  /** The backbone to put under the head (tfjs / keras / onnx from a head-only run). */
  spec?: BackboneSpec;
  head: HeadWeights;
  /** A fine-tuned classifier (model.json) to export instead of backbone + head. */
  fineTunedModel?: string;
  metadata: ExportMetadata;
  studioVersion: string;
  check?: ExportCheckInput;
}

export interface ExportModelResult {
  backend: string;
  path: string;
  ms: number;
  writeMs: number;
  check: ExportCheck | null;
}

/** The model file inside each format's export folder. */
export const MODEL_FILE: Record<ModelExportFormat, string> = { tfjs: 'model.json', keras: 'model.h5', onnx: 'model.onnx', head: 'head.h5' };

function compare(probs: Float32Array, reference: Float32Array, n: number, C: number): { agree: number; maxAbsDiff: number } {
  let agree = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < n; i++) {
    if (argmaxRow(probs, i, C) === argmaxRow(reference, i, C)) agree++;
    for (let j = 0; j < C; j++) {
      const d = Math.abs(probs[i * C + j] - reference[i * C + j]);
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
  }
  return { agree, maxAbsDiff };
}

/**
 * Runs the written export with its own runtime on the check images and
 * compares with the studio's probabilities; throws (so nothing is kept)
 * when a class differs or a probability is further than the tolerance.
 */
async function selfCheck(p: ExportModelPayload, dir: string, model: tf.LayersModel, ctx: TaskContext): Promise<ExportCheck | null> {
  const c = p.check;
  if (!c || c.files.length === 0) return null;
  const t0 = performance.now();
  const C = p.metadata.classes.length;
  const n = c.files.length;
  let probs: Float32Array;
  let runtime: string;
  let reference = c.reference;
  if (p.format === 'head') {
    if (!c.features) return null;
    const { loadExport } = await import('../predict.ts');
    const loaded = await loadExport(dir);
    try {
      const dim = c.features.length / n;
      const { outputToProbs } = await import('../export/classifier.ts');
      probs = outputToProbs(tf.tidy(() => (loaded.model.predict(tf.tensor2d(c.features!, [n, dim])) as tf.Tensor).dataSync().slice()) as Float32Array, n, C);
      if (!reference) reference = outputToProbs(tf.tidy(() => (model.predict(tf.tensor2d(c.features!, [n, dim])) as tf.Tensor).dataSync().slice()) as Float32Array, n, C);
    } finally {
      loaded.model.dispose();
    }
    runtime = `keras-h5 reader + tfjs ${tf.version.tfjs}`;
  } else {
    const { openExport, classifierProbs } = await import('../predict.ts');
    const meta = p.metadata.input as { inputSize: number; mode: PreprocessMode };
    const opened = await openExport(dir, { ownRuntime: true });
    try {
      probs = new Float32Array(n * C);
      const per = meta.inputSize * meta.inputSize * 3;
      for (let s = 0; s < n; s += 8) {
        if (ctx.signal.aborted) throw new StudioError('cancelled', `export of ${p.format} cancelled while checking`);
        ctx.progress({ done: s, total: n, unit: 'images', message: `checking the ${p.format} export with ${opened.runtime}` });
        const chunk = c.files.slice(s, s + 8);
        const px = new Float32Array(chunk.length * per);
        for (let i = 0; i < chunk.length; i++) px.set(await decodeImage(chunk[i], meta.inputSize), i * per);
        probs.set(await opened.probs(px, chunk.length), s * C);
      }
      runtime = opened.runtime;
    } finally {
      await opened.dispose();
    }
    if (!reference) reference = await classifierProbs(model, c.files, meta.inputSize, meta.mode, C, 8, { tfjsOnly: true });
  }
  const { agree, maxAbsDiff } = compare(probs, reference, n, C);
  const check: ExportCheck = { images: n, agree, maxAbsDiff, tolerance: c.tolerance, runtime, reference: c.reference ? 'stored-predictions' : 'studio-model', ms: performance.now() - t0 };
  if (agree !== n || !(maxAbsDiff <= c.tolerance)) {
    throw new StudioError('invalid-argument', `the ${p.format} export does not predict what the studio predicts: same class on ${agree} of ${n} validation images, largest probability difference ${maxAbsDiff.toExponential(2)} (tolerance ${c.tolerance}); nothing was kept`);
  }
  return check;
}

/**
 * Model exports in the worker. Each is a folder (the model file, metadata.json,
 * labels.txt, README.md, signature.json) written under a temporary name,
 * loaded back with the format's runtime and checked against the studio's
 * predictions, and renamed into place only when it agrees.
 */
export const exportModelTask: TaskHandler<ExportModelPayload, ExportModelResult> = async (p, ctx) => {
  const backend = await selectBackend();
  const t0 = performance.now();
  ctx.progress({ done: 0, total: 3, unit: 'steps', message: 'building the model' });
  let model: tf.LayersModel;
  let dispose: () => void;
  if (p.format === 'head') {
    model = headModel(p.head);
    dispose = () => model.dispose();
  } else if (p.fineTunedModel) {
    model = (await loadLayersModelFromDisk(p.fineTunedModel)).model;
    dispose = () => model.dispose();
  } else {
    const backbone = await loadBackbone(p.spec!);
    model = buildClassifier(backbone, p.head);
    dispose = () => backbone.dispose();
  }
  try {
    ctx.progress({ done: 1, total: 3, unit: 'steps', message: `writing ${p.format}` });
    const out = path.resolve(p.out);
    let writeMs = 0;
    const check = await writeAtomically(out, 'dir', async (tmp) => {
      const tw = performance.now();
      const modelFile = MODEL_FILE[p.format];
      if (p.format === 'tfjs') await saveLayersModel(model, tmp);
      else if (p.format === 'onnx') {
        const bytes = tfjsModelToOnnx(model, {
          preprocess: (p.metadata.input as { mode: PreprocessMode }).mode,
          classes: p.metadata.classes,
          producerVersion: p.studioVersion,
          docString: `Xception Studio run ${p.metadata.run.id} (${p.metadata.backbone.name ?? p.metadata.backbone.kind}): RGB 0-255 NHWC in, class probabilities out`,
          metadata: { [ONNX_METADATA_KEY]: JSON.stringify(p.metadata) },
        });
        fs.writeFileSync(path.join(tmp, modelFile), bytes);
      } else await saveKerasModel(model, path.join(tmp, modelFile));
      fs.writeFileSync(metadataPathFor(tmp, 'dir'), JSON.stringify(p.metadata, null, 2));
      const sig: SignatureInput = {
        format: p.format as BundleFormat,
        meta: p.metadata,
        inputName: p.format === 'onnx' ? ONNX_INPUT : model.inputs[0].name,
        outputName: p.format === 'onnx' ? ONNX_OUTPUT : model.outputNames[0],
        studioVersion: p.studioVersion,
        check: null,
      };
      writeCarriers(tmp, sig, modelFile);
      writeMs = performance.now() - tw;
      ctx.progress({ done: 2, total: 3, unit: 'steps', message: `checking the ${p.format} export on ${p.check?.files.length ?? 0} validation images` });
      const result = await selfCheck(p, tmp, model, ctx);
      writeSignature(tmp, { ...sig, check: result });
      return result;
    }, { overwrite: p.overwrite ?? false, field: 'out' });
    ctx.progress({ done: 3, total: 3, unit: 'steps' });
    return { backend: backend.name, path: out, ms: performance.now() - t0, writeMs, check };
  } finally {
    dispose();
  }
};

/** `xstudio predict` as a task, so the UI can run it off the main loop. */
export const predictExportTask: TaskHandler<{ model: string; images: string[] }, PredictResult> = async (p) => {
  const { predictImages } = await import('../predict.ts');
  return predictImages(p.model, p.images);
};

