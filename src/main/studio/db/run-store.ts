import type { Part, RunState } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import type { EpochMetrics } from '../../ml/head.ts';
import type { PredictionMetrics } from '../../common/metrics.ts';
import type { RunConfig } from '../../../shared/run-config.ts';
import { processAlive } from '../jobs/process-alive.ts';
import { latestEntryInEffect } from './label-store.ts';
import type { Db } from './project-db.ts';

/** The run store: tables runs, run_images, run_epochs, run_evaluations, run_predictions and run_artefacts (migration 003). Every write is one transaction. */

export type { Part, RunState };
export type Stage = 'head' | 'fine-tune';

export interface RunClass {
  id: number;
  name: string;
}

export interface RunRecord {
  id: number;
  name: string;
  state: RunState;
  error: string | null;
  splitId: number | null;
  splitName: string;
  backboneKey: string;
  backboneId: string | null;
  backboneName: string | null;
  weightsHash: string | null;
  randomInit: boolean;
  featureDim: number | null;
  backend: string | null;
  seed: number;
  config: RunConfig;
  classes: RunClass[];
  labelHistoryId: number | null;
  stage: Stage | null;
  bestEpoch: number | null;
  val: { loss: number | null; accuracy: number | null };
  timings: Record<string, number>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface RunRow {
  id: number;
  name: string;
  state: RunState;
  error: string | null;
  split_id: number | null;
  split_name: string;
  backbone_key: string;
  backbone_id: string | null;
  backbone_name: string | null;
  weights_hash: string | null;
  random_init: number;
  feature_dim: number | null;
  backend: string | null;
  seed: number;
  config: string;
  classes: string;
  label_history_id: number | null;
  owner_pid: number | null;
  stage: Stage | null;
  best_epoch: number | null;
  val_loss: number | null;
  val_accuracy: number | null;
  timings: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name || `run ${r.id}`,
    state: r.state,
    error: r.error,
    splitId: r.split_id,
    splitName: r.split_name,
    backboneKey: r.backbone_key,
    backboneId: r.backbone_id,
    backboneName: r.backbone_name,
    weightsHash: r.weights_hash,
    randomInit: r.random_init === 1,
    featureDim: r.feature_dim,
    backend: r.backend,
    seed: r.seed,
    config: JSON.parse(r.config) as RunConfig,
    classes: JSON.parse(r.classes) as RunClass[],
    labelHistoryId: r.label_history_id,
    stage: r.stage,
    bestEpoch: r.best_epoch,
    val: { loss: r.val_loss, accuracy: r.val_accuracy },
    timings: r.timings ? (JSON.parse(r.timings) as Record<string, number>) : {},
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

/** What a new run starts from: its identity fields, and the images (with their labels) it trains on. */
export type NewRun = Pick<
  RunRecord,
  'splitName' | 'backboneKey' | 'backboneId' | 'backboneName' | 'weightsHash' | 'randomInit' | 'featureDim' | 'config' | 'classes'
> & {
  name?: string;
  splitId: number;
  images: { imageId: number; part: Part; classId: number }[];
};

/** The newest label-history entry in effect (not undone), or null when labels were never changed. */
export function labelHistoryPosition(db: Db): number | null {
  return latestEntryInEffect(db);
}

export function createRun(db: Db, run: NewRun): RunRecord {
  const id = db.transaction(() => {
    const info = db
      .prepare(
        `INSERT INTO runs (name, state, split_id, split_name, backbone_key, backbone_id, backbone_name, weights_hash, random_init, feature_dim,
                           seed, config, classes, label_history_id, owner_pid, created_at)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.name ?? '',
        run.splitId,
        run.splitName,
        run.backboneKey,
        run.backboneId,
        run.backboneName,
        run.weightsHash,
        run.randomInit ? 1 : 0,
        run.featureDim,
        run.config.seed,
        JSON.stringify(run.config),
        JSON.stringify(run.classes),
        labelHistoryPosition(db),
        process.pid,
        Date.now(),
      );
    const runId = Number(info.lastInsertRowid);
    const ins = db.prepare('INSERT INTO run_images (run_id, image_id, part, class_id) VALUES (?, ?, ?, ?)');
    for (const im of run.images) ins.run(runId, im.imageId, im.part, im.classId);
    return runId;
  }).immediate();
  return getRun(db, id)!;
}

export function getRun(db: Db, id: number): RunRecord | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  return row && toRecord(row);
}

export function requireRun(db: Db, id: number): RunRecord {
  const r = getRun(db, id);
  if (!r) throw new StudioError('not-found', `no run ${id} in project ${db.name}`);
  return r;
}

export function listRunRecords(db: Db): RunRecord[] {
  return (db.prepare('SELECT * FROM runs ORDER BY id DESC').all() as RunRow[]).map(toRecord);
}

export function updateRun(
  db: Db,
  id: number,
  patch: Partial<{ name: string; state: RunState; error: string | null; backend: string; backboneId: string; stage: Stage | null; bestEpoch: number; valLoss: number | null; valAccuracy: number | null; timings: Record<string, number>; startedAt: number; finishedAt: number; ownerPid: number | null }>,
): void {
  const cols: Record<string, string> = {
    name: 'name', state: 'state', error: 'error', backend: 'backend', backboneId: 'backbone_id', stage: 'stage', bestEpoch: 'best_epoch', valLoss: 'val_loss',
    valAccuracy: 'val_accuracy', timings: 'timings', startedAt: 'started_at', finishedAt: 'finished_at', ownerPid: 'owner_pid',
  };
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    sets.push(`${cols[k]} = ?`);
    values.push(k === 'timings' ? JSON.stringify(v) : v);
  }
  if (sets.length === 0) return;
  db.transaction(() => db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id)).immediate();
}

export function addEpoch(db: Db, runId: number, stage: Stage, m: EpochMetrics): void {
  db.transaction(() =>
    db
      .prepare('INSERT OR REPLACE INTO run_epochs (run_id, stage, epoch, loss, accuracy, val_loss, val_accuracy, lr, ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, stage, m.epoch, m.loss, m.accuracy, m.valLoss, m.valAccuracy, m.lr, m.ms),
  ).immediate();
}

export function runEpochs(db: Db, runId: number): (EpochMetrics & { stage: Stage })[] {
  const rows = db.prepare('SELECT * FROM run_epochs WHERE run_id = ? ORDER BY stage = \'fine-tune\', epoch').all(runId) as {
    stage: Stage; epoch: number; loss: number; accuracy: number; val_loss: number | null; val_accuracy: number | null; lr: number; ms: number;
  }[];
  return rows.map((r) => ({ stage: r.stage, epoch: r.epoch, loss: r.loss, accuracy: r.accuracy, valLoss: r.val_loss, valAccuracy: r.val_accuracy, lr: r.lr, ms: r.ms }));
}

export function runImages(db: Db, runId: number, part?: Part): { imageId: number; part: Part; classId: number }[] {
  const rows = db
    .prepare(`SELECT image_id AS imageId, part, class_id AS classId FROM run_images WHERE run_id = ? ${part ? 'AND part = ?' : ''} ORDER BY image_id`)
    .all(...(part ? [runId, part] : [runId])) as { imageId: number; part: Part; classId: number }[];
  return rows;
}

export function addArtefact(db: Db, runId: number, kind: string, file: string): void {
  db.transaction(() => {
    db.prepare('DELETE FROM run_artefacts WHERE run_id = ? AND kind = ? AND path = ?').run(runId, kind, file);
    db.prepare('INSERT INTO run_artefacts (run_id, kind, path, created_at) VALUES (?, ?, ?, ?)').run(runId, kind, file, Date.now());
  }).immediate();
}

export function runArtefacts(db: Db, runId: number): { kind: string; path: string; createdAt: number }[] {
  return db.prepare('SELECT kind, path, created_at AS createdAt FROM run_artefacts WHERE run_id = ? ORDER BY id').all(runId) as {
    kind: string; path: string; createdAt: number;
  }[];
}

export interface StoredPrediction {
  imageId: number;
  trueClass: number;
  predicted: number;
  correct: boolean;
  probs: number[];
}

export interface StoredEvaluation {
  id: number;
  runId: number;
  part: Part;
  model: 'head' | 'fine-tuned';
  metrics: PredictionMetrics;
  createdAt: number;
}

export function addEvaluation(
  db: Db,
  runId: number,
  part: Part,
  model: 'head' | 'fine-tuned',
  metrics: PredictionMetrics,
  predictions: StoredPrediction[],
): number {
  return db.transaction(() => {
    const info = db
      .prepare('INSERT INTO run_evaluations (run_id, part, model, n, loss, accuracy, metrics, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, part, model, metrics.n, metrics.loss, metrics.accuracy, JSON.stringify(metrics), Date.now());
    const evalId = Number(info.lastInsertRowid);
    const ins = db.prepare('INSERT INTO run_predictions (evaluation_id, image_id, true_class, predicted, correct, probs) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of predictions) {
      const f = Float32Array.from(p.probs);
      ins.run(evalId, p.imageId, p.trueClass, p.predicted, p.correct ? 1 : 0, Buffer.from(f.buffer));
    }
    return evalId;
  }).immediate();
}

/** The newest evaluation of a run on a part, if any. */
export function latestEvaluation(db: Db, runId: number, part: Part): StoredEvaluation | undefined {
  const row = db.prepare('SELECT * FROM run_evaluations WHERE run_id = ? AND part = ? ORDER BY id DESC LIMIT 1').get(runId, part) as
    | { id: number; run_id: number; part: Part; model: 'head' | 'fine-tuned'; metrics: string; created_at: number }
    | undefined;
  return row && { id: row.id, runId: row.run_id, part: row.part, model: row.model, metrics: JSON.parse(row.metrics) as PredictionMetrics, createdAt: row.created_at };
}

export function evaluationPredictions(db: Db, evaluationId: number): StoredPrediction[] {
  const rows = db.prepare('SELECT * FROM run_predictions WHERE evaluation_id = ? ORDER BY image_id').all(evaluationId) as {
    image_id: number; true_class: number; predicted: number; correct: number; probs: Buffer;
  }[];
  return rows.map((r) => {
    const f = new Float32Array(r.probs.byteLength / 4);
    new Uint8Array(f.buffer).set(r.probs);
    return { imageId: r.image_id, trueClass: r.true_class, predicted: r.predicted, correct: r.correct === 1, probs: Array.from(f) };
  });
}

/**
 * Runs left 'running' or 'queued' by a process that is gone are marked
 * 'interrupted' (their checkpoint and metrics stay). Called whenever runs are
 * opened or listed, so the next start finds them.
 */
export function markInterruptedRuns(db: Db): number[] {
  const rows = db.prepare("SELECT id, owner_pid FROM runs WHERE state IN ('running', 'queued')").all() as { id: number; owner_pid: number | null }[];
  const dead = rows.filter((r) => r.owner_pid === null || (r.owner_pid !== process.pid && !processAlive(r.owner_pid))).map((r) => r.id);
  if (dead.length) {
    const upd = db.prepare("UPDATE runs SET state = 'interrupted', error = ?, finished_at = COALESCE(finished_at, ?) WHERE id = ? AND state IN ('running', 'queued')");
    db.transaction(() => {
      for (const id of dead) upd.run('the process running it ended before the run finished (checkpoint and metrics so far are kept)', Date.now(), id);
    }).immediate();
  }
  return dead;
}

/** Queued runs, oldest first (their queue order). */
export function queuedRunIds(db: Db): number[] {
  return db.prepare(`SELECT id FROM runs WHERE state = 'queued' ORDER BY id`).pluck().all() as number[];
}

/** Runs other than `runId` that a process is running now, with that process. */
export function otherRunningRuns(db: Db, runId: number): { id: number; owner_pid: number | null }[] {
  return db.prepare("SELECT id, owner_pid FROM runs WHERE state = 'running' AND id != ?").all(runId) as { id: number; owner_pid: number | null }[];
}

/** Every evaluation of a run, oldest first, metrics as stored (JSON). */
export function runEvaluations(db: Db, runId: number): { id: number; part: Part; model: 'head' | 'fine-tuned'; metrics: string; created_at: number }[] {
  return db.prepare('SELECT id, part, model, metrics, created_at FROM run_evaluations WHERE run_id = ? ORDER BY id').all(runId) as {
    id: number; part: Part; model: 'head' | 'fine-tuned'; metrics: string; created_at: number;
  }[];
}

export function runExists(db: Db, runId: number): boolean {
  return db.prepare('SELECT 1 FROM runs WHERE id = ?').get(runId) !== undefined;
}

/** The newest finished run that has predictions, or null. */
export function latestPredictedRun(db: Db): number | null {
  return (db.prepare(`SELECT r.id FROM runs r WHERE r.state = 'done' AND EXISTS (SELECT 1 FROM run_evaluations e WHERE e.run_id = r.id) ORDER BY r.id DESC LIMIT 1`).pluck().get() as number | undefined) ?? null;
}

/** The newest evaluation id of each part a run was evaluated on, in part order. */
export function latestEvaluationIdsByPart(db: Db, runId: number): number[] {
  return db.prepare('SELECT max(id) FROM run_evaluations WHERE run_id = ? GROUP BY part ORDER BY part').pluck().all(runId) as number[];
}

/** A run's class names in output order, or undefined when there is no such run. */
export function runClassNames(db: Db, runId: number): string[] | undefined {
  const classes = db.prepare('SELECT classes FROM runs WHERE id = ?').pluck().get(runId) as string | undefined;
  return classes === undefined ? undefined : (JSON.parse(classes) as RunClass[]).map((c) => c.name);
}

/** The raw prediction rows of an evaluation (probs: float32 little-endian), read one at a time. */
export function iteratePredictionRows(db: Db, evaluationId: number): Iterable<{ image_id: number; true_class: number; predicted: number; correct: number; probs: Buffer }> {
  return db.prepare('SELECT image_id, true_class, predicted, correct, probs FROM run_predictions WHERE evaluation_id = ?').iterate(evaluationId) as Iterable<{
    image_id: number; true_class: number; predicted: number; correct: number; probs: Buffer;
  }>;
}

/** The runs (newest first, at most `limit`) with a prediction for an image. */
export function runsPredictingImage(db: Db, imageId: number, limit = 20): number[] {
  return db.prepare('SELECT DISTINCT e.run_id FROM run_predictions p JOIN run_evaluations e ON e.id = p.evaluation_id WHERE p.image_id = ? ORDER BY e.run_id DESC LIMIT ?').pluck().all(imageId, limit) as number[];
}
