import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind } from '../../../shared/api.ts';
import { serializeError, StudioError } from '../../../shared/errors.ts';
import { ProgressMeter } from '../jobs/progress-meter.ts';
import type { StudioEventBus } from './event-bus.ts';

export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Reports progress; rate and ETA are computed here. Events are throttled. */
  progress(p: { done: number; total: number; unit?: string; message?: string }): void;
  /** Names the job better once known (e.g. the run id after the run record exists). */
  describe(d: { label?: string; runId?: number }): void;
}

/** How often a job's progress reaches the UI at most (ms). The final state always does. */
const PROGRESS_INTERVAL_MS = 200;
/** Finished jobs kept for listJobs. */
const KEEP_FINISHED = 50;

/**
 * The long work of the studio as the status bar sees it: each job has an id,
 * progress with rate and ETA, a final state, and can be cancelled (its
 * AbortSignal fires; the job's code ends its worker process).
 */
export class JobRegistry {
  private readonly jobs = new Map<string, { info: JobInfo; controller: AbortController }>();

  constructor(private readonly events: StudioEventBus) {}

  /** Starts `work` as a job and returns at once; the promise settles with the job's result. */
  start<T>(kind: JobKind, label: string, work: (job: JobHandle) => Promise<T>, extra: { runId?: number; unit?: string } = {}): { id: string; done: Promise<T> } {
    const id = randomUUID();
    const controller = new AbortController();
    const info: JobInfo = {
      id, kind, label, state: 'running', done: 0, total: 0, unit: extra.unit ?? 'items', rate: null, etaSeconds: null,
      message: null, startedAt: Date.now(), finishedAt: null, error: null, runId: extra.runId ?? null, result: null,
    };
    this.jobs.set(id, { info, controller });
    this.prune();
    this.events.emit('job.updated', { ...info });

    const meter = new ProgressMeter();
    let lastSent = 0;
    const handle: JobHandle = {
      id,
      signal: controller.signal,
      describe: (d) => {
        if (d.label !== undefined) info.label = d.label;
        if (d.runId !== undefined) info.runId = d.runId;
        this.events.emit('job.updated', { ...info });
      },
      progress: (p) => {
        if (info.state !== 'running') return;
        const m = meter.update({ done: p.done, total: p.total, unit: p.unit ?? info.unit, message: p.message });
        Object.assign(info, { done: m.done, total: m.total, unit: m.unit, rate: m.rate, etaSeconds: m.etaSeconds, message: p.message ?? info.message });
        const now = Date.now();
        if (now - lastSent >= PROGRESS_INTERVAL_MS || m.done >= m.total) {
          lastSent = now;
          this.events.emit('job.updated', { ...info });
        }
      },
    };

    const done = (async () => {
      try {
        const result = await work(handle);
        if (!this.finish(info, controller.signal.aborted ? 'cancelled' : 'done', null, result)) this.stopped(info, null);
        return result;
      } catch (err) {
        const cancelled = controller.signal.aborted || (err instanceof StudioError && err.code === 'cancelled');
        // A cancelled job carries the work's own words when it has them ("extraction cancelled: 12 image features stored, …").
        const said = err instanceof StudioError && err.code === 'cancelled' ? serializeError(err) : null;
        if (!this.finish(info, cancelled ? 'cancelled' : 'failed', cancelled ? said : serializeError(err), null)) {
          this.stopped(info, said);
        }
        throw err;
      }
    })();
    // Callers that only watch events must not see an unhandled rejection.
    done.catch(() => {});
    return { id, done };
  }

  cancel(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new StudioError('not-found', `no job with id ${id} (it may have finished long ago)`);
    if (job.info.state === 'running' || job.info.state === 'queued') {
      job.controller.abort(new StudioError('cancelled', `${job.info.label}: cancelled`));
      // Shown as cancelled at once; the work itself may take a moment to stop (or, queued, to notice).
      this.finish(job.info, 'cancelled', null, null);
    }
    return { ...job.info };
  }

  /** The running job of a run, if any. */
  forRun(runId: number): JobInfo | undefined {
    return [...this.jobs.values()].map((j) => j.info).find((i) => i.runId === runId && i.state === 'running');
  }

  get(id: string): JobInfo | undefined {
    const job = this.jobs.get(id);
    return job ? { ...job.info } : undefined;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info })).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Cancels every running job (closing the project or the server). */
  cancelAll(): void {
    for (const j of this.jobs.values()) if (j.info.state === 'running') j.controller.abort(new StudioError('cancelled', `${j.info.label}: cancelled`));
  }

  /** Ends the job; false when it had already ended (cancelled at once by `cancel`). */
  private finish(info: JobInfo, state: JobInfo['state'], error: JobInfo['error'], result: unknown): boolean {
    if (info.finishedAt !== null) return false;
    Object.assign(info, { state, error, result: result ?? null, finishedAt: Date.now(), etaSeconds: state === 'done' ? 0 : null });
    if (state === 'done' && info.total > 0) info.done = info.total;
    this.events.emit('job.finished', { ...info });
    return true;
  }

  /**
   * The work of a job that `cancel` ended at once (error null) has now stopped:
   * one more job.updated says so, with the work's words about what it kept.
   * Whoever waits for the work itself to end (the CLI before it closes the project) waits for it.
   */
  private stopped(info: JobInfo, error: JobInfo['error']): void {
    if (error) info.error = error;
    this.events.emit('job.updated', { ...info });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.info.state !== 'running').sort((a, b) => a.info.startedAt - b.info.startedAt);
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.info.id);
  }
}
