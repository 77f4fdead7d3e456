// Pure cross-validation bookkeeping and ranking math: the core assigns folds, merges the
// out-of-fold probabilities the workers return and ranks them, without loading the ML stack.
import { fieldError, StudioError } from '../../shared/errors.ts';
import { SeededRandom } from './random.ts';

/** Who gives the out-of-fold probabilities: a logistic regression (confident learning's default) or the run's head. */
export type SuspectRanker = 'logistic' | 'head';

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

/** Stratified fold of every row: each class's shuffled members dealt round-robin. */
export function foldAssignment(y: Int32Array, numClasses: number, folds: number, seed: number): Int32Array {
  const n = y.length;
  if (folds < 2) throw fieldError('invalid-argument', 'folds', `expected at least 2, got ${folds}`);
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

/** Folds' held-out probabilities into one n × C matrix. */
export function mergeFolds(n: number, numClasses: number, parts: { held: Int32Array; probs: Float32Array }[]): Float32Array {
  const probs = new Float32Array(n * numClasses);
  for (const { held, probs: p } of parts) held.forEach((i, k) => probs.set(p.subarray(k * numClasses, (k + 1) * numClasses), i * numClasses));
  return probs;
}
