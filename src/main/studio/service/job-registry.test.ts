import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import { StudioEventBus } from './event-bus.ts';
import { JobRegistry } from './job-registry.ts';

/** A registry whose job events are recorded in order. */
function recorded(): { jobs: JobRegistry; seen: { event: string; job: JobInfo }[] } {
  const events = new StudioEventBus();
  const seen: { event: string; job: JobInfo }[] = [];
  events.subscribe((m) => {
    if (m.event === 'job.updated' || m.event === 'job.finished') seen.push({ event: m.event, job: m.payload });
  });
  return { jobs: new JobRegistry(events), seen };
}

describe('JobRegistry', () => {
  it('shows a cancelled job at once, then says when its work has stopped, in the work’s words', async () => {
    const { jobs, seen } = recorded();
    const job = jobs.start('extract', 'Extracting features', (h) =>
      new Promise<never>((_resolve, reject) => {
        h.signal.addEventListener('abort', () => setTimeout(() => reject(new StudioError('cancelled', 'extraction cancelled: 3 image features stored, run extract again to resume')), 10));
      }));
    const cancelled = jobs.cancel(job.id);
    // At once: cancelled, nothing said yet (the work is still stopping).
    expect(cancelled).toMatchObject({ state: 'cancelled', error: null });
    expect(seen.at(-1)).toMatchObject({ event: 'job.finished', job: { state: 'cancelled', error: null } });
    await expect(job.done).rejects.toThrow(/3 image features stored/);
    // Then one more update: the work stopped, with what it kept.
    expect(seen.at(-1)).toMatchObject({
      event: 'job.updated',
      job: { id: job.id, state: 'cancelled', error: { code: 'cancelled', message: 'extraction cancelled: 3 image features stored, run extract again to resume' } },
    });
    expect(seen.filter((s) => s.event === 'job.finished')).toHaveLength(1);
    expect(jobs.get(job.id)?.error?.message).toMatch(/3 image features stored/);
  });

  it('says a job cancelled by its own work in that work’s words', async () => {
    const { jobs, seen } = recorded();
    const job = jobs.start('import', 'Importing', async () => {
      throw new StudioError('cancelled', 'import cancelled: 5 images indexed');
    });
    await expect(job.done).rejects.toThrow();
    expect(seen.at(-1)).toMatchObject({ event: 'job.finished', job: { state: 'cancelled', error: { code: 'cancelled', message: 'import cancelled: 5 images indexed' } } });
  });

  it('ends a job that succeeds or fails once, with its result or error', async () => {
    const { jobs, seen } = recorded();
    const ok = jobs.start('import', 'Importing', async () => ({ images: 2 }));
    await ok.done;
    const bad = jobs.start('import', 'Importing', async () => {
      throw new StudioError('not-found', 'folder /x does not exist');
    });
    await expect(bad.done).rejects.toThrow();
    const finished = seen.filter((s) => s.event === 'job.finished').map((s) => s.job);
    expect(finished).toMatchObject([
      { id: ok.id, state: 'done', result: { images: 2 }, error: null },
      { id: bad.id, state: 'failed', error: { code: 'not-found', message: 'folder /x does not exist' } },
    ]);
  });
});
