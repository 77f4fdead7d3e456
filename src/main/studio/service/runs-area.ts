/**
 * Run calls: the reference defaults, start (queued, one at a time, in the
 * worker pool), the queue, progress as events (epoch, batch, state), cancel,
 * list, detail with curves — over src/main/studio/runs. Comparison,
 * evaluation, export, reports and suspects call the core as it provides them.
 */
import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { DisagreementItem, Evaluation, EpochMetrics, PredictRequest, PredictResult, RunDetail, RunSummary } from '../../../shared/api.ts';
import { hasImageExtension } from '../library/image-formats.ts';
import { contentHash } from '../library/image-probe.ts';
import { thumbnailPath } from '../thumbnails/make-thumbnails.ts';
import { StudioError } from '../../../shared/errors.ts';
import type { MediaRequest } from '../../media-guard.ts';
import type { PredictionMetrics } from '../../common/metrics.ts';
import { parseRunConfig, type RunConfig } from '../../../shared/run-config.ts';
import type { Project } from '../project.ts';
import { getRun, latestEvaluation, listRunRecords, markInterruptedRuns, queuedRunIds, requireRun, runEpochs, runEvaluations, updateRun, type RunRecord } from '../db/run-store.ts';
import { imageNames } from '../db/image-store.ts';
import { splitTestState } from '../db/split-store.ts';
import type { RunProgress } from '../runs/train-run.ts';
import { type ServiceArea, type ServiceContext } from './context.ts';
import { runPredictions } from '../runs/run-predictions.ts';
import { modelParams } from '../runs/compare-runs.ts';
import { historyStateOf } from './views.ts';

export interface RunsArea {
  calls: ServiceArea;
  onProjectOpened(project: Project): void;
  /** Waits for the project's runs to settle after their jobs were cancelled. */
  onProjectClosing(): Promise<void>;
  mediaFile(project: Project, request: MediaRequest): Promise<{ file: string; allowedRoots: string[] } | null>;
}

function totalEpochs(config: RunConfig): number {
  return config.head.epochs + config.fineTune.epochs;
}

function queuePositions(project: Project): Map<number, number> {
  const ids = queuedRunIds(project.db);
  return new Map(ids.map((id, i) => [id, i + 1]));
}

export function runSummary(project: Project, r: RunRecord, positions = queuePositions(project)): RunSummary {
  const test = latestEvaluation(project.db, r.id, 'test');
  const position = historyStateOf(project.db).position;
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    split: r.splitName,
    backbone: r.backboneName ?? r.backboneKey,
    backboneKey: r.backboneKey,
    randomInit: r.randomInit,
    modelParams: modelParams(r),
    epochs: totalEpochs(r.config),
    bestEpoch: r.bestEpoch,
    val: r.val.loss !== null && r.val.accuracy !== null ? { loss: r.val.loss, accuracy: r.val.accuracy } : null,
    test: test ? { loss: test.metrics.loss, accuracy: test.metrics.accuracy } : null,
    labelsChangedSince: (r.labelHistoryId ?? 0) !== position,
    error: r.error,
    queuePosition: positions.get(r.id) ?? null,
  };
}

function evaluationsOf(project: Project, r: RunRecord): Evaluation[] {
  const rows = runEvaluations(project.db, r.id);
  const split = r.splitId !== null ? splitTestState(project.db, r.splitId) : undefined;
  const classes = r.classes.map((c) => c.name);
  return rows.filter((e) => e.part !== 'train').map((e) => {
    const m = JSON.parse(e.metrics) as PredictionMetrics;
    return {
      runId: r.id, on: e.part as 'val' | 'test', loss: m.loss, accuracy: m.accuracy, classes,
      perClass: m.perClass.map((p, i) => ({ className: classes[i] ?? String(i), ...p })),
      confusion: m.confusion, auc: m.rocAuc, at: e.created_at,
      testEvaluations: split?.test_evaluations ?? 0, testLocked: split?.test_locked === 1, notice: null,
      images: m.n, skipped: 0, model: e.model,
    };
  });
}

function curveOf(project: Project, runId: number): EpochMetrics[] {
  return runEpochs(project.db, runId).map((e) => ({
    epoch: e.epoch,
    phase: e.stage,
    train: { loss: e.loss, accuracy: e.accuracy },
    val: e.valLoss !== null && e.valAccuracy !== null ? { loss: e.valLoss, accuracy: e.valAccuracy } : null,
    lr: e.lr,
    seconds: e.ms / 1000,
  }));
}

