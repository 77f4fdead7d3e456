import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { StudioError } from '../../../shared/errors.ts';
import type { FromWorker, ToWorker } from '../../ml/tasks/task.ts';
import type { TaskKind, TaskPartial, TaskPayload, TaskResult } from '../../ml/tasks/index.ts';
import { ProgressMeter, type JobProgress } from './progress-meter.ts';
import { resolveWorkerEntry, type WorkerEntry } from './worker-entry.ts';

export interface RunOptions<E = unknown> {
  onProgress?(p: JobProgress): void;
  /** Called for each partial result, in order, before the job resolves. May return a promise (awaited before the job settles). */
  onPartial?(data: E): void | Promise<void>;
  /** Abort = cancel: a queued job is dropped, a running one has its worker killed. Rejects with code 'cancelled'. */
  signal?: AbortSignal;
  /** What the job does, for messages: 'extracting features'. Defaults from the kind. */
  label?: string;
}

export interface JobRunnerOptions {
  /** Most worker processes alive at once (default: one per core). */
  maxWorkers?: number;
  /**
   * An idle worker is ended after this long (default 120 s), giving back the
   * memory of the model it keeps loaded; the next job starts a new one.
   */
  idleTimeoutMs?: number;
  /** Extra environment for workers (e.g. XSTUDIO_BACKEND). */
  env?: NodeJS.ProcessEnv;
  entry?: WorkerEntry;
}

const LABELS: Record<string, string> = {
  extract: 'extracting features',
  'backend-info': 'selecting the ML backend',
  'train-head': 'training the head',
  'fine-tune': 'fine-tuning',
  evaluate: 'evaluating',
  export: 'exporting',
};

interface Job {
  id: number;
  kind: string;
  payload: unknown;
  opts: RunOptions;
  label: string;
  meter?: ProgressMeter;
  pendingPartials: Promise<void>[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onAbort?: () => void;
  worker?: Worker;
  settled: boolean;
  /** Set when cancel (or a failing onPartial) killed the worker on purpose. */
  killedFor?: StudioError;
}

interface Worker {
  child: ChildProcess;
  job?: Job;
  stderrTail: string;
  exited: Promise<void>;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Runs ML tasks (src/main/ml/tasks) in worker processes. Jobs wait in a queue
 * for a free worker; up to `maxWorkers` processes live at once and stay alive
 * between jobs (idle workers do not keep the process from exiting). A worker
 * that crashes or is killed fails only its job; the next job gets a new one.
 *
 * Used the same way by the CLI, the tests and the UI server.
 */
export class JobRunner {
  readonly maxWorkers: number;
  private readonly workers = new Set<Worker>();
  private readonly queue: Job[] = [];
  private readonly entry: WorkerEntry;
  private readonly idleTimeoutMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: JobRunnerOptions = {}) {
    this.maxWorkers = Math.max(1, options.maxWorkers ?? os.availableParallelism());
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    const entry = options.entry ?? resolveWorkerEntry();
    this.entry = { ...entry, env: { ...entry.env, ...options.env } };
  }

  /** Runs `kind` with `payload` in a worker; resolves with the task's result. Typed by the worker protocol (ml/tasks/index.ts). */
  run<K extends TaskKind>(kind: K, payload: TaskPayload<K>, opts: RunOptions<TaskPartial<K>> = {}): Promise<TaskResult<K>> {
    if (this.closed) return Promise.reject(new StudioError('internal', 'the job runner is closed'));
    return new Promise<TaskResult<K>>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        kind,
        payload,
        // The job list holds jobs of every kind: each keeps the options it was given, seen from here as taking any partial.
        opts: opts as RunOptions,
        label: opts.label ?? LABELS[kind] ?? `running task "${kind}"`,
        pendingPartials: [],
        resolve: resolve as (v: unknown) => void,
        reject,
        settled: false,
      };
      if (opts.signal?.aborted) return reject(cancelled(job));
      job.onAbort = () => this.cancel(job);
      opts.signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Jobs running and waiting, for status displays. */
  get stats(): { workers: number; running: number; queued: number } {
    let running = 0;
    for (const w of this.workers) if (w.job) running++;
    return { workers: this.workers.size, running, queued: this.queue.length };
  }

  /** Process ids of the live workers (status displays; tests kill one to play the OOM killer). */
  get workerPids(): number[] {
    return [...this.workers].map((w) => w.child.pid).filter((p): p is number => p !== undefined);
  }

