/**
 * The contract between the job runner (core) and the tasks that run in a
 * worker process. A task is `async (payload, ctx) => result`; payload, partials
 * and result cross the process boundary with structured clone ("advanced"
 * serialization), so typed arrays (Float32Array features) travel as they are,
 * but functions and class instances do not.
 */
import type { SerializedError } from '../../../shared/errors.ts';
export interface TaskProgress {
  /** Items done so far (images, epochs, batches…) and how many there are. */
  done: number;
  total: number;
  /** What an item is, for display: 'images', 'epochs', 'batches'. */
  unit: string;
  message?: string;
  /** Anything structured the UI may show (e.g. the epoch's loss and accuracy). */
  detail?: unknown;
}

export interface TaskContext<E = never> {
  /** Reports progress; the runner adds rate (items/s) and ETA. */
  progress(p: TaskProgress): void;
  /**
   * Streams a partial result to the core as soon as it exists (a batch of
   * features, an epoch's metrics). The core stores partials as they come, so
   * a cancelled or crashed job keeps what it finished.
   */
  emit(partial: E): void;
  /** Aborted when the core asks the task to stop (it may also just kill the process). */
  signal: AbortSignal;
}

/** A task: payload P in, result R out, partial results E streamed on the way (never, when it streams none). */
export type TaskHandler<P, R, E = never> = (payload: P, ctx: TaskContext<E>) => Promise<R>;

/** Messages core → worker. */
export type ToWorker = { type: 'run'; id: number; kind: string; payload: unknown } | { type: 'cancel'; id: number };

/** Messages worker → core. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; progress: TaskProgress }
  | { type: 'partial'; id: number; data: unknown }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };
