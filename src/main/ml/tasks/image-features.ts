import type { ImageFeaturesResult } from '../../../shared/api.ts';
import type { BackboneSpec } from '../backbone.ts';
import type { TaskHandler } from './task.ts';

export interface ImageFeaturesPayload {
  spec: BackboneSpec;
  files: string[];
  batchSize?: number;
}

/** Feature vectors of image files, with no project: the `features` call (checks against other implementations). */
export const imageFeaturesTask: TaskHandler<ImageFeaturesPayload, ImageFeaturesResult> = async (p, ctx) => {
  const { computeImageFeatures } = await import('../image-features.ts');
  return computeImageFeatures(p.spec, p.files, {
    batchSize: p.batchSize,
    onProgress: (done, total) => ctx.progress({ done, total, unit: 'images' }),
  });
};
