import type { JobInfo, RunDetail, RunEpochEvent } from '../../shared/api.ts';
import { StudioError } from '../../shared/errors.ts';
import type { CommandContext } from './command.ts';

const PROGRESS_EVERY_MS = 1000;

function progressLine(j: JobInfo): string {
  const of = j.total > 0 ? `${j.done}/${j.total} ${j.unit}` : `${j.done} ${j.unit}`;
  const rate = j.rate ? `, ${j.rate.toFixed(1)} ${j.unit}/s` : '';
  const eta = j.etaSeconds !== null && j.etaSeconds > 0 ? `, ${Math.ceil(j.etaSeconds)} s left` : '';
  return `${j.label}: ${of}${rate}${eta}${j.message ? ` — ${j.message}` : ''}`;
}

/**
 * Waits for a job the service started (the same job the UI's Jobs panel
 * shows), printing its progress on stderr at most once a second; Ctrl+C
 * cancels it through the service. Resolves with the job's result.
 */
export async function waitForJob<T>(ctx: CommandContext, jobId: string): Promise<T> {
  let last = -Infinity;
  const onAbort = (): void => {
    void ctx.service.cancelJob({ jobId }).catch(() => undefined);
  };
  ctx.io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const finished = await new Promise<JobInfo>((resolve) => {
      const unsubscribe = ctx.events.subscribe((m) => {
        if ((m.event !== 'job.updated' && m.event !== 'job.finished') || m.payload.id !== jobId) return;
        const j = m.payload;
        if (m.event === 'job.finished' || (j.state !== 'running' && j.state !== 'queued')) {
          unsubscribe();
          resolve(j);
          return;
        }
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          last = now;
          ctx.io.progress(progressLine(j));
        }
      });
      // The job may have ended before we subscribed.
      void ctx.service.listJobs({}).then((jobs) => {
        const j = jobs.find((x) => x.id === jobId);
        if (j && j.state !== 'running' && j.state !== 'queued') {
          unsubscribe();
          resolve(j);
        }
      });
    });
    if (finished.state === 'done') return finished.result as T;
    const e = finished.error;
    throw new StudioError(e?.code ?? (finished.state === 'cancelled' ? 'cancelled' : 'internal'), e?.message ?? `${finished.label}: ${finished.state}`, e?.field);
  } finally {
    ctx.io.signal.removeEventListener('abort', onAbort);
  }
}

const ENDED = new Set(['done', 'failed', 'cancelled', 'interrupted']);

/** Waits for a queued run to end, printing one line per epoch; Ctrl+C cancels it. Resolves with its detail. */
export async function waitForRun(ctx: CommandContext, runId: number): Promise<RunDetail> {
  const onAbort = (): void => {
    void ctx.service.cancelRun({ id: runId }).catch(() => undefined);
  };
  ctx.io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await new Promise<void>((resolve) => {
      const unsubscribe = ctx.events.subscribe((m) => {
        if (m.event === 'run.epoch' && m.payload.runId === runId) ctx.io.progress(epochLine(m.payload));
        if (m.event === 'run.updated' && m.payload.id === runId && ENDED.has(m.payload.state)) {
          unsubscribe();
          resolve();
        }
      });
      void ctx.service.getRun({ id: runId }).then((r) => {
        if (ENDED.has(r.state)) {
          unsubscribe();
          resolve();
        }
      });
    });
    return await ctx.service.getRun({ id: runId });
  } finally {
    ctx.io.signal.removeEventListener('abort', onAbort);
  }
}

function epochLine(e: RunEpochEvent): string {
  const m = e.metrics;
  const val = m.val ? `, val loss ${m.val.loss.toFixed(4)} acc ${m.val.accuracy.toFixed(4)}` : '';
  const eta = e.etaSeconds ? `, ${Math.ceil(e.etaSeconds)} s left` : '';
  return `run ${e.runId} ${m.phase} epoch ${m.epoch}: loss ${m.train.loss.toFixed(4)} acc ${m.train.accuracy.toFixed(4)}${val}${eta}`;
}
