import { parseRunConfig } from '../../../shared/run-config.ts';
import { rankSuspects } from '../../common/suspect-ranking.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { partFeatures, resolveBackbone, resolveSplit, splitMembers } from './run-data.ts';
import { requireRun } from './run-store.ts';
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
}

/**
 * Suspected label errors among the labelled images of a split plan (train and
 * val parts: the test part stays untouched), from out-of-sample probabilities
 * of k-fold cross-validated heads on cached features. With --run, that run's
 * split, backbone and head configuration are used; labels are the current ones.
 */
export async function findSuspects(
  project: Project,
  o: { runId?: number; folds?: number; limit?: number; split?: string; backbone?: string; runner: JobRunner; signal?: AbortSignal; onProgress?(message: string): void },
): Promise<SuspectsOutcome> {
  const run = o.runId !== undefined ? requireRun(project, o.runId) : undefined;
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
  const r = await o.runner.run('suspects',
    { x, y, dim, numClasses: classes.length, folds, config: config.head, seed: config.seed },
    { signal: o.signal, label: 'cross-validating heads for suspected label errors', onProgress: (p) => o.onProgress?.(p.message ?? `${p.done}/${p.total} folds`) },
  );
  const ranked = rankSuspects(r.probs, y, classes.length);
  const pathOf = project.db.prepare('SELECT r.path AS root, i.rel_path AS rel FROM images i JOIN roots r ON r.id = i.root_id WHERE i.id = ?');
  const limit = o.limit ?? 50;
  const suspects = ranked.suspects.slice(0, limit).map((s, k) => {
    const row = pathOf.get(ids[s.index]) as { root: string; rel: string } | undefined;
    return {
      rank: k + 1,
      imageId: ids[s.index],
      path: row ? `${row.root.replace(/\/+$/, '')}/${row.rel}` : '',
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
  };
}
