import { selectBackend } from '../backend.ts';
import { predictHead, trainHead, type EpochMetrics, type HeadWeights, type TrainHeadInput } from '../head.ts';
import type { TaskHandler } from './task.ts';

/** What the core sends: the training input without callbacks (those are the worker's). */
export type TrainHeadPayload = Omit<TrainHeadInput, 'initial' | 'onEpoch' | 'onBatch' | 'signal'>;

/** Streamed after every epoch; `best` only when the epoch became the kept checkpoint. */
export interface TrainHeadPartial {
  type: 'epoch';
  metrics: EpochMetrics;
  best?: HeadWeights;
}

export interface TrainHeadTaskResult {
  backend: string;
  best: HeadWeights;
  bestEpoch: number;
  history: EpochMetrics[];
  stoppedEarly: boolean;
  /** Probabilities of the best checkpoint on the validation part (n × classes). */
  valProbs: Float32Array | null;
  ms: number;
}

/** Stage 1 in the worker: the head on cached features. */
export const trainHeadTask: TaskHandler<TrainHeadPayload, TrainHeadTaskResult, TrainHeadPartial> = async (p, ctx) => {
  const backend = await selectBackend();
  const t0 = performance.now();
  let lastReport = 0;
  const r = trainHead({
    ...p,
    signal: ctx.signal,
    onBatch: ({ epoch, batch, batches, loss }) => {
      const now = performance.now();
      if (now - lastReport < 250 && batch < batches) return;
      lastReport = now;
      ctx.progress({ done: (epoch - 1) * batches + batch, total: p.config.epochs * batches, unit: 'batches', message: `epoch ${epoch}/${p.config.epochs}`, detail: { epoch, batch, batches, loss } });
    },
    onEpoch: (metrics, best) => {
      ctx.emit({ type: 'epoch', metrics, best } satisfies TrainHeadPartial);
    },
  });
  const valProbs = p.val && p.val.y.length ? predictHead(r.best, p.val.x, p.val.y.length) : null;
  return { backend: backend.name, ...r, valProbs, ms: performance.now() - t0 };
};

export interface PredictHeadPayload {
  weights: HeadWeights;
  x: Float32Array;
  n: number;
}

/** Probabilities of a head on a feature matrix. */
export const predictHeadTask: TaskHandler<PredictHeadPayload, { backend: string; probs: Float32Array }> = async (p) => {
  const backend = await selectBackend();
  return { backend: backend.name, probs: predictHead(p.weights, p.x, p.n) };
};
