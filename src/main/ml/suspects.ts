import { StudioError } from '../../shared/errors.ts';
import { predictHead, trainHead } from './head.ts';
import { predictLogistic, trainLogistic } from './logistic.ts';
export { rankSuspects } from '../common/suspect-ranking.ts';
import type { HeadConfig } from '../../shared/run-config.ts';

/**
 * Suspected label errors, as confident learning (Northcutt et al., cleanlab)
 * finds them: out-of-sample probabilities from k-fold cross-validation of the
 * head on cached features, a per-class confidence threshold t_j = mean
 * probability of class j over the images labelled j, and an image is suspect
 * when some other class j reaches its threshold t_j (the off-diagonal of the
 * confident joint). Those are flagged `confident`. Images whose most probable
 * class simply differs from the given one are listed too (an under-trained
 * head gives thresholds near 1 and would otherwise hide them). All are ranked
 * by the normalized margin p(suggested) − p(given), most confident
 * disagreement first.
 */
export type { Suspect } from '../common/suspect-ranking.ts';
import { foldAssignment, mergeFolds, type Suspect, type SuspectRanker } from '../common/suspect-ranking.ts';
export { foldAssignment, mergeFolds };

export interface SuspectsResult {
  /** n × C out-of-sample probabilities. */
  probs: Float32Array;
  thresholds: number[];
  suspects: Suspect[];
}

/**
 * What produces the out-of-sample probabilities: 'logistic' — multinomial
 * logistic regression (logistic.ts), confident learning's default and ~40 ×
 * faster; 'head' — the run's (or the reference) head, trained per fold.
 */
export type { SuspectRanker } from '../common/suspect-ranking.ts';
export const SUSPECT_RANKERS: readonly SuspectRanker[] = ['logistic', 'head'];

/** The data and settings of a k-fold cross-validation (also the worker task's payload). */
export interface CrossValidationInput {
  x: Float32Array;
  y: Int32Array;
  dim: number;
  numClasses: number;
  folds: number;
  config: HeadConfig;
  seed: number;
  /** Default 'head' here (the function's historical meaning); the studio's default is 'logistic' (suspects-run.ts). */
  ranker?: SuspectRanker;
}


/**
 * One fold: the ranker trained on the other folds predicts the held-out
 * rows. Folds are independent, so the core runs them in parallel across the
 * worker pool (suspects-run.ts), one task per fold.
 */
export function foldProbabilities(opts: CrossValidationInput & { fold: number; signal?: AbortSignal }): { held: Int32Array; probs: Float32Array } {
  const { x, y, dim, numClasses, folds, config, seed, fold: f } = opts;
  const fold = foldAssignment(y, numClasses, folds, seed);
  const trainIdx: number[] = [];
  const heldIdx: number[] = [];
  for (let i = 0; i < y.length; i++) (fold[i] === f ? heldIdx : trainIdx).push(i);
  const take = (idx: number[]): { x: Float32Array; y: Int32Array } => {
    const xs = new Float32Array(idx.length * dim);
    idx.forEach((i, k) => xs.set(x.subarray(i * dim, (i + 1) * dim), k * dim));
    return { x: xs, y: Int32Array.from(idx, (i) => y[i]) };
  };
  const tr = take(trainIdx);
  const held = take(heldIdx);
  let p: Float32Array;
  if ((opts.ranker ?? 'head') === 'logistic') {
    p = predictLogistic(trainLogistic({ x: tr.x, y: tr.y, dim, numClasses, signal: opts.signal }), held.x, heldIdx.length);
  } else {
    // No validation part inside a fold: the last epoch's weights predict the held-out fold.
    const r = trainHead({ train: tr, dim, numClasses, config: { ...config, earlyStopping: null }, seed: seed + f, signal: opts.signal });
    p = predictHead(r.best, held.x, heldIdx.length);
  }
  return { held: Int32Array.from(heldIdx), probs: p };
}


/** Every fold in turn, in this process. */
export function crossValidatedProbabilities(opts: CrossValidationInput & {
  onFold?(fold: number, folds: number): void;
  signal?: AbortSignal;
}): Float32Array {
  foldAssignment(opts.y, opts.numClasses, opts.folds, opts.seed); // argument errors before any work
  const parts = [];
  for (let f = 0; f < opts.folds; f++) {
    if (opts.signal?.aborted) throw new StudioError('cancelled', 'suspects cancelled');
    opts.onFold?.(f + 1, opts.folds);
    parts.push(foldProbabilities({ ...opts, fold: f }));
  }
  return mergeFolds(opts.y.length, opts.numClasses, parts);
}

