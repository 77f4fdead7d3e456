import type { Project } from '../project.ts';
import { markInterruptedRuns } from '../db/run-store.ts';
import { markExtractionsInterrupted, runningExtractions } from '../db/feature-store.ts';
import { processAlive } from './process-alive.ts';

/**
 * Every kind of job that leaves a 'running' row in the project file
 * (extractions, runs) is marked 'interrupted' when the process that owned it
 * is gone, so a killed `extract` or `train` does not stay 'running' forever.
 * Called on every writable open: the next command or window finds it fixed.
 * A row of a live process (another window, another CLI) is left alone.
 */
export function markInterruptedJobs(project: Project): void {
  const dead = runningExtractions(project.db).filter((r) => r.owner_pid === null || (r.owner_pid !== process.pid && !processAlive(r.owner_pid)));
  markExtractionsInterrupted(project.db, dead.map((r) => ({
    id: r.id,
    reason: `the process running it${r.owner_pid ? ` (pid ${r.owner_pid})` : ''} ended before it finished; the features stored so far are kept, run extract again to finish`,
  })));
  markInterruptedRuns(project.db);
}
