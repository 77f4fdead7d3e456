import type { TaskProgress } from '../../ml/tasks/task.ts';

/** Progress as the core reports it: the task's counts plus rate and ETA. */
export interface JobProgress extends TaskProgress {
  /** Items per second since the first item was reported (excludes start-up such as loading a model); null until known. */
  rate: number | null;
  /** Seconds left at the current rate; null until known. */
  etaSeconds: number | null;
  /** Seconds since the job started. */
  elapsedSeconds: number;
}

/**
 * Turns a stream of {done, total} into rate and ETA. The rate is measured from
 * the first report on, so the time spent loading a backbone does not make
 * the first minutes look slow.
 */
export class ProgressMeter {
  private readonly start: number;
  private first?: { at: number; done: number };

  constructor(private readonly now: () => number = () => performance.now()) {
    this.start = now();
  }

  update(p: TaskProgress): JobProgress {
    const t = this.now();
    if (!this.first) this.first = { at: t, done: p.done };
    const seconds = (t - this.first.at) / 1000;
    const items = p.done - this.first.done;
    const rate = seconds > 0 && items > 0 ? items / seconds : null;
    const etaSeconds = rate ? Math.max(0, (p.total - p.done) / rate) : p.done >= p.total ? 0 : null;
    return { ...p, rate, etaSeconds, elapsedSeconds: (t - this.start) / 1000 };
  }
}

/** "120/400 images · 3.2 images/s · ETA 1m28s" for stderr and logs. */
export function formatProgress(p: JobProgress): string {
  const parts = [`${p.done}/${p.total} ${p.unit}`];
  if (p.rate !== null) parts.push(`${p.rate.toFixed(p.rate < 10 ? 2 : 1)} ${p.unit}/s`);
  if (p.etaSeconds !== null && p.done < p.total) parts.push(`ETA ${formatSeconds(p.etaSeconds)}`);
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}

export function formatSeconds(s: number): string {
  const r = Math.round(s);
  if (r < 60) return `${r}s`;
  if (r < 3600) return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
  return `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m`;
}
