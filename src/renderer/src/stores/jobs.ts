// Long work in progress (import, thumbnails, extraction, training, …) as the
// core reports it through job events; the status bar and the views show it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobInfo, JobKind } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';

type Waiter = { resolve: (job: JobInfo) => void };

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<Record<string, JobInfo>>({});
  const error = ref<string | null>(null);
  const waiters = new Map<string, Waiter[]>();
  let connected = false;

  const active = computed(() => Object.values(jobs.value).filter((j) => j.state === 'running' || j.state === 'queued').sort((a, b) => a.startedAt - b.startedAt));
  const latestOf = (kind: JobKind): JobInfo | null => {
    let best: JobInfo | null = null;
    for (const j of Object.values(jobs.value)) if (j.kind === kind && (!best || j.startedAt >= best.startedAt)) best = j;
    return best;
  };
  const activeOf = (kind: JobKind): JobInfo | null => active.value.find((j) => j.kind === kind) ?? null;

  // Progress arrives many times a second (every epoch of a run): it is applied
  // at most four times a second; a job's end is applied at once.
  const pending = new Map<string, JobInfo>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  function flush(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return;
    const next = { ...jobs.value };
    for (const [id, job] of pending) next[id] = job;
    pending.clear();
    jobs.value = next;
  }
  function progressed(job: JobInfo): void {
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled' || !jobs.value[job.id]) {
      pending.delete(job.id);
      flush();
      apply(job);
      return;
    }
    pending.set(job.id, job);
    if (timer === null) timer = setTimeout(flush, 250);
  }

  function apply(job: JobInfo): void {
    jobs.value = { ...jobs.value, [job.id]: job };
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') {
      for (const w of waiters.get(job.id) ?? []) w.resolve(job);
      waiters.delete(job.id);
    }
  }

  /** Subscribes to job events and loads the jobs already running (once). */
  async function connect(): Promise<void> {
    if (connected) return;
    connected = true;
    const api = getStudioApi();
    api.on('job.updated', progressed);
    api.on('job.finished', progressed);
    try {
      for (const job of await api.listJobs()) apply(job);
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Resolves when the job ends (done, failed or cancelled). */
  function waitFor(jobId: string): Promise<JobInfo> {
    const known = jobs.value[jobId];
    if (known && (known.state === 'done' || known.state === 'failed' || known.state === 'cancelled')) return Promise.resolve(known);
    return new Promise((resolve) => {
      const list = waiters.get(jobId) ?? [];
      list.push({ resolve });
      waiters.set(jobId, list);
    });
  }

  async function cancel(jobId: string): Promise<void> {
    try {
      apply(await getStudioApi().cancelJob({ jobId }));
    } catch (err) {
      error.value = errorText(err);
    }
  }

  return { jobs, active, error, latestOf, activeOf, apply, connect, waitFor, cancel };
});
