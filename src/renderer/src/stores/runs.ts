// Runs: the table, the selection (two or more → comparison: overlaid curves,
// config diff, confusion matrices, disagreements), evaluation on val/test with
// the locked-test counter, export (with its self-check), Try it (an export
// run by its own runtime on image files) and the HTML report.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Evaluation, ExportFormat, ExportResult, PredictResult, RunComparison, RunDetail, RunSummary } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const selected = ref<number[]>([]);
  const detail = ref<RunDetail | null>(null);
  const comparison = ref<RunComparison | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const evaluating = ref<string | null>(null);
  const evaluation = ref<Evaluation | null>(null);
  const evaluationError = ref<string | null>(null);
  const exporting = ref<ExportFormat | null>(null);
  const exported = ref<ExportResult[]>([]);
  const exportError = ref<string | null>(null);
  const trying = ref(false);
  const tried = ref<PredictResult | null>(null);
  const tryError = ref<string | null>(null);
  let connected = false;
  let compareSeq = 0;

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
    const seq = ++compareSeq;
    const ids = [...selected.value];
    try {
      if (ids.length === 1) {
        const d = await getStudioApi().getRun({ id: ids[0] });
        if (seq !== compareSeq) return;
        detail.value = d;
        comparison.value = null;
      } else if (ids.length >= 2) {
        const c = await getStudioApi().compareRuns({ ids });
        if (seq !== compareSeq) return;
        comparison.value = c;
        detail.value = null;
      } else {
        detail.value = null;
        comparison.value = null;
      }
    } catch (err) {
      if (seq === compareSeq) error.value = errorText(err);
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

  /** Try it: runs an export (any format) on image files, with no project. */
  async function tryModel(model: string, images: string[]): Promise<PredictResult | null> {
    trying.value = true;
    tryError.value = null;
    try {
      tried.value = await getStudioApi().predictImages({ model, files: images });
      return tried.value;
    } catch (err) {
      tryError.value = errorText(err);
      return null;
    } finally {
      trying.value = false;
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
    getStudioApi().on('run.updated', (run) => {
      const i = runs.value.findIndex((r) => r.id === run.id);
      if (i >= 0) runs.value = runs.value.map((r) => (r.id === run.id ? run : r));
      else runs.value = [run, ...runs.value];
      if (selected.value.includes(run.id) && (run.state === 'done' || run.state === 'failed' || run.state === 'cancelled')) void refreshSelection();
    });
  }

  return {
    runs, selected, selectedRuns, detail, comparison, loading, error, evaluating, evaluation, evaluationError, exporting, exported, exportError,
    trying, tried, tryError,
    thumbUrl, load, refreshSelection, toggle, selectOnly, evaluate, exportRun, tryModel, reportUrl, connect,
  };
});
