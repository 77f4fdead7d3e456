import { argmaxRow, evaluatePredictions } from '../../common/metrics.ts';
import type { Project } from '../project.ts';
import { addEvaluation, type StoredPrediction } from '../db/run-store.ts';

/** Stores an evaluation and its per-image predictions; returns the metrics. */
export function storeEvaluation(
  project: Project,
  runId: number,
  part: 'train' | 'val' | 'test',
  model: 'head' | 'fine-tuned',
  ids: number[],
  y: Int32Array,
  probs: Float32Array,
  C: number,
): ReturnType<typeof evaluatePredictions> & { evaluationId: number } {
  const metrics = evaluatePredictions(probs, y, C);
  const predictions: StoredPrediction[] = ids.map((imageId, i) => {
    const predicted = argmaxRow(probs, i, C);
    return { imageId, trueClass: y[i], predicted, correct: predicted === y[i], probs: Array.from(probs.subarray(i * C, (i + 1) * C)) };
  });
  const evaluationId = addEvaluation(project.db, runId, part, model, metrics, predictions);
  return { ...metrics, evaluationId };
}