/** Where getRunReport writes a run's HTML report (served as media 'report/<id>'). */
function reportFile(project: Project, runId: number): string {
  return path.join(project.sideDir('runs', String(runId)), 'report.html');
}

export function runsArea(ctx: ServiceContext): RunsArea {
  /** Promises of the runs this process started, so closing the project waits for their records to settle. */
  const active = new Map<number, Promise<unknown>>();

  const emitRun = (project: Project, id: number): void => {
    const r = getRun(project.db, id);
    if (r) ctx.events.emit('run.updated', runSummary(project, r));
  };

  return {
    calls: {
      getRunDefaults: async () => parseRunConfig({}) as RunDetail['config'],
      async estimateRun({ split, backbone, config }) {
        const { estimateRun } = await import('../runs/estimate-run.ts');
        return estimateRun(ctx.project(), { split, backbone, config: parseRunConfig(config ?? {}, 'estimateRun config'), runner: ctx.runner() });
      },
      async startRun({ split, backbone, config, name }) {
        const project = ctx.project();
        const full = parseRunConfig(config ?? {});
        // Loaded on first use: the training code pulls in the ML stack.
        const { trainRun } = await import('../runs/train-run.ts');
        let lastState: string | null = null;
        let created!: (r: RunRecord) => void;
        const createdP = new Promise<RunRecord>((resolve) => (created = resolve));
        const job = ctx.jobs.start('train', 'Training a run', async (h) => {
          let runId = 0;
          const epochs = totalEpochs(full);
          let doneEpochs = 0;
          const onProgress = (p: RunProgress): void => {
            runId = p.runId;
            const r = getRun(project.db, p.runId);
            if (r && r.state !== lastState) {
              lastState = r.state;
              emitRun(project, p.runId);
            }
            const phase = p.stage === 'fine-tune' ? 'fine-tune' : 'head';
            if (p.kind === 'epoch' && p.epoch !== undefined) {
              const metrics = curveOf(project, p.runId).filter((e) => e.phase === phase).find((e) => e.epoch === p.epoch);
              doneEpochs = (phase === 'fine-tune' ? full.head.epochs : 0) + p.epoch;
              h.progress({ done: doneEpochs, total: epochs, unit: 'epochs', message: p.message });
              // ETA over the whole run (both stages) from the job's epoch rate.
              const eta = ctx.jobs.get(h.id)?.etaSeconds ?? p.etaSeconds ?? null;
              if (metrics) ctx.events.emit('run.epoch', { runId: p.runId, metrics, epochs, etaSeconds: eta });
              if (p.valLoss !== undefined) emitRun(project, p.runId);
            } else if (p.kind === 'batch') {
              ctx.events.emit('run.batch', {
                runId: p.runId, phase, epoch: p.epoch ?? null, epochs: p.epochs ?? null, batch: null, batches: null,
                loss: p.loss ?? null, accuracy: null, etaSeconds: p.etaSeconds ?? null, message: p.message,
              });
            } else if (p.message) {
              h.progress({ done: doneEpochs, total: epochs, unit: 'epochs', message: p.message });
            }
          };
          try {
            return await trainRun(project, {
              split, backbone, config: full, runner: ctx.runner(), signal: h.signal, onProgress,
              onCreated: (r) => {
                runId = r.id;
                if (name) updateRun(project.db, r.id, { name });
                h.describe({ label: `Training run ${r.id}`, runId: r.id });
                created(getRun(project.db, r.id)!);
                emitRun(project, r.id);
              },
            });
          } finally {
            if (runId) emitRun(project, runId);
          }
        }, { unit: 'epochs' });
        // The call returns as soon as the run is queued; a run that cannot even be created fails the call.
        const record = await Promise.race([createdP, job.done.then(() => createdP)]);
        active.set(record.id, job.done.catch(() => undefined).finally(() => active.delete(record.id)));
        return runSummary(project, getRun(project.db, record.id) ?? record);
      },
      async listRuns() {
        const project = ctx.project();
        const positions = queuePositions(project);
        return listRunRecords(project.db).map((r) => runSummary(project, r, positions)).sort((a, b) => b.id - a.id);
      },
      async getRunQueue() {
        const project = ctx.project();
        const positions = queuePositions(project);
        const runs = listRunRecords(project.db);
        const running = runs.find((r) => r.state === 'running');
        return {
          running: running ? runSummary(project, running, positions) : null,
          queued: runs.filter((r) => r.state === 'queued').sort((a, b) => a.id - b.id).map((r) => runSummary(project, r, positions)),
        };
      },
      async getRun({ id }) {
        const project = ctx.project();
        const r = requireRun(project.db, id);
        return { ...runSummary(project, r), config: r.config, classes: r.classes.map((c) => c.name), curve: curveOf(project, id), evaluations: evaluationsOf(project, r) };
      },
      async cancelRun({ id }) {
        const project = ctx.project();
        const r = requireRun(project.db, id);
        const job = ctx.jobs.forRun(id);
        if (!job) {
          if (r.state === 'queued' || r.state === 'running') {
            throw new StudioError('conflict', `run ${id} is ${r.state} in another process (the CLI?); cancel it there`);
          }
          return runSummary(project, r);
        }
        ctx.jobs.cancel(job.id);
        if (r.state === 'queued') {
          // A queued run only notices its cancel when its turn comes: record it now.
          updateRun(project.db, id, { state: 'cancelled', error: 'cancelled while queued', finishedAt: Date.now() });
          emitRun(project, id);
        } else await active.get(id);
        return runSummary(project, requireRun(project.db, id));
      },
      async compareRuns({ ids, on }) {
        const project = ctx.project();
        const { compareRuns } = await import('../runs/compare-runs.ts');
        const [first, ...others] = ids;
        const pairs = others.map((b) => compareRuns(project, first, b, on ?? 'val'));
        const records = ids.map((id) => requireRun(project.db, id));
        // Values per run for every key that differs in any pair (a run equal to the first in its pair has the first's value).
        const keys = [...new Set(pairs.flatMap((p) => p.configDiff.map((d) => d.key)))].sort();
        const configDiff = keys.map((key) => {
          const firstValue = pairs.map((p) => p.configDiff.find((d) => d.key === key)).find((d) => d)?.a ?? null;
          return { key, values: [firstValue, ...pairs.map((p) => p.configDiff.find((d) => d.key === key)?.b ?? firstValue)] };
        });
        const db = project.db;
        const predsOf = new Map(ids.map((id) => [id, runPredictions(db, id)]));
        const item = (imageId: number, label: string): DisagreementItem => {
          const row = imageNames(db, [imageId]).get(imageId);
          const predictions: DisagreementItem['predictions'] = {};
          for (const id of ids) {
            const p = predsOf.get(id)?.byImage.get(imageId);
            if (p) predictions[id] = { className: p.className, confidence: p.confidence };
          }
          return { imageId, name: row?.name ?? String(imageId), hash: row?.hash ?? null, label, predictions };
        };
        const runs = records.map((r) => ({ ...runSummary(project, r), config: r.config, classes: r.classes.map((c) => c.name), curve: curveOf(project, r.id), evaluations: evaluationsOf(project, r) }));
        return {
          on: on ?? 'val',
          runs,
          configDiff,
          notes: [...new Set(pairs.flatMap((p) => p.notes))],
          disagreements: pairs.map((p) => ({ a: p.a, b: p.b, onlyA: p.onlyA.map((x) => item(x.imageId, x.label)), onlyB: p.onlyB.map((x) => item(x.imageId, x.label)) })),
        };
      },
      async evaluateRun({ id, on }) {
        const project = ctx.project();
        requireRun(project.db, id);
        const { evaluateRun } = await import('../runs/evaluate-run.ts');
        const job = ctx.jobs.start('evaluate', `Evaluating run ${id} on ${on}`, (h) => evaluateRun(project, id, on, ctx.runner(), h.signal), { runId: id, unit: 'images' });
        const r = await job.done;
        emitRun(project, id);
        ctx.projectChanged();
        return r;
      },
      async exportRun({ runId, format, out, mode, overwrite }) {
        const project = ctx.project();
        requireRun(project.db, runId);
        const { exportRun } = await import('../runs/export-run.ts');
        const job = ctx.jobs.start('export', `Exporting run ${runId} as ${format}`, (h) =>
          exportRun(project, { runId, format, out, tree: mode ?? 'none', overwrite, runner: ctx.runner(), signal: h.signal }), { runId, unit: 'files' });
        const r = await job.done;
        return { runId, format, path: r.path, files: r.files, bytes: r.bytes, check: r.check };
      },
      async getRunReport({ id }) {
        const project = ctx.project();
        const run = requireRun(project.db, id);
        const { buildReport } = await import('../runs/export-run.ts');
        const file = reportFile(project, id);
        writeFileAtomicSync(file, await buildReport(project, run));
        return { runId: id, file };
      },
      async findSuspects({ runId, folds, limit, split, backbone, ranker }) {
        const project = ctx.project();
        if (runId !== undefined) requireRun(project.db, runId);
        const { findSuspects } = await import('../runs/suspects-run.ts');
        const job = ctx.jobs.start('suspects', 'Looking for suspected label errors', (h) =>
          findSuspects(project, { runId, folds, split, backbone, ranker, limit: Number.MAX_SAFE_INTEGER, runner: ctx.runner(), signal: h.signal, onProgress: (message) => h.progress({ done: 0, total: 0, unit: 'folds', message }) }), { unit: 'folds' });
        // Every suspect is ranked and kept (the gallery's suspect filter shows them all); `limit` shortens the answer only.
        const list = ctx.suspects().saveOutcome(await job.done);
        return { ...list, items: list.items.slice(0, limit ?? 200) };
      },
      predictImages: (req) => predictFiles(ctx, req),
      getSuspects: async () => ctx.suspects().current(),
      async confirmLabels({ imageIds }) {
        return { confirmed: ctx.suspects().confirm(imageIds) };
      },
    },
    onProjectOpened(project) {
      // Runs left 'running' or 'queued' by a process that died are 'interrupted' now.
      markInterruptedRuns(project.db);
    },
    async onProjectClosing() {
      await Promise.all([...active.values()]);
    },
    async mediaFile(project, request) {
      if (request.kind !== 'report') return null;
      const file = reportFile(project, request.runId);
      return fs.existsSync(file) ? { file, allowedRoots: [project.sideDir('runs')] } : null;
    },
  };
}

