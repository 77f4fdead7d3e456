import { parseRunConfig } from '../../../shared/run-config.ts';
import { foldAssignment, mergeFolds, rankSuspects, type SuspectRanker } from '../../common/suspect-ranking.ts';
import type { SuspectsPayload } from '../../ml/tasks/suspects.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { partFeatures, resolveBackbone, resolveSplit, splitMembers } from './run-data.ts';
import { requireRun } from '../db/run-store.ts';
import { imageFiles } from '../db/image-store.ts';
import { StudioError } from '../../../shared/errors.ts';

export interface SuspectRow {
  rank: number;
  imageId: number;
  path: string;
  label: string;
  suggested: string;
  labelProbability: number;
  suggestedProbability: number;
  score: number;
  /** Found by the confident joint (the suggested class passed its per-class threshold). */
  confident: boolean;
  part: string;
}

export interface SuspectsOutcome {
  run: number | null;
  split: string;
  backbone: string;
  folds: number;
  images: number;
  total: number;
  thresholds: Record<string, number>;
  suspects: SuspectRow[];
  backend: string;
  /** What produced the out-of-sample probabilities. */
  ranker: SuspectRanker;
  /** Wall time of the cross-validation, and the longest single fold (the folds run in parallel). */
  seconds: number;
  foldSeconds: number;
}

/**
 * Suspected label errors among the labelled images of a split plan (train and
 * val parts: the test part stays untouched), from out-of-sample probabilities
 * of k-fold cross-validated heads on cached features. With --run, that run's
 * split, backbone and head configuration are used; labels are the current ones.
 */
export async function findSuspects(
  project: Project,
  o: { runId?: number; folds?: number; limit?: number; split?: string; backbone?: string; ranker?: SuspectRanker; runner: JobRunner; signal?: AbortSignal; onProgress?(message: string): void },
): Promise<SuspectsOutcome> {
  const run = o.runId !== undefined ? requireRun(project.db, o.runId) : undefined;
  const split = resolveSplit(project, run ? run.splitName : o.split);
  const backbone = resolveBackbone(project, run ? run.backboneKey : o.backbone);
  const config = run ? run.config : parseRunConfig({});
  const { classes, members } = splitMembers(project, split.id);
  if (classes.length < 2) throw new StudioError('invalid-argument', `split "${split.name}" has ${classes.length} labelled class(es) in its training part; suspects need at least 2`);
  const tr = partFeatures(project, backbone.key, members, classes, 'train');
  const va = partFeatures(project, backbone.key, members, classes, 'val');
  const ids = [...tr.ids, ...va.ids];
  const parts = [...tr.ids.map(() => 'train'), ...va.ids.map(() => 'val')];
  const dim = tr.dim || va.dim;
  const x = new Float32Array(ids.length * dim);
  x.set(tr.x, 0);
  x.set(va.x, tr.x.length);
  const y = new Int32Array(ids.length);
  y.set(tr.y, 0);
  y.set(va.y, tr.y.length);
  const folds = o.folds ?? 5;
  // Logistic regression is confident learning's default ranker (and ~40 × faster than a head).
  const ranker = o.ranker ?? 'logistic';
  const payload: SuspectsPayload = { x, y, dim, numClasses: classes.length, folds, config: config.head, seed: config.seed, ranker };
  foldAssignment(y, classes.length, folds, config.seed); // argument errors here, not once per worker
  // Folds are independent: one task each, spread over the worker pool (one core
  // was idle while five folds ran in turn in one worker).
  const t0 = performance.now();
  let finished = 0;
  const label = ranker === 'logistic' ? 'cross-validating logistic regressions for suspected label errors' : 'cross-validating heads for suspected label errors';
  const results = await Promise.all(Array.from({ length: folds }, (_, fold) =>
    o.runner.run('suspects', { ...payload, fold }, { signal: o.signal, label }).then((r) => {
      finished++;
      o.onProgress?.(`${finished}/${folds} folds (${ranker === 'logistic' ? 'logistic regression' : 'head'})`);
      return r;
    })));
  const seconds = (performance.now() - t0) / 1000;
  const probs = mergeFolds(y.length, classes.length, results.map((r) => ({ held: r.held!, probs: r.probs })));
  const r = { backend: results[0].backend };
  const ranked = rankSuspects(probs, y, classes.length);
  const limit = o.limit ?? 50;
  const shown = ranked.suspects.slice(0, limit);
  const paths = imageFiles(project.db, shown.map((s) => ids[s.index]));
  const suspects = shown.map((s, k) => {
    return {
      rank: k + 1,
      imageId: ids[s.index],
      path: paths.get(ids[s.index]) ?? '',
      label: classes[s.given].name,
      suggested: classes[s.suggested].name,
      labelProbability: s.pGiven,
      suggestedProbability: s.pSuggested,
      score: s.score,
      confident: s.confident,
      part: parts[s.index],
    };
  });
  return {
    run: run?.id ?? null,
    split: split.name,
    backbone: backbone.key,
    folds,
    images: ids.length,
    total: ranked.suspects.length,
    thresholds: Object.fromEntries(classes.map((c, i) => [c.name, ranked.thresholds[i]])),
    suspects,
    backend: r.backend,
    ranker,
    seconds,
    foldSeconds: Math.max(...results.map((x) => x.seconds)),
  };
}
