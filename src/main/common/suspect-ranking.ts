// Pure ranking math: the core ranks the out-of-fold probabilities the worker returns, without loading the ML stack.

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
