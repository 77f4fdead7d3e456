import type { Project } from '../project.ts';
import { getRun, otherRunningRuns } from '../db/run-store.ts';
import { processAlive } from '../jobs/process-alive.ts';

/**
 * Runs execute one at a time. Within a process, a promise chain orders them;
 * across processes (the CLI while the UI server trains), a queued run waits
 * until no other run of the project is 'running' in a live process.
 */
let chain: Promise<unknown> = Promise.resolve();

export function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}


/** Resolves when no other live process is running a run of this project (polls the project file). */
export async function waitForOtherProcesses(project: Project, runId: number, signal?: AbortSignal, pollMs = 500): Promise<void> {
  for (;;) {
    const busy = otherRunningRuns(project.db, runId);
    const others = busy.filter((r) => r.owner_pid !== null && r.owner_pid !== process.pid && processAlive(r.owner_pid));
    if (others.length === 0) return;
    if (signal?.aborted) return;
    if (getRun(project.db, runId)?.state !== 'queued') return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
