import { StudioError } from '../../../shared/errors.ts';
import type { TaskHandler } from './task.ts';

/**
 * Small real tasks that exercise the worker machinery (progress, partials,
 * cancel, crashes) without loading a network. The runner's tests and
 * `xstudio`'s health checks use them.
 */

/** Returns its payload: proves the round trip (typed arrays included). */
export const echoTask: TaskHandler<{ data?: Float32Array }, { data?: Float32Array }> = async (payload) => payload;

/** Counts to `n`, one step every `stepMs`, reporting progress and emitting each number. */
export const countTask: TaskHandler<{ n: number; stepMs?: number }, { counted: number; pid: number }, { value: number }> = async ({ n, stepMs = 10 }, ctx) => {
  for (let i = 1; i <= n; i++) {
    await new Promise((r) => setTimeout(r, stepMs));
    if (ctx.signal.aborted) throw new StudioError('cancelled', 'count cancelled');
    ctx.emit({ value: i });
    ctx.progress({ done: i, total: n, unit: 'steps' });
  }
  return { counted: n, pid: process.pid };
};

/** Dies the way a worker can die: a thrown error, an exit code, or a signal (as the OOM killer would). */
export const crashTask: TaskHandler<{ how: 'throw' | 'exit' | 'sigkill'; after?: number }, never, { value: number }> = async ({ how, after = 0 }, ctx) => {
  for (let i = 1; i <= after; i++) {
    ctx.emit({ value: i });
    ctx.progress({ done: i, total: after + 1, unit: 'steps' });
  }
  // Let the partials above leave the pipe before dying.
  await new Promise((r) => setTimeout(r, 50));
  if (how === 'throw') throw new StudioError('invalid-argument', 'diag-crash was asked to throw');
  if (how === 'exit') process.exit(3);
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => {});
};

/** Holds the thread for `ms` without yielding, as a long forward pass does. */
export const blockTask: TaskHandler<{ ms: number }, { pid: number }> = async ({ ms }) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy on purpose
  }
  return { pid: process.pid };
};
