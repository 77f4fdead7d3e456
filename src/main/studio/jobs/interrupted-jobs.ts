import type { Project } from '../project.ts';
import { markInterruptedRuns, processAlive } from '../runs/run-store.ts';

/**
 * Every kind of job that leaves a 'running' row in the project file
 * (extractions, runs) is marked 'interrupted' when the process that owned it
 * is gone, so a killed `extract` or `train` does not stay 'running' forever.
 * Called on every writable open: the next command or window finds it fixed.
 * A row of a live process (another window, another CLI) is left alone.
 */
export function markInterruptedJobs(project: Project): void {
  const db = project.db;
  const rows = db.prepare("SELECT id, owner_pid FROM extractions WHERE status = 'running'").all() as { id: number; owner_pid: number | null }[];
  const dead = rows.filter((r) => r.owner_pid === null || (r.owner_pid !== process.pid && !processAlive(r.owner_pid)));
  if (dead.length) {
    const mark = db.prepare("UPDATE extractions SET status = 'interrupted', error = ?, finished_at = coalesce(finished_at, ?) WHERE id = ? AND status = 'running'");
    db.transaction(() => {
      for (const r of dead) mark.run(`the process running it${r.owner_pid ? ` (pid ${r.owner_pid})` : ''} ended before it finished; the features stored so far are kept, run extract again to finish`, Date.now(), r.id);
    }).immediate();
  }
  markInterruptedRuns(project);
}
