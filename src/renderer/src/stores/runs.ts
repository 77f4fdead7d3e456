// Runs: the table, the selection (two or more → comparison: overlaid curves,
// config diff, confusion matrices, disagreements), evaluation on val/test with
// the locked-test counter, export (with its self-check), Try it (an export
// run by its own runtime on image files) and the HTML report.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Evaluation, ExportFormat, ExportResult, PredictResult, RunComparison, RunDetail, RunSummary } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { useJobsStore } from './jobs.ts';
import { folderListing } from './folder-listing.ts';
import { newestRequest } from './newest-request.ts';

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const selected = ref<number[]>([]);
  // Shallow: curves of long runs are thousands of points, replaced whole.
  const detail = shallowRef<RunDetail | null>(null);
  const comparison = shallowRef<RunComparison | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const evaluating = ref<string | null>(null);
  const evaluation = ref<Evaluation | null>(null);
  const evaluationError = ref<string | null>(null);
  const exporting = ref<ExportFormat | null>(null);
  const exported = ref<ExportResult[]>([]);
  const exportError = ref<string | null>(null);
  let connected = false;
  const selectionRequest = newestRequest();

  // ── Try it: classify picked images (files or folders on the core's machine) with a run or an export ──
  const { listing: tryListing, error: tryListingError, browse: tryBrowse, reset: resetTryListing } = folderListing();
  const tryPicked = ref<string[]>([]);
  const tryResult = shallowRef<PredictResult | null>(null);
  const tryError = ref<string | null>(null);
  const trying = ref(false);

  function tryPick(path: string): void {
    if (!tryPicked.value.includes(path)) tryPicked.value = [...tryPicked.value, path];
  }
  function tryUnpick(path: string): void {
    tryPicked.value = tryPicked.value.filter((p) => p !== path);
  }
  async function tryClassify(source: { runId: number } | { model: string }): Promise<void> {
    if (tryPicked.value.length === 0) {
      tryError.value = 'Pick one or more images, or a folder, first.';
      return;
    }
    trying.value = true;
    tryError.value = null;
    try {
      tryResult.value = await getStudioApi().predictImages({ files: tryPicked.value, ...source });
    } catch (err) {
      tryError.value = errorText(err);
    } finally {
      trying.value = false;
    }
  }

  const selectedRuns = computed(() => selected.value.map((id) => runs.value.find((r) => r.id === id)).filter((r): r is RunSummary => !!r));

  async function load(): Promise<void> {
    loading.value = true;
    try {
      runs.value = (await getStudioApi().listRuns()).sort((a, b) => b.id - a.id);
      error.value = null;
      selected.value = selected.value.filter((id) => runs.value.some((r) => r.id === id));
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loading.value = false;
    }
  }

  /** Re-reads what the selection shows: one run's detail, or the comparison of several. */
  async function refreshSelection(): Promise<void> {
    const ticket = selectionRequest();
    const ids = [...selected.value];
    try {
      if (ids.length === 1) {
        const d = await getStudioApi().getRun({ id: ids[0] });
        if (!ticket.current) return;
        detail.value = d;
        comparison.value = null;
      } else if (ids.length >= 2) {
        const c = await getStudioApi().compareRuns({ ids });
        if (!ticket.current) return;
        comparison.value = c;
        detail.value = null;
      } else {
        detail.value = null;
        comparison.value = null;
      }
    } catch (err) {
      if (ticket.current) error.value = errorText(err);
    }
  }

  function toggle(id: number): Promise<void> {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id];
    evaluation.value = null;
    exported.value = [];
    return refreshSelection();
  }
  function selectOnly(ids: number[]): Promise<void> {
    selected.value = [...ids];
    evaluation.value = null;
    exported.value = [];
    return refreshSelection();
  }

  async function evaluate(id: number, on: 'val' | 'test'): Promise<Evaluation | null> {
    evaluating.value = `${id}:${on}`;
    evaluationError.value = null;
    try {
      evaluation.value = await getStudioApi().evaluateRun({ id, on });
      await load();
      await refreshSelection();
      return evaluation.value;
    } catch (err) {
      evaluationError.value = errorText(err);
      return null;
    } finally {
      evaluating.value = null;
    }
  }

  async function exportRun(id: number, format: ExportFormat, out: string, mode?: 'copy' | 'link', overwrite = false): Promise<ExportResult | null> {
    exporting.value = format;
    exportError.value = null;
    try {
      const result = await getStudioApi().exportRun({ runId: id, format, out, ...(mode ? { mode } : {}), ...(overwrite ? { overwrite } : {}) });
      exported.value = [...exported.value, result];
      return result;
    } catch (err) {
      exportError.value = errorText(err);
      return null;
    } finally {
      exporting.value = null;
    }
  }

  /** Writes the run's report if needed and returns the URL to open it. */
  async function reportUrl(id: number): Promise<string | null> {
    try {
      await getStudioApi().getRunReport({ id });
      return getStudioApi().reportUrl(id);
    } catch (err) {
      exportError.value = errorText(err);
      return null;
    }
  }

  const thumbUrl = (hash: string): string => getStudioApi().thumbUrl(hash);

  function connect(): void {
    if (connected) return;
    connected = true;
    // A run trained, evaluated or exported (by this page or any other): the table and the selection re-read.
    useJobsStore().onEnded((job) => {
      if (job.kind === 'train' || job.kind === 'evaluate' || job.kind === 'export' || job.kind === 'suspects') {
        void load().then(() => (job.runId !== null && selected.value.includes(job.runId) ? refreshSelection() : undefined));
      }
    });
    // A live run is summarised anew every epoch: applied at most four times a second, a change of state at once.
    const pending = new Map<number, RunSummary>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (pending.size === 0) return;
      const updates = [...pending.values()];
      pending.clear();
      let next = runs.value;
      for (const run of updates) next = next.some((r) => r.id === run.id) ? next.map((r) => (r.id === run.id ? run : r)) : [run, ...next];
      runs.value = next;
    };
    getStudioApi().on('run.updated', (run) => {
      const known = runs.value.find((r) => r.id === run.id);
      pending.set(run.id, run);
      if (known && known.state === run.state && (run.state === 'running' || run.state === 'queued')) {
        if (timer === null) timer = setTimeout(flush, 250);
        return;
      }
      flush();
      if (selected.value.includes(run.id) && (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled')) void refreshSelection();
    });
  }

  /** Another project was opened: nothing of this one's runs stays on screen. */
  function reset(): void {
    selectionRequest(); // answers still on their way are for the other project
    runs.value = [];
    selected.value = [];
    detail.value = null;
    comparison.value = null;
    evaluation.value = null;
    evaluationError.value = null;
    exported.value = [];
    exportError.value = null;
    error.value = null;
    resetTryListing();
    tryPicked.value = [];
    tryResult.value = null;
    tryError.value = null;
  }

  return {
    tryListing, tryListingError, tryPicked, tryResult, tryError, trying, tryBrowse, tryPick, tryUnpick, tryClassify,
    reset, runs, selected, selectedRuns, detail, comparison, loading, error, evaluating, evaluation, evaluationError, exporting, exported, exportError,
    thumbUrl, load, refreshSelection, toggle, selectOnly, evaluate, exportRun, reportUrl, connect,
  };
});