/** The most images one "Try it" call classifies. */
const MAX_PREDICT_FILES = 1000;

/** Image files named, folders expanded to their images (recursively, in name order), at most MAX_PREDICT_FILES. */
function expandImageFiles(paths: string[]): string[] {
  const out: string[] = [];
  const visit = (p: string, depth: number): void => {
    if (out.length >= MAX_PREDICT_FILES) return;
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new StudioError('not-found', `${p} does not exist`);
    }
    if (st.isDirectory()) {
      if (depth > 8 || /\.xstudio\.d$/i.test(p)) return;
      const names = fs.readdirSync(p).filter((n) => !n.startsWith('.')).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      for (const n of names) {
        const child = path.join(p, n);
        if (hasImageExtension(n) || fs.statSync(child, { throwIfNoEntry: false })?.isDirectory()) visit(child, depth + 1);
      }
    } else if (depth === 0 || hasImageExtension(p)) out.push(p);
  };
  for (const p of paths) visit(path.resolve(p), 0);
  if (out.length === 0) throw new StudioError('invalid-argument', `no image files in ${paths.join(', ')}`);
  return out;
}

/**
 * "Try it": a finished run is exported once as a TF.js classifier into its
 * side folder (reused after), or an exported model is used as it is; the
 * worker's 'predict-export' task classifies the files. Each file gets a
 * thumbnail by content hash, so the page can show it.
 */
