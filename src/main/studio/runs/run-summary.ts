import type { Project } from '../project.ts';
import { labelHistoryPosition, latestEvaluation, listRunRecords, markInterruptedRuns, requireRun, runArtefacts, runEpochs, type RunRecord } from './run-store.ts';

export interface RunSummaryRow {
  id: number;
  name: string;
  state: RunRecord['state'];
  error: string | null;
  split: string;
  backbone: string;
  backboneName: string | null;
  randomInit: boolean;
  backend: string | null;
  seed: number;
  classes: string[];
  epochs: number;
  fineTuneEpochs: number;
  bestEpoch: number | null;
  val: { loss: number | null; accuracy: number | null };
  test: { loss: number | null; accuracy: number | null } | null;
  /** Labels changed (a newer label-history entry is in effect) since the run started. */
  labelsChangedSince: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export function summarizeRun(project: Project, r: RunRecord, position = labelHistoryPosition(project)): RunSummaryRow {
  const test = latestEvaluation(project, r.id, 'test');
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    error: r.error,
    split: r.splitName,
    backbone: r.backboneKey,
    backboneName: r.backboneName,
    randomInit: r.randomInit,
    backend: r.backend,
    seed: r.seed,
    classes: r.classes.map((c) => c.name),
    epochs: r.config.head.epochs,
    fineTuneEpochs: r.config.fineTune.epochs,
    bestEpoch: r.bestEpoch,
    val: r.val,
    test: test ? { loss: test.metrics.loss, accuracy: test.metrics.accuracy } : null,
    labelsChangedSince: (position ?? 0) !== (r.labelHistoryId ?? 0),
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

/** Every run, newest first; runs orphaned by a dead process are marked interrupted first. */
export function listRuns(project: Project): RunSummaryRow[] {
  markInterruptedRuns(project);
  const position = labelHistoryPosition(project);
  return listRunRecords(project).map((r) => summarizeRun(project, r, position));
}

export function runDetail(project: Project, id: number): RunSummaryRow & { config: RunRecord['config']; epochsRun: ReturnType<typeof runEpochs>; artefacts: ReturnType<typeof runArtefacts>; timings: Record<string, number> } {
  markInterruptedRuns(project);
  const r = requireRun(project, id);
  return { ...summarizeRun(project, r), config: r.config, epochsRun: runEpochs(project, id), artefacts: runArtefacts(project, id), timings: r.timings };
}
