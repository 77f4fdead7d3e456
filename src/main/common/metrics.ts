/**
 * Classification metrics from class probabilities: loss, accuracy, per-class
 * precision / recall / F1, confusion matrix (rows = true class, columns =
 * predicted), ROC AUC for two classes. Pure functions: the worker or the core
 * can call them.
 */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface PredictionMetrics {
  n: number;
  loss: number;
  accuracy: number;
  perClass: ClassMetrics[];
  confusion: number[][];
  /** Area under the ROC curve of class 1's probability (two classes only). */
  rocAuc: number | null;
}

const EPS = 1e-7; // Keras' epsilon for clipping probabilities in cross-entropy

export function argmaxRow(probs: Float32Array, i: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + best]) best = c;
  return best;
}

/** probs: n × C row-major; labels: class index per row. */
export function evaluatePredictions(probs: Float32Array, labels: Int32Array | number[], C: number): PredictionMetrics {
  const n = labels.length;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const pred = argmaxRow(probs, i, C);
    confusion[y][pred]++;
    if (pred === y) correct++;
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i * C + y]));
    lossSum -= Math.log(p);
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  let rocAuc: number | null = null;
  if (C === 2) {
    const scores = Array.from({ length: n }, (_, i) => probs[i * 2 + 1]);
    rocAuc = rocAucOf(scores, Array.from(labels, (y) => y === 1));
  }
  return { n, loss: n ? lossSum / n : NaN, accuracy: n ? correct / n : NaN, perClass, confusion, rocAuc };
}

/** ROC AUC by the rank statistic (Mann–Whitney U), ties counted half. Null when one class is absent. */
export function rocAucOf(scores: number[], positive: boolean[]): number | null {
  const order = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  for (const p of positive) if (p) nPos++;
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]]) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
