import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/errors.ts';
import type { HeadWeights } from '../../ml/head.ts';
import type { FineTunePayload } from '../../ml/tasks/fine-tune.ts';
import { getBackbone } from '../db/feature-store.ts';
import type { Project } from '../project.ts';
import { imagePaths, specFromRecord } from './run-data.ts';
import { addArtefact, addEpoch, requireRun, runImages, updateRun } from '../db/run-store.ts';
import { runDir } from './run-paths.ts';
import { storeEvaluation } from './run-evaluations.ts';
import type { RunProgress, TrainRequest } from './train-request.ts';

export function fineTunedModelPath(project: Project, runId: number): string {
  return path.join(runDir(project, runId), 'fine-tuned', 'model.json');
}

/** The fine-tuned classifier of a run, when it has one. */
export function fineTunedModel(project: Project, runId: number): string | null {
  const f = fineTunedModelPath(project, runId);
  return fs.existsSync(f) ? f : null;
}

/**
 * Stage 2 of a run: the fine-tuning task in a worker, from stage 1's best
 * head, on the run's train / val images. The best epoch's classifier is kept
 * in runs/<id>/fine-tuned/; the run's best epoch and validation figures become
 * the fine-tuned ones when it beats the head.
 */
export async function fineTuneStage(project: Project, runId: number, head: HeadWeights, req: TrainRequest, say: (p: Omit<RunProgress, 'runId'>) => void): Promise<void> {
  const run = requireRun(project.db, runId);
  const backbone = getBackbone(project.db, run.backboneKey);
  if (!backbone) throw new StudioError('not-found', `backbone ${run.backboneKey} of run ${runId} is no longer in the project`);
  const classIndex = new Map(run.classes.map((c, i) => [c.id, i]));
  const members = runImages(project.db, runId);
  const paths = imagePaths(project, members.map((m) => m.imageId));
  const items = (part: 'train' | 'val'): { id: number; path: string; y: number }[] =>
    members.filter((m) => m.part === part && paths.has(m.imageId)).map((m) => ({ id: m.imageId, path: paths.get(m.imageId)!, y: classIndex.get(m.classId)! }));
  const train = items('train');
  const val = items('val');
  const cfg = req.config.fineTune;
  const payload: FineTunePayload = {
    spec: specFromRecord(backbone),
    head,
    train: train.map(({ path: p, y }) => ({ path: p, y })),
    val: val.map(({ path: p, y }) => ({ path: p, y })),
    config: cfg,
    seed: req.config.seed,
    outDir: path.dirname(fineTunedModelPath(project, runId)),
  };
  const result = await req.runner.run('fine-tune', payload, {
    signal: req.signal,
    label: `fine-tuning run ${runId}`,
    onProgress: (p) => {
      const d = p.detail as { epoch?: number; loss?: number } | undefined;
      say({ stage: 'fine-tune', kind: 'batch', message: p.message ?? '', epoch: d?.epoch, epochs: cfg.epochs, loss: d?.loss, etaSeconds: p.etaSeconds });
    },
    onPartial: (part) => {
      if (part.type === 'backend') {
        if (part.note) say({ stage: 'fine-tune', kind: 'state', message: `note: ${part.note}` });
      } else if (part.type === 'estimate') {
        const e = part.estimate;
        say({
          stage: 'fine-tune', kind: 'state', etaSeconds: e.totalSeconds,
          message: e.basis === 'probe'
            ? `fine-tuning ${cfg.epochs} epoch${cfg.epochs === 1 ? '' : 's'} of ${train.length} images will take about ${formatDuration(e.totalSeconds)} on this backend (${formatDuration(e.secondsPerEpoch)} per epoch)`
            : `fine-tuning: measured ${formatDuration(e.secondsPerBatch)} per batch, about ${formatDuration(e.totalSeconds)} in all`,
        });
      } else if (part.type === 'epoch') {
        addEpoch(project.db, runId, 'fine-tune', part.metrics);
        const m = part.metrics;
        say({
          stage: 'fine-tune', kind: 'epoch', epoch: m.epoch, epochs: cfg.epochs, loss: m.loss, valLoss: m.valLoss, valAccuracy: m.valAccuracy,
          message: `fine-tune epoch ${m.epoch}/${cfg.epochs} loss ${m.loss.toFixed(4)}${m.valLoss !== null ? ` val_loss ${m.valLoss.toFixed(4)} val_acc ${m.valAccuracy!.toFixed(4)}` : ''}${part.best ? ' (best)' : ''}`,
        });
      }
    },
  });
  addArtefact(project.db, runId, 'fine-tuned-model', result.modelJson);
  const best = result.history[result.bestEpoch - 1];
  updateRun(project.db, runId, { valLoss: best?.valLoss ?? null, valAccuracy: best?.valAccuracy ?? null });
  if (result.valProbs) {
    storeEvaluation(project, runId, 'val', 'fine-tuned', val.map((v) => v.id), Int32Array.from(val, (v) => v.y), result.valProbs, run.classes.length);
  }
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
