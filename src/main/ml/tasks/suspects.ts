import { selectBackend } from '../backend.ts';
import { crossValidatedProbabilities, type CrossValidationInput } from '../suspects.ts';
import type { TaskHandler } from './task.ts';

export type SuspectsPayload = CrossValidationInput;

/** Out-of-sample probabilities by k-fold cross-validation of the head (the ranking is done by the core). */
export const suspectsTask: TaskHandler<SuspectsPayload, { backend: string; probs: Float32Array }> = async (p, ctx) => {
  const backend = await selectBackend();
  const probs = crossValidatedProbabilities({
    ...p,
    signal: ctx.signal,
    onFold: (fold, folds) => ctx.progress({ done: fold - 1, total: folds, unit: 'folds', message: `fold ${fold}/${folds}` }),
  });
  return { backend: backend.name, probs };
};
