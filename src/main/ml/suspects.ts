import { StudioError } from '../../shared/errors.ts';
import { predictHead, trainHead } from './head.ts';
import { predictLogistic, trainLogistic } from './logistic.ts';
import { SeededRandom } from './random.ts';
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
export interface Suspect {
  /** Row index in the input. */
  index: number;
  given: number;
  suggested: number;
  pGiven: number;
  pSuggested: number;
  score: number;
  /** In the off-diagonal of the confident joint (the suggested class reached its threshold). */
  confident: boolean;
}

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
export type SuspectRanker = 'logistic' | 'head';
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

/** Stratified fold of every row: each class's shuffled members dealt round-robin. */
export function foldAssignment(y: Int32Array, numClasses: number, folds: number, seed: number): Int32Array {
  const n = y.length;
  if (folds < 2) throw new StudioError('invalid-argument', `--folds expects at least 2, got ${folds}`);
  if (n < folds) throw new StudioError('invalid-argument', `cross-validation with ${folds} folds needs at least ${folds} labelled images with features, found ${n}`);
  const rng = new SeededRandom(seed);
  const fold = new Int32Array(n);
  for (let c = 0, offset = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === c) members.push(i);
    const p = rng.permutation(members.length);
    p.forEach((j, k) => (fold[members[j]] = (k + offset) % folds));
    offset += members.length;
  }
  return fold;
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

/** Folds' held-out probabilities into one n × C matrix. */
export function mergeFolds(n: number, numClasses: number, parts: { held: Int32Array; probs: Float32Array }[]): Float32Array {
  const probs = new Float32Array(n * numClasses);
  for (const { held, probs: p } of parts) held.forEach((i, k) => probs.set(p.subarray(k * numClasses, (k + 1) * numClasses), i * numClasses));
  return probs;
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

/** Confident-learning ranking of out-of-sample probabilities against the given labels. */
export function rankSuspects(probs: Float32Array, y: Int32Array, numClasses: number): { thresholds: number[]; suspects: Suspect[] } {
  const n = y.length;
  const sums = new Array<number>(numClasses).fill(0);
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < n; i++) {
    sums[y[i]] += probs[i * numClasses + y[i]];
    counts[y[i]]++;
  }
  const thresholds = sums.map((s, c) => (counts[c] ? s / counts[c] : 1));
  const suspects: Suspect[] = [];
  for (let i = 0; i < n; i++) {
    const given = y[i];
    // Among classes at or above their threshold, the most probable one is the confident label.
    let confidentClass = -1;
    let top = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[i * numClasses + c];
      if (p > probs[i * numClasses + top]) top = c;
      if (p >= thresholds[c] && (confidentClass < 0 || p > probs[i * numClasses + confidentClass])) confidentClass = c;
    }
    const confident = confidentClass >= 0 && confidentClass !== given;
    const suggested = confident ? confidentClass : top;
    if (suggested === given) continue;
    const pGiven = probs[i * numClasses + given];
    const pSuggested = probs[i * numClasses + suggested];
    suspects.push({ index: i, given, suggested, pGiven, pSuggested, score: pSuggested - pGiven, confident });
  }
  suspects.sort((a, b) => b.score - a.score || a.index - b.index);
  return { thresholds, suspects };
}
