/**
 * A run's latest prediction per image, for the image list's prediction
 * filters and sorts (CLI `images` and the gallery): read from the run's newest
 * evaluation of each part, decoded once and kept while no new evaluation arrives.
 */
import type { PredictionInfo } from '../../../shared/api.ts';
import type { Db } from '../db/project-db.ts';
import { iteratePredictionRows, latestEvaluationIdsByPart, latestPredictedRun, runClassNames } from '../db/run-store.ts';

export interface ImagePrediction extends PredictionInfo {
  probabilities: Float32Array;
  predicted: number;
  trueClass: number;
}

export interface RunPredictions {
  runId: number;
  classes: string[];
  byImage: Map<number, ImagePrediction>;
}

const cache = new WeakMap<Db, Map<string, RunPredictions>>();

export { latestPredictedRun };

function probsOf(blob: Buffer): Float32Array {
  // Copy: the BLOB's buffer may not be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

export function runPredictions(db: Db, runId: number): RunPredictions | null {
  const evals = latestEvaluationIdsByPart(db, runId);
  if (evals.length === 0) return null;
  const key = `${runId}:${evals.join(',')}`;
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new Map()));
  const hit = perDb.get(key);
  if (hit) return hit;

  const classes = runClassNames(db, runId);
  if (!classes) return null;
  const byImage = new Map<number, ImagePrediction>();
  // Older evaluations first, so a later part's evaluation wins for an image in two.
  for (const e of [...evals].sort((a, b) => a - b)) {
    for (const r of iteratePredictionRows(db, e)) {
      const probabilities = probsOf(r.probs);
      const pTrue = r.true_class >= 0 ? probabilities[r.true_class] : undefined;
      byImage.set(r.image_id, {
        runId,
        className: classes[r.predicted] ?? String(r.predicted),
        confidence: probabilities[r.predicted] ?? 0,
        correct: r.true_class >= 0 ? r.correct === 1 : null,
        loss: pTrue === undefined ? null : -Math.log(Math.max(pTrue, 1e-7)),
        probabilities,
        predicted: r.predicted,
        trueClass: r.true_class,
      });
    }
  }
  perDb.clear();
  const result = { runId, classes, byImage };
  perDb.set(key, result);
  return result;
}

export function probabilitiesRecord(p: ImagePrediction, classes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  classes.forEach((c, i) => (out[c] = p.probabilities[i] ?? 0));
  return out;
}

/**
 * Right / wrong and loss of a prediction against `label`, the image's CURRENT
 * label (the one the user sees and fixes), not the label it had when the run
 * was evaluated: null both when unlabelled; a label the run never saw (a class
 * made after it) is wrong, with no loss (the run has no probability for it).
 */
export function judge(p: ImagePrediction, label: string | null, classes: string[]): { correct: boolean | null; loss: number | null } {
  if (label === null) return { correct: null, loss: null };
  const k = classes.indexOf(label);
  return { correct: p.className === label, loss: k < 0 ? null : -Math.log(Math.max(p.probabilities[k] ?? 0, 1e-7)) };
}
