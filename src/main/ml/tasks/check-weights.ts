import { StudioError } from '../../../shared/errors.ts';
import { BUILTIN_BACKBONES, BUILTIN_NAMES, type BuiltinName } from '../backbones/index.ts';
import { loadBackbone } from '../backbone.ts';
import type { TaskHandler } from './task.ts';

/**
 * Proves a Keras weights file fits a built-in backbone: builds the network at
 * a small input size and assigns every weight (the loader checks names and
 * shapes and throws a StudioError naming the layer otherwise). Without a
 * backbone named, each is tried in turn and the first that loads is said.
 */
export const checkWeightsTask: TaskHandler<{ file: string; backbone?: BuiltinName }, { backbone: BuiltinName; backboneId: string; featureDim: number }> = async ({ file, backbone }) => {
  const errors: string[] = [];
  for (const name of backbone ? [backbone] : BUILTIN_NAMES) {
    try {
      const b = await loadBackbone({ kind: name, weightsFile: file, inputSize: Math.max(BUILTIN_BACKBONES[name].minInput, 71) });
      b.dispose();
      return { backbone: name, backboneId: b.id, featureDim: b.featureDim };
    } catch (e) {
      if (backbone || !(e instanceof StudioError) || e.code !== 'invalid-argument' || / is not an HDF5 file| is truncated|not in the Keras layout/.test(e.message)) throw e;
      errors.push(`${name}: ${e.message}`);
    }
  }
  throw new StudioError('invalid-argument', `${file} fits none of the built-in backbones:\n  ${errors.join('\n  ')}`);
};
