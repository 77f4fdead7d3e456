import { selectBackend } from '../backend.ts';
import { crossValidatedProbabilities, foldProbabilities, type CrossValidationInput } from '../suspects.ts';
import type { TaskHandler } from './task.ts';

export type SuspectsPayload = CrossValidationInput & {
  /** One fold only (the core runs the folds in parallel, one task each); absent: every fold here. */
  fold?: number;
};

export interface SuspectsTaskResult {
  backend: string;
  /** With `fold`: the held-out rows and their probabilities; else every row (held = all). */
  held: Int32Array | null;
  probs: Float32Array;
  seconds: number;
}

/** Out-of-sample probabilities by k-fold cross-validation (the ranking is done by the core). */
export const suspectsTask: TaskHandler<SuspectsPayload, SuspectsTaskResult> = async (p, ctx) => {
  // The logistic ranker is plain JS: no TF.js backend to start for it.
  const backend = p.ranker === 'logistic' ? { name: 'js' } : await selectBackend();
  const t = performance.now();
  if (p.fold !== undefined) {
    ctx.progress({ done: 0, total: 1, unit: 'folds', message: `fold ${p.fold + 1}/${p.folds}` });
    const r = foldProbabilities({ ...p, fold: p.fold, signal: ctx.signal });
    return { backend: backend.name, held: r.held, probs: r.probs, seconds: (performance.now() - t) / 1000 };
  }
  const probs = crossValidatedProbabilities({
    ...p,
    signal: ctx.signal,
    onFold: (fold, folds) => ctx.progress({ done: fold - 1, total: folds, unit: 'folds', message: `fold ${fold}/${folds}` }),
  });
  return { backend: backend.name, held: null, probs, seconds: (performance.now() - t) / 1000 };
};
