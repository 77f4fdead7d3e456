import type { PredictResult } from '../../../shared/api.ts';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend.ts';
import { loadBackbone, type BackboneSpec } from '../backbone.ts';
import { writeAtomically } from '../export/atomic.ts';
import { buildClassifier } from '../export/classifier.ts';
import { saveKerasModel } from '../export/keras.ts';
import { metadataPathFor, type ExportMetadata } from '../export/metadata.ts';
import { saveLayersModel } from '../export/tfjs.ts';
import { headModel, type HeadWeights } from '../head.ts';
import { writeFileAtomic } from '../head-io.ts';
import { loadLayersModelFromDisk } from '../layers-model-loader.ts';
import type { TaskHandler } from './task.ts';

export interface ExportModelPayload {
  format: 'tfjs' | 'keras' | 'head';
  out: string;
  /** The backbone to put under the head (tfjs / keras from a head-only run). */
  spec?: BackboneSpec;
  head: HeadWeights;
  /** A fine-tuned classifier (model.json) to export instead of backbone + head. */
  fineTunedModel?: string;
  metadata: ExportMetadata;
}

/** Model exports in the worker; each is written under a temporary name and renamed when complete. */
export const exportModelTask: TaskHandler<ExportModelPayload, { backend: string; path: string; ms: number }> = async (p, ctx) => {
  const backend = await selectBackend();
  const t0 = performance.now();
  ctx.progress({ done: 0, total: 2, unit: 'steps', message: 'building the model' });
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
    ctx.progress({ done: 1, total: 2, unit: 'steps', message: `writing ${p.format}` });
    const out = path.resolve(p.out);
    if (p.format === 'tfjs') {
      await writeAtomically(out, 'dir', async (tmp) => {
        await saveLayersModel(model, tmp);
        fs.writeFileSync(metadataPathFor(tmp, 'dir'), JSON.stringify(p.metadata, null, 2));
      });
    } else {
      // The metadata sidecar first: the model file appearing means the export is complete.
      writeFileAtomic(metadataPathFor(out, 'file'), JSON.stringify(p.metadata, null, 2));
      await writeAtomically(out, 'file', (tmp) => saveKerasModel(model, tmp));
    }
    ctx.progress({ done: 2, total: 2, unit: 'steps' });
    return { backend: backend.name, path: out, ms: performance.now() - t0 };
  } finally {
    dispose();
  }
};

/** `xstudio predict` as a task, so the UI can run it off the main loop. */
export const predictExportTask: TaskHandler<{ model: string; images: string[] }, PredictResult> = async (p) => {
  const { predictImages } = await import('../predict.ts');
  return predictImages(p.model, p.images);
};
