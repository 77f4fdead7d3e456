import { StudioError } from '../../shared/errors.ts';
import { predictHead, trainHead } from './head.ts';
import { SeededRandom } from './random.ts';
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
import type { Suspect } from '../common/suspect-ranking.ts';

export interface SuspectsResult {
  /** n × C out-of-sample probabilities. */
  probs: Float32Array;
  thresholds: number[];
  suspects: Suspect[];
}

/** The data and settings of a k-fold cross-validation (also the worker task's payload). */
export interface CrossValidationInput {
  x: Float32Array;
  y: Int32Array;
  dim: number;
  numClasses: number;
  folds: number;
  config: HeadConfig;
  seed: number;
}

export function crossValidatedProbabilities(opts: CrossValidationInput & {
  onFold?(fold: number, folds: number): void;
  signal?: AbortSignal;
}): Float32Array {
  const { x, y, dim, numClasses, folds, config, seed } = opts;
  const n = y.length;
  if (folds < 2) throw new StudioError('invalid-argument', `--folds expects at least 2, got ${folds}`);
  if (n < folds) throw new StudioError('invalid-argument', `cross-validation with ${folds} folds needs at least ${folds} labelled images with features, found ${n}`);
  // Stratified fold assignment: deal each class's shuffled members round-robin.
  const rng = new SeededRandom(seed);
  const fold = new Int32Array(n);
  for (let c = 0, offset = 0; c < numClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === c) members.push(i);
    const p = rng.permutation(members.length);
    p.forEach((j, k) => (fold[members[j]] = (k + offset) % folds));
    offset += members.length;
  }
  const probs = new Float32Array(n * numClasses);
  for (let f = 0; f < folds; f++) {
    if (opts.signal?.aborted) throw new StudioError('cancelled', 'suspects cancelled');
    opts.onFold?.(f + 1, folds);
    const trainIdx: number[] = [];
    const heldIdx: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? heldIdx : trainIdx).push(i);
    const take = (idx: number[]): { x: Float32Array; y: Int32Array } => {
      const xs = new Float32Array(idx.length * dim);
      idx.forEach((i, k) => xs.set(x.subarray(i * dim, (i + 1) * dim), k * dim));
      return { x: xs, y: Int32Array.from(idx, (i) => y[i]) };
    };
    const tr = take(trainIdx);
    const held = take(heldIdx);
    // No validation part inside a fold: the last epoch's weights predict the held-out fold.
    const r = trainHead({ train: tr, dim, numClasses, config: { ...config, earlyStopping: null }, seed: seed + f, signal: opts.signal });
    const p = predictHead(r.best, held.x, heldIdx.length);
    heldIdx.forEach((i, k) => probs.set(p.subarray(k * numClasses, (k + 1) * numClasses), i * numClasses));
  }
  return probs;
}

