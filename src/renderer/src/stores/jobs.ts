// Long work in progress (import, thumbnails, extraction, training, …) as the
// core reports it through job events; the status bar and the views show it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobInfo, JobKind } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';

type Waiter = { resolve: (job: JobInfo) => void };

function readPanelOpen(): boolean {
  try {
    return localStorage.getItem('xstudio.jobsPanel') === '1';
  } catch {
    return false;
  }
}

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<Record<string, JobInfo>>({});
  const error = ref<string | null>(null);
  const waiters = new Map<string, Waiter[]>();
  const cancelling = ref<string[]>([]);
  /** The Jobs panel is open (kept across reloads of the page). */
  const panelOpen = ref(readPanelOpen());
  const endedListeners: ((job: JobInfo) => void)[] = [];
  let connected = false;

  const active = computed(() => Object.values(jobs.value).filter((j) => j.state === 'running' || j.state === 'queued').sort((a, b) => a.startedAt - b.startedAt));
  const latestOf = (kind: JobKind): JobInfo | null => {
    let best: JobInfo | null = null;
    for (const j of Object.values(jobs.value)) if (j.kind === kind && (!best || j.startedAt >= best.startedAt)) best = j;
    return best;
  };
  const activeOf = (kind: JobKind): JobInfo | null => active.value.find((j) => j.kind === kind) ?? null;
  const ended = computed(() =>
    Object.values(jobs.value)
      .filter((j) => j.finishedAt !== null && j.state !== 'running' && j.state !== 'queued')
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0))
      .slice(0, 5),
  );
  /** Calls `handler` whenever a job ends (done, failed or cancelled): views reload what it changed. */
  function onEnded(handler: (job: JobInfo) => void): void {
    endedListeners.push(handler);
  }
  function togglePanel(open = !panelOpen.value): void {
    panelOpen.value = open;
    try {
      localStorage.setItem('xstudio.jobsPanel', open ? '1' : '0');
    } catch {
      // No storage (private mode): the panel just forgets.
    }
  }

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
    const before = jobs.value[job.id];
    jobs.value = { ...jobs.value, [job.id]: job };
    if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') {
      cancelling.value = cancelling.value.filter((id) => id !== job.id);
      const wasActive = !before || before.state === 'running' || before.state === 'queued';
      if (wasActive) for (const l of endedListeners) l(job);
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
      // Jobs that ended before this page opened are history, not news: no listener hears of them.
      const listed = await api.listJobs();
      jobs.value = { ...Object.fromEntries(listed.map((j) => [j.id, j])), ...jobs.value };
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
    cancelling.value = [...cancelling.value, jobId];
    try {
      progressed(await getStudioApi().cancelJob({ jobId }));
    } catch (err) {
      error.value = errorText(err);
      cancelling.value = cancelling.value.filter((id) => id !== jobId);
    }
  }

  return { jobs, active, ended, error, cancelling, panelOpen, latestOf, activeOf, apply, connect, waitFor, cancel, onEnded, togglePanel };
});
