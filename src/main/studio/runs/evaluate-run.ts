import { StudioError } from '../../../shared/errors.ts';
import { headFromJson } from '../../common/head-io.ts';
import type { Evaluation } from '../../../shared/api.ts';
import type { PreprocessMode } from '../../ml/preprocess.ts';
import fs from 'node:fs';
import { getBackbone, loadFeatures } from '../db/feature-store.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { fineTunedModel } from './fine-tune-stage.ts';
import { getSplit, recordTestEvaluation } from '../splits/split-service.ts';
import { imagePaths } from './run-data.ts';
import { markInterruptedRuns, requireRun, runImages } from '../db/run-store.ts';
import { headCheckpointPath } from './run-paths.ts';
import { storeEvaluation } from './run-evaluations.ts';


/**
 * Evaluates a run's kept model on its val or test part (the images and labels
 * the run recorded at its start) and stores the metrics with a prediction per
 * image. A fine-tuned run is evaluated on images with its fine-tuned
 * classifier, a head-only run on cached features. Evaluating on test bumps the
 * split's test-evaluation counter.
 */
/** Evaluates and returns the contract's Evaluation (the `eval` command prints exactly this). */
export async function evaluateRun(project: Project, runId: number, on: 'val' | 'test', runner: JobRunner, signal?: AbortSignal): Promise<Evaluation> {
  markInterruptedRuns(project.db);
  const run = requireRun(project.db, runId);
  const checkpoint = headCheckpointPath(project, runId);
  if (!fs.existsSync(checkpoint)) throw new StudioError('conflict', `run ${runId} (${run.state}) has no checkpoint to evaluate yet`);
  const members = runImages(project.db, runId, on);
  if (members.length === 0) throw new StudioError('not-found', `run ${runId}: its split "${run.splitName}" has no labelled images in the ${on} part`);
  const classIndex = new Map(run.classes.map((c, i) => [c.id, i]));
  const C = run.classes.length;
  const yOf = new Map(members.map((m) => [m.imageId, classIndex.get(m.classId)!]));

  let ids: number[];
  let probs: Float32Array;
  let model: 'head' | 'fine-tuned';
  const tuned = fineTunedModel(project, runId);
  if (tuned) {
    const backbone = getBackbone(project.db, run.backboneKey);
    if (!backbone) throw new StudioError('not-found', `backbone ${run.backboneKey} of run ${runId} is no longer in the project`);
    const paths = imagePaths(project, members.map((m) => m.imageId));
    ids = members.map((m) => m.imageId).filter((id) => paths.has(id) && fs.existsSync(paths.get(id)!));
    const r = await runner.run('evaluate-images', {
      modelJson: tuned, files: ids.map((id) => paths.get(id)!), inputSize: backbone.inputSize, preprocess: backbone.preprocess as PreprocessMode, numClasses: C,
    }, { signal, label: `evaluating run ${runId} on ${on}` });
    probs = r.probs;
    model = 'fine-tuned';
  } else {
    const f = loadFeatures(project.db, run.backboneKey, members.map((m) => m.imageId));
    ids = f.ids;
    if (ids.length === 0) throw new StudioError('not-found', `run ${runId}: none of the ${members.length} ${on} images has features for backbone ${run.backboneKey}; extract them first`);
    const weights = headFromJson(fs.readFileSync(checkpoint, 'utf8'), checkpoint);
    const r = await runner.run('predict-head', { weights, x: f.matrix, n: ids.length }, { signal, label: `evaluating run ${runId} on ${on}` });
    probs = r.probs;
    model = 'head';
  }
  const y = Int32Array.from(ids, (id) => yOf.get(id)!);
  const stored = storeEvaluation(project, runId, on, model, ids, y, probs, C);

  let testEvaluations = 0;
  let testLocked = false;
  let notice: string | null = null;
  if (run.splitId !== null) {
    const split = on === 'test' ? recordTestEvaluation(project, run.splitName) : getSplit(project, run.splitName);
    testEvaluations = split.testEvaluations;
    testLocked = split.testLocked;
    if (on === 'test') {
      notice = testLocked
        ? `the test part of split "${run.splitName}" is locked; this was evaluation number ${testEvaluations} on it${testEvaluations > 1 ? ': every look at it makes its figure less of an unbiased estimate' : ''}`
        : `evaluated on the test part of split "${run.splitName}" (evaluation number ${testEvaluations} on it)`;
    }
  }
  const classes = run.classes.map((c) => c.name);
  return {
    runId, on, loss: stored.loss, accuracy: stored.accuracy, classes,
    perClass: stored.perClass.map((p, i) => ({ className: classes[i] ?? String(i), ...p })),
    confusion: stored.confusion, auc: stored.rocAuc, at: Date.now(),
    testEvaluations, testLocked, notice, images: stored.n, skipped: members.length - ids.length, model,
  };
}
