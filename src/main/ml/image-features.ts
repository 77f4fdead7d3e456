import type { ImageFeaturesResult } from '../../shared/api.ts';
import fs from 'node:fs';
import { StudioError } from '../../shared/errors.ts';
import { selectBackend, useBackendForWeights } from './backend.ts';
import { inferenceEngine } from '../common/engine-choice.ts';
import { loadBackbone, type BackboneSpec } from './backbone.ts';
import { frozenRunner } from './inference.ts';
import { releaseOnnx } from './onnx-engine.ts';
import { applyPreprocess, decodeImage, INTERPOLATION } from './preprocess.ts';

export type { ImageFeaturesResult };

/**
 * Features for a few image files, with no project: the contract for checking
 * the network against other implementations (`xstudio features`). Runs in
 * the calling process; bulk extraction goes through the job runner instead.
 */
export async function computeImageFeatures(
  spec: BackboneSpec,
  files: string[],
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImageFeaturesResult> {
  if (files.length === 0) throw new StudioError('invalid-argument', 'no image given: pass one or more image files');
  // Fail before the (seconds-long) backbone load.
  const missing = files.find((f) => !fs.existsSync(f));
  if (missing) throw new StudioError('not-found', `image ${missing} not found`);
  const backend = await selectBackend();
  if (inferenceEngine().engine === 'onnxruntime') await useBackendForWeights();
  const backbone = await loadBackbone(spec);
  try {
    const runner = await frozenRunner(backbone);
    const batchSize = Math.max(1, opts.batchSize ?? 8);
    const per = backbone.inputSize * backbone.inputSize * 3;
    const features: ImageFeaturesResult['features'] = [];
    for (let i = 0; i < files.length; i += batchSize) {
      const chunk = files.slice(i, i + batchSize);
      const pixels = await Promise.all(chunk.map((f) => decodeImage(f, backbone.inputSize)));
      const batch = new Float32Array(chunk.length * per);
      pixels.forEach((p, j) => batch.set(applyPreprocess(backbone.preprocess, p), j * per));
      const out = await runner.predict(batch, chunk.length);
      chunk.forEach((path, j) => features.push({ path, vector: Array.from(out.subarray(j * backbone.featureDim, (j + 1) * backbone.featureDim)) }));
      opts.onProgress?.(features.length, files.length);
    }
    return {
      backend: runner.engine === 'onnxruntime' ? 'onnxruntime' : backend.name, backbone: backbone.id, randomInit: backbone.randomInit, inputSize: backbone.inputSize,
      preprocess: backbone.preprocess, interpolation: INTERPOLATION, featureLayer: backbone.featureLayer,
      dim: backbone.featureDim, features,
    };
  } finally {
    await releaseOnnx(backbone.id);
    backbone.dispose();
  }
}
