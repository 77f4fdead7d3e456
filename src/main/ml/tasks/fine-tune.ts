import path from 'node:path';
import { loadBackbone, type BackboneSpec } from '../backbone.ts';
import { saveLayersModel } from '../export/tfjs.ts';
import { writeAtomically } from '../../common/atomic-write.ts';
import { fineTune, measureFineTune, type FineTuneEstimate, type FineTuneImage } from '../finetune.ts';
import { initHeadWeights, type EpochMetrics, type HeadWeights } from '../head.ts';
import { loadLayersModelFromDisk } from '../layers-model-loader.ts';
import { classifierProbs } from '../predict.ts';
import type { PreprocessMode } from '../preprocess.ts';
import type { FineTuneConfig, HeadConfig } from '../../../shared/run-config.ts';
import { fineTuneBackend } from '../training-backend.ts';
import type { TaskHandler } from './task.ts';

export interface FineTunePayload {
  spec: BackboneSpec;
  head: HeadWeights;
  train: FineTuneImage[];
  val: FineTuneImage[];
  config: FineTuneConfig;
  seed: number;
  /** Folder for the best fine-tuned classifier (model.json + weights), replaced on every improvement. */
  outDir: string;
}

export type FineTunePartial =
  | { type: 'backend'; backend: string; note: string | null }
  | { type: 'estimate'; estimate: FineTuneEstimate }
  | { type: 'epoch'; metrics: EpochMetrics; best: boolean };

export interface FineTuneTaskResult {
  backend: string;
  note: string | null;
  history: EpochMetrics[];
  bestEpoch: number;
  estimate: FineTuneEstimate | null;
  /** The best checkpoint's probabilities on the validation images (n × classes), in payload order. */
  valProbs: Float32Array | null;
  modelJson: string;
}

/** Stage 2 in the worker: backbone + head end to end on images. */
export const fineTuneTask: TaskHandler<FineTunePayload, FineTuneTaskResult, FineTunePartial> = async (p, ctx) => {
  const backend = await fineTuneBackend();
  ctx.emit({ type: 'backend', backend: backend.name, note: backend.note } satisfies FineTunePartial);
  const backbone = await loadBackbone(p.spec);
  const modelJson = path.join(p.outDir, 'model.json');
  try {
    const total = p.config.epochs;
    const r = await fineTune({
      backbone,
      head: p.head,
      train: p.train,
      val: p.val,
      config: p.config,
      seed: p.seed,
      signal: ctx.signal,
      onEstimate: (estimate) => ctx.emit({ type: 'estimate', estimate } satisfies FineTunePartial),
      onBatch: ({ epoch, batch, batches, loss }) =>
        ctx.progress({ done: (epoch - 1) * batches + batch, total: total * batches, unit: 'batches', message: `fine-tuning epoch ${epoch}/${total}`, detail: { epoch, batch, batches, loss } }),
      onBest: async (model) => {
        await writeAtomically(p.outDir, 'dir', (tmp) => saveLayersModel(model, tmp));
      },
      onEpoch: (metrics, best) => ctx.emit({ type: 'epoch', metrics, best } satisfies FineTunePartial),
    });
    let valProbs: Float32Array | null = null;
    if (p.val.length) {
      const best = await loadLayersModelFromDisk(modelJson);
      try {
        valProbs = await classifierProbs(best.model, p.val.map((v) => v.path), backbone.inputSize, backbone.preprocess as PreprocessMode, p.head.numClasses);
      } finally {
        best.model.dispose();
      }
    }
    return { backend: backend.name, note: backend.note, history: r.history, bestEpoch: r.bestEpoch, estimate: r.estimate, valProbs, modelJson };
  } finally {
    backbone.dispose();
  }
};

export interface EvaluateImagesPayload {
  modelJson: string;
  files: string[];
  inputSize: number;
  preprocess: PreprocessMode;
  numClasses: number;
}

/** Probabilities of a saved (fine-tuned) classifier on image files. */
export const evaluateImagesTask: TaskHandler<EvaluateImagesPayload, { backend: string; probs: Float32Array }> = async (p) => {
  const { selectBackend } = await import('../backend.ts');
  const backend = await selectBackend();
  const m = await loadLayersModelFromDisk(p.modelJson);
  try {
    return { backend: backend.name, probs: await classifierProbs(m.model, p.files, p.inputSize, p.preprocess, p.numClasses) };
  } finally {
    m.model.dispose();
  }
};

export interface EstimateFineTunePayload {
  spec: BackboneSpec;
  numClasses: number;
  /** The run's head configuration: a fresh head of that shape is timed with the backbone. */
  headConfig: HeadConfig;
  seed: number;
  /** A batch worth of training images. */
  images: FineTuneImage[];
  config: FineTuneConfig;
  trainCount: number;
  valCount: number;
}

/** Times a few real fine-tuning steps on this worker's backend, before a run starts. */
export const estimateFineTuneTask: TaskHandler<EstimateFineTunePayload, FineTuneEstimate & { backend: string; note: string | null; steps: number; batchSize: number }> = async (p) => {
  const backend = await fineTuneBackend();
  const backbone = await loadBackbone(p.spec);
  try {
    const head = initHeadWeights(backbone.featureDim, p.numClasses, p.headConfig, p.seed);
    const e = await measureFineTune({ backbone, images: p.images, numClasses: p.numClasses, head, config: p.config, trainCount: p.trainCount, valCount: p.valCount });
    return { ...e, backend: backend.name, note: backend.note };
  } finally {
    backbone.dispose();
  }
};
