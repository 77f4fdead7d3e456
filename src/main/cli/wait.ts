import type { EpochMetrics, JobInfo, RunDetail, RunEpochEvent } from '../../shared/api.ts';
import { StudioError } from '../../shared/errors.ts';
import type { CommandContext } from './command.ts';

const PROGRESS_EVERY_MS = 1000;
/** After Ctrl+C, how long to wait for the job's work to stop (it says what it kept) before closing the project anyway. */
const STOP_WAIT_MS = 30_000;

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function progressLine(j: JobInfo): string {
  // A download is told in MB ("1.7 MB / 2.0 MB (83%), 1.3 MB/s"), not in bytes.
  const bytes = j.unit === 'bytes';
  const of = bytes
    ? (j.total > 0 ? `${mb(j.done)} / ${mb(j.total)} (${((100 * j.done) / j.total).toFixed(0)}%)` : mb(j.done))
    : j.total > 0 ? `${j.done}/${j.total} ${j.unit}` : `${j.done} ${j.unit}`;
  const rate = j.rate ? (bytes ? `, ${mb(j.rate)}/s` : `, ${j.rate.toFixed(1)} ${j.unit}/s`) : '';
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
    let stopping: JobInfo | null = null;
    let timer: NodeJS.Timeout | undefined;
    const finished = await new Promise<JobInfo>((resolve) => {
      const unsubscribe = ctx.events.subscribe((m) => {
        if ((m.event !== 'job.updated' && m.event !== 'job.finished') || m.payload.id !== jobId) return;
        const j = m.payload;
        if (stopping) {
          // The work has stopped (the registry's last job.updated), with its words about what it kept.
          clearTimeout(timer);
          unsubscribe();
          resolve(j);
          return;
        }
        if (m.event === 'job.finished' && j.state === 'cancelled' && j.error === null && ctx.io.signal.aborted) {
          // Cancelled at once by our Ctrl+C: wait for the work to stop before the project is closed.
          stopping = j;
          timer = setTimeout(() => {
            unsubscribe();
            resolve(stopping!);
          }, STOP_WAIT_MS);
          return;
        }
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
        if (j && j.state !== 'running' && j.state !== 'queued' && !stopping) {
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

/** The core's own epoch lines ("epoch 3/12 loss …", "fine-tune epoch 1/2 …"): the CLI prints run.epoch events instead. */
const EPOCH_MESSAGE = /^(fine-tune )?epoch \d+\//;

/**
 * Waits for a queued run to end, printing one line per epoch ("epoch 3/12")
 * and the run's notes (left-out images, the fine-tuning estimate); Ctrl+C
 * cancels it. Resolves with its detail.
 */
export async function waitForRun(ctx: CommandContext, runId: number): Promise<RunDetail> {
  const onAbort = (): void => {
    void ctx.service.cancelRun({ id: runId }).catch(() => undefined);
  };
  ctx.io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let totals: Record<EpochMetrics['phase'], number> | null = null;
    let lastNote: string | null = null;
    await new Promise<void>((resolve) => {
      const unsubscribe = ctx.events.subscribe((m) => {
        if (m.event === 'run.epoch' && m.payload.runId === runId) ctx.io.progress(epochLine(m.payload, totals?.[m.payload.metrics.phase] ?? m.payload.epochs));
        // The run's job carries its notes in words; the epoch lines among them are printed from run.epoch above.
        if (m.event === 'job.updated' && m.payload.runId === runId && m.payload.state === 'running') {
          const note = m.payload.message;
          if (note && note !== lastNote && !EPOCH_MESSAGE.test(note)) ctx.io.progress(`run ${runId}: ${note}`);
          lastNote = note;
        }
        if (m.event === 'run.updated' && m.payload.id === runId && ENDED.has(m.payload.state)) {
          unsubscribe();
          resolve();
        }
      });
      void ctx.service.getRun({ id: runId }).then((r) => {
        totals = { head: r.config.head.epochs, 'fine-tune': r.config.fineTune.epochs };
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

/** "run 3 head epoch 4/12: loss … acc …, val loss … acc …, 20 s left". */
function epochLine(e: RunEpochEvent, of: number): string {
  const m = e.metrics;
  const val = m.val ? `, val loss ${m.val.loss.toFixed(4)} acc ${m.val.accuracy.toFixed(4)}` : '';
  const eta = e.etaSeconds ? `, ${Math.ceil(e.etaSeconds)} s left` : '';
  return `run ${e.runId} ${m.phase} epoch ${m.epoch}/${of}: loss ${m.train.loss.toFixed(4)} acc ${m.train.accuracy.toFixed(4)}${val}${eta}`;
}
