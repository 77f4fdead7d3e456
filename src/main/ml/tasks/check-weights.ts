import { loadBackbone } from '../backbone.ts';
import type { TaskHandler } from './task.ts';

/**
 * Proves a Keras weights file fits Xception: builds the network at the
 * smallest input size and assigns every weight (the loader checks names and
 * shapes and throws a StudioError naming the layer otherwise).
 */
export const checkWeightsTask: TaskHandler<{ file: string }, { backboneId: string; featureDim: number }> = async ({ file }) => {
  const backbone = await loadBackbone({ kind: 'xception', weightsFile: file, inputSize: 71 });
  try {
    return { backboneId: backbone.id, featureDim: backbone.featureDim };
  } finally {
    backbone.dispose();
  }
};