  /** Ends every worker; running and queued jobs are rejected as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, cancelled(job));
    const exits = [...this.workers].map((w) => {
      if (w.job) w.job.killedFor = cancelled(w.job);
      // Hold the event loop until the exit is seen (idle workers are unref'd).
      setRef(w, true);
      w.child.kill('SIGKILL');
      return w.exited;
    });
    await Promise.all(exits);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker = [...this.workers].find((w) => !w.job);
      if (!worker) {
        if (this.workers.size >= this.maxWorkers) return;
        worker = this.spawn();
      }
      const job = this.queue.shift()!;
      this.assign(worker, job);
    }
  }

  private spawn(): Worker {
    const child = fork(this.entry.file, [], {
      execArgv: this.entry.execArgv,
      env: this.entry.env,
      serialization: 'advanced',
      // stdout is never inherited: the CLI's stdout carries exactly one JSON object.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let resolveExit!: () => void;
    const worker: Worker = { child, stderrTail: '', exited: new Promise<void>((r) => (resolveExit = r)) };
    child.stdout?.on('data', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.XSTUDIO_DEBUG) process.stderr.write(chunk);
      worker.stderrTail = (worker.stderrTail + chunk.toString()).slice(-2000);
    });
    child.on('message', (msg: FromWorker) => this.onMessage(worker, msg));
    child.on('error', (err) => {
      const job = worker.job;
      if (job) this.settle(job, new StudioError('internal', `could not start the ML worker (${this.entry.file}) while ${job.label}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(worker.idleTimer);
      this.workers.delete(worker);
      const job = worker.job;
      worker.job = undefined;
      if (job) this.settle(job, job.killedFor ?? crashError(job, code, signal, worker.stderrTail));
      resolveExit();
      this.dispatch();
    });
    this.workers.add(worker);
    return worker;
  }

  private assign(worker: Worker, job: Job): void {
    worker.job = job;
    job.worker = worker;
    clearTimeout(worker.idleTimer);
    setRef(worker, true);
    const msg: ToWorker = { type: 'run', id: job.id, kind: job.kind, payload: job.payload };
    worker.child.send(msg, (err) => {
      if (err && !job.settled) this.settle(job, new StudioError('internal', `could not send the job to the ML worker while ${job.label}: ${err.message}`));
    });
  }

  private onMessage(worker: Worker, msg: FromWorker): void {
    if (msg.type === 'ready') return;
    const job = worker.job;
    if (!job || job.id !== msg.id || job.killedFor) return;
    switch (msg.type) {
      case 'progress': {
        job.meter ??= new ProgressMeter();
        job.opts.onProgress?.(job.meter.update(msg.progress));
        break;
      }
      case 'partial': {
        try {
          const r = job.opts.onPartial?.(msg.data);
          if (r) job.pendingPartials.push(r.catch((e: unknown) => this.failFromCore(job, e)));
        } catch (e) {
          this.failFromCore(job, e);
        }
        break;
      }
      case 'done':
      case 'error': {
        worker.job = undefined;
        setRef(worker, false);
        worker.idleTimer = setTimeout(() => {
          if (!worker.job) worker.child.kill('SIGKILL');
        }, this.idleTimeoutMs);
        worker.idleTimer.unref();
        const outcome = msg.type === 'done' ? msg.result : new StudioError(msg.error.code, msg.error.message, msg.error.field);
        void Promise.all(job.pendingPartials).then(() => this.settle(job, outcome, msg.type === 'done'));
        this.dispatch();
        break;
      }
    }
  }

  /** Storing a partial failed in the core: the job cannot go on meaningfully. */
  private failFromCore(job: Job, e: unknown): void {
    if (job.settled || job.killedFor) return;
    const err = e instanceof StudioError ? e : new StudioError('internal', `${job.label}: ${(e as Error).message}`);
    if (job.worker?.job === job) {
      job.killedFor = err;
      job.worker.child.kill('SIGKILL');
    } else this.settle(job, err);
  }

  private cancel(job: Job): void {
    if (job.settled) return;
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.settle(job, cancelled(job));
      return;
    }
    if (job.worker?.job === job) {
      // Ending the process is the only cancel that always works (a forward
      // pass cannot be interrupted); the job settles when the process is gone.
      job.killedFor = cancelled(job);
      job.worker.child.kill('SIGKILL');
    }
  }

  private settle(job: Job, outcome: unknown, ok = false): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.opts.signal?.removeEventListener('abort', job.onAbort);
    if (ok) job.resolve(outcome);
    else job.reject(outcome);
  }
}

function cancelled(job: Job): StudioError {
  return new StudioError('cancelled', `cancelled while ${job.label}`);
}

function crashError(job: Job, code: number | null, signal: NodeJS.Signals | null, stderrTail: string): StudioError {
  const how = signal ? `with signal ${signal}` : `with code ${code}`;
  const hint = signal === 'SIGKILL' ? ' (out of memory?)' : '';
  const lastLine = stderrTail.trim().split('\n').filter(Boolean).pop();
  return new StudioError('internal', `worker exited ${how} while ${job.label}${hint}${lastLine ? `; its last words: ${lastLine}` : ''}`);
}

/** Idle workers must not keep the CLI (or a test) alive; busy ones must. */
function setRef(worker: Worker, ref: boolean): void {
  const c = worker.child as ChildProcess & { channel?: { ref(): void; unref(): void } };
  const streams = [c.stdout, c.stderr] as unknown as ({ ref?(): void; unref?(): void } | null)[];
  if (ref) {
    c.ref();
    c.channel?.ref();
    for (const s of streams) s?.ref?.();
  } else {
    c.unref();
    c.channel?.unref();
    for (const s of streams) s?.unref?.();
  }
}
