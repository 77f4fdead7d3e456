import { StudioError } from '../../../shared/errors.ts';
import type { HeadWeights } from '../../common/head-weights.ts';
import { saveHead } from '../../common/head-io.ts';
import type { TrainHeadPayload } from '../../ml/tasks/train-head.ts';
import type { JobProgress } from '../jobs/progress-meter.ts';
import type { Project } from '../project.ts';
import { partFeatures, resolveBackbone, resolveSplit, splitMembers } from './run-data.ts';
import { inTurn, waitForOtherProcesses } from './run-queue.ts';
import { addArtefact, addEpoch, createRun, getRun, markInterruptedRuns, updateRun, type RunRecord } from '../db/run-store.ts';
import { fineTuneStage } from './fine-tune-stage.ts';
import { headCheckpointPath } from './run-paths.ts';
import { storeEvaluation } from './run-evaluations.ts';
import type { RunProgress, TrainRequest } from './train-request.ts';

export type { RunProgress, TrainRequest } from './train-request.ts';

export interface TrainOutcome {
  run: number;
  state: RunRecord['state'];
  bestEpoch: number | null;
  val: { loss: number | null; accuracy: number | null };
  backend: string | null;
  stoppedEarly: boolean;
  fineTuned: boolean;
  randomInitBackbone: boolean;
}

export { headCheckpointPath, runDir } from './run-paths.ts';

/**
 * Creates a run and trains it: stage 1 (the head on cached features) in a
 * worker, storing each epoch and the best checkpoint as they come; then the
 * optional fine-tuning; then the validation evaluation with a prediction per
 * image. Cancel (signal) kills the worker and leaves the run 'cancelled' with
 * what was stored; any failure leaves it 'failed' with the error.
 */
export async function trainRun(project: Project, req: TrainRequest): Promise<TrainOutcome> {
  markInterruptedRuns(project.db);
  const split = resolveSplit(project, req.split);
  const backbone = resolveBackbone(project, req.backbone);
  const { classes, members } = splitMembers(project, split.id);
  if (classes.length < 2) {
    throw new StudioError('invalid-argument', `split "${split.name}": the training part has ${classes.length} labelled class${classes.length === 1 ? '' : 'es'}; a classifier needs at least 2`);
  }
  const train = partFeatures(project, backbone.key, members, classes, 'train');
  const val = partFeatures(project, backbone.key, members, classes, 'val');
  if (train.ids.length === 0) {
    throw new StudioError('not-found', `none of the ${train.missing.length} training images of split "${split.name}" has features for backbone ${backbone.key}; extract them first`);
  }
  const withFeatures = new Set([...train.ids, ...val.ids]);
  const run = createRun(project.db, {
    name: req.name,
    splitId: split.id,
    splitName: split.name,
    backboneKey: backbone.key,
    backboneId: backbone.backboneId,
    backboneName: backbone.name,
    weightsHash: backbone.weightsHash,
    randomInit: backbone.randomInit,
    featureDim: train.dim,
    config: req.config,
    classes,
    images: members.filter((m) => m.part === 'test' || withFeatures.has(m.imageId)),
  });
  req.onCreated?.(run);
  const say = (p: Omit<RunProgress, 'runId'>): void => req.onProgress?.({ runId: run.id, ...p });
  if (train.missing.length || val.missing.length) {
    say({ stage: 'head', kind: 'state', message: `${train.missing.length + val.missing.length} images of the split have no features for this backbone and are left out` });
  }

  return inTurn(async () => {
    const timings: Record<string, number> = {};
    let stoppedEarly = false;
    let fineTuned = false;
    try {
      if (req.signal?.aborted) throw new StudioError('cancelled', 'cancelled before the run started');
      say({ stage: 'head', kind: 'state', message: `run ${run.id} queued` });
      await waitForOtherProcesses(project, run.id, req.signal);
      if (req.signal?.aborted) throw new StudioError('cancelled', 'cancelled while queued');
      updateRun(project.db, run.id, { state: 'running', stage: 'head', startedAt: Date.now(), ownerPid: process.pid });

      const payload: TrainHeadPayload = {
        train: { x: train.x, y: train.y },
        val: val.ids.length ? { x: val.x, y: val.y } : undefined,
        dim: train.dim,
        numClasses: classes.length,
        config: req.config.head,
        seed: req.config.seed,
      };
      const checkpoint = headCheckpointPath(project, run.id);
      const epochs = req.config.head.epochs;
      const t0 = Date.now();
      const result = await req.runner.run('train-head', payload, {
        signal: req.signal,
        label: `training the head of run ${run.id}`,
        onProgress: (p: JobProgress) => {
          const d = p.detail as { epoch?: number; loss?: number } | undefined;
          say({ stage: 'head', kind: 'batch', message: p.message ?? '', epoch: d?.epoch, epochs, loss: d?.loss, etaSeconds: p.etaSeconds });
        },
        onPartial: (part) => {
          if (part.type !== 'epoch') return;
          addEpoch(project.db, run.id, 'head', part.metrics);
          if (part.best) {
            saveHead(checkpoint, part.best);
            updateRun(project.db, run.id, { bestEpoch: part.metrics.epoch, valLoss: part.metrics.valLoss, valAccuracy: part.metrics.valAccuracy });
          }
          const m = part.metrics;
          say({
            stage: 'head', kind: 'epoch', epoch: m.epoch, epochs, loss: m.loss, valLoss: m.valLoss, valAccuracy: m.valAccuracy,
            message: `epoch ${m.epoch}/${epochs} loss ${m.loss.toFixed(4)} acc ${m.accuracy.toFixed(4)}${m.valLoss !== null ? ` val_loss ${m.valLoss.toFixed(4)} val_acc ${m.valAccuracy!.toFixed(4)}` : ''}${part.best ? ' (best)' : ''}`,
          });
        },
      });
      timings.headMs = Date.now() - t0;
      stoppedEarly = result.stoppedEarly;
      saveHead(checkpoint, result.best);
      addArtefact(project.db, run.id, 'head-checkpoint', checkpoint);
      updateRun(project.db, run.id, { backend: result.backend, bestEpoch: result.bestEpoch, timings });
      if (result.valProbs) storeEvaluation(project, run.id, 'val', 'head', val.ids, val.y, result.valProbs, classes.length);

      if (req.config.fineTune.epochs > 0) {
        updateRun(project.db, run.id, { stage: 'fine-tune' });
        const t1 = Date.now();
        await fineTuneStage(project, run.id, result.best, req, say);
        timings.fineTuneMs = Date.now() - t1;
        fineTuned = true;
      }
      updateRun(project.db, run.id, { state: 'done', stage: null, finishedAt: Date.now(), timings });
    } catch (e) {
      const cancelled = e instanceof StudioError && e.code === 'cancelled';
      updateRun(project.db, run.id, { state: cancelled ? 'cancelled' : 'failed', error: (e as Error).message, stage: null, finishedAt: Date.now(), timings });
      throw e;
    }
    const done = getRun(project.db, run.id)!;
    return {
      run: done.id,
      state: done.state,
      bestEpoch: done.bestEpoch,
      val: done.val,
      backend: done.backend,
      stoppedEarly,
      fineTuned,
      randomInitBackbone: done.randomInit,
    };
  });
}


export type { HeadWeights };