async function predictFiles(ctx: ServiceContext, req: PredictRequest): Promise<PredictResult> {
  const images = expandImageFiles(req.files);
  let modelPath: string;
  const project = ctx.projectOrNull();
  if (req.runId !== undefined) {
    const p = ctx.project();
    const run = requireRun(p.db, req.runId);
    if (run.state !== 'done') throw new StudioError('invalid-argument', `run ${req.runId} is ${run.state}: only a finished run can classify images`);
    modelPath = path.join(p.sideDir('runs', String(req.runId)), 'try-it-tfjs');
    if (!fs.existsSync(path.join(modelPath, 'model.json'))) {
      const { exportRun } = await import('../runs/export-run.ts');
      const job = ctx.jobs.start('export', `Preparing run ${req.runId} to classify images`, (h) =>
        exportRun(p, { runId: req.runId!, format: 'tfjs', out: modelPath, runner: ctx.runner(), signal: h.signal }), { runId: req.runId, unit: 'files' });
      await job.done;
    }
  } else modelPath = path.resolve(req.model!);
  const result = await ctx.runner().run('predict-export', { model: modelPath, images }, { label: 'classifying images' });
  if (!project) return result;
  // Tried images get their tile from the one thumbnail pipeline, cached by content like the gallery's.
  const { renderThumbnail } = await import('../thumbnails/make-thumbnails.ts');
  const predictions = await Promise.all(result.predictions.map(async (pr) => {
    try {
      const buf = await fs.promises.readFile(pr.path);
      const hash = contentHash(buf);
      const target = thumbnailPath(project, hash);
      if (!fs.existsSync(target)) {
        const jpeg = await renderThumbnail(buf);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        await fs.promises.writeFile(target, jpeg);
      }
      return { ...pr, hash };
    } catch {
      return { ...pr, hash: null };
    }
  }));
  return { ...result, predictions };
}
