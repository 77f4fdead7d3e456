import { StudioError } from '../../../shared/errors.ts';
import type { RunEstimate } from '../../../shared/api.ts';
import type { RunConfig } from '../../../shared/run-config.ts';
import type { EstimateFineTunePayload } from '../../ml/tasks/fine-tune.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project.ts';
import { formatDuration } from './fine-tune-stage.ts';
import { imagePaths, resolveBackbone, resolveSplit, specFromRecord, splitMembers } from './run-data.ts';

/** Above this, the CLI asks before starting (or needs --yes) and the UI asks to confirm. */
export const LONG_RUN_SECONDS = 3600;

/**
 * How long a run's fine-tuning will take on this machine, measured before
 * the run exists: a worker loads the run's backbone on the backend training
 * would use and times a few real steps (batch as configured, a fresh head of
 * the run's shape), then scales them to the split's train / val images.
 * Null when the configuration does not fine-tune.
 */
export async function estimateRun(project: Project, req: { split?: string; backbone?: string; config: RunConfig; runner: JobRunner; signal?: AbortSignal }): Promise<RunEstimate | null> {
  const cfg = req.config.fineTune;
  if (cfg.epochs <= 0) return null;
  const split = resolveSplit(project, req.split);
  const backbone = resolveBackbone(project, req.backbone);
  const { classes, members } = splitMembers(project, split.id);
  if (classes.length < 2) throw new StudioError('invalid-argument', `split "${split.name}": the training part has ${classes.length} labelled class(es); a classifier needs at least 2`);
  const train = members.filter((m) => m.part === 'train');
  const valCount = members.filter((m) => m.part === 'val').length;
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const sample = train.slice(0, Math.min(cfg.batchSize, train.length));
  const paths = imagePaths(project, sample.map((m) => m.imageId));
  const payload: EstimateFineTunePayload = {
    spec: specFromRecord(backbone),
    numClasses: classes.length,
    headConfig: req.config.head,
    seed: req.config.seed,
    images: sample.filter((m) => paths.has(m.imageId)).map((m) => ({ path: paths.get(m.imageId)!, y: index.get(m.classId)! })),
    config: cfg,
    trainCount: train.length,
    valCount,
  };
  const e = await req.runner.run('estimate-fine-tune', payload, { signal: req.signal, label: `timing fine-tuning steps of ${backbone.name}` });
  return {
    backbone: backbone.key,
    backboneName: backbone.name,
    backend: e.backend,
    note: e.note,
    epochs: cfg.epochs,
    trainImages: train.length,
    valImages: valCount,
    batchSize: cfg.batchSize,
    stepsMeasured: e.steps,
    secondsPerBatch: e.secondsPerBatch,
    secondsPerEpoch: e.secondsPerEpoch,
    totalSeconds: e.totalSeconds,
    long: e.totalSeconds > LONG_RUN_SECONDS,
    message: `fine-tuning ${cfg.epochs} epoch${cfg.epochs === 1 ? '' : 's'} of ${train.length} images on ${backbone.name} will take about ${formatDuration(e.totalSeconds)} on ${e.backend} (${formatDuration(e.secondsPerEpoch)} per epoch; ${e.secondsPerBatch.toFixed(2)} s per batch of ${cfg.batchSize}, measured over ${e.steps} steps)`,
  };
}
