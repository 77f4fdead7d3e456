// The training dashboard: backend, weights, feature extraction, the run form
// (reference defaults from the core), the queue, and the live curves of the
// run in progress, fed by run.epoch / run.batch events.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type {
  BackendStatus,
  EpochMetrics,
  ExtractionConfig,
  FeatureStatus,
  RunBatchEvent,
  RunConfig,
  RunEstimate,
  RunQueue,
  RunSummary,
  WeightsStatus,
} from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { cloneJson } from '../display/clone.ts';
import { errorText } from '../display/format.ts';
import { useJobsStore } from './jobs.ts';

export interface RunForm {
  name: string;
  split: string;
  backbone: string;
  config: RunConfig;
}

export interface LiveRun {
  runId: number;
  name: string;
  state: RunSummary['state'];
  epochs: number;
  curve: EpochMetrics[];
  batch: RunBatchEvent | null;
  etaSeconds: number | null;
}

export const useTrainingStore = defineStore('training', () => {
  const jobs = useJobsStore();

  const backend = ref<BackendStatus | null>(null);
  const backendError = ref<string | null>(null);
  const weights = ref<WeightsStatus | null>(null);
  const weightsError = ref<string | null>(null);
  const weightsJobId = ref<string | null>(null);
  const features = ref<FeatureStatus | null>(null);

  const extraction = ref<ExtractionConfig>({ backbone: 'xception', randomInit: false, inputSize: 299, batchSize: 8 });
  const extractionJobId = ref<string | null>(null);
  const extractError = ref<string | null>(null);

  const defaults = ref<RunConfig | null>(null);
  const form = ref<RunForm | null>(null);
  const runError = ref<string | null>(null);
  const starting = ref(false);
  const queue = ref<RunQueue>({ running: null, queued: [] });
  const live = ref<LiveRun | null>(null);
  let connected = false;

  /** Asks before fine-tuning starts; tests replace it. */
  let confirmStart = async (e: RunEstimate): Promise<boolean> =>
    globalThis.confirm ? globalThis.confirm(`${e.message}.${e.long ? ' That is more than an hour.' : ''} Start the run?`) : true;
  function setConfirmStart(f: (e: RunEstimate) => Promise<boolean>): void {
    confirmStart = f;
  }

  const extractionJob = computed(() => (extractionJobId.value ? (jobs.jobs[extractionJobId.value] ?? null) : null));
  const weightsJob = computed(() => (weightsJobId.value ? (jobs.jobs[weightsJobId.value] ?? null) : null));
  // The chosen built-in backbone's official weights (either file: the one with the top is cut at its pooling).
  const officialWeightsPresent = computed(() => weights.value?.files.some((f) => f.backbone === extraction.value.backbone && f.present) ?? false);
  /** The last pre-run fine-tuning estimate (shown, and confirmed before the run starts). */
  const estimate = ref<RunEstimate | null>(null);

  async function attempt<T>(fn: () => Promise<T>, onError: (message: string) => void): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      onError(errorText(err));
      return null;
    }
  }

  async function loadBackend(): Promise<void> {
    const b = await attempt(() => getStudioApi().getBackend(), (m) => (backendError.value = m));
    if (b) {
      backend.value = b;
      backendError.value = null;
    }
  }

  async function load(): Promise<void> {
    const api = getStudioApi();
    await Promise.all([
      loadBackend(),
      attempt(async () => (weights.value = await api.getWeightsStatus()), (m) => (weightsError.value = m)),
      attempt(async () => (features.value = await api.getFeatureStatus()), (m) => (extractError.value = m)),
      attempt(async () => (queue.value = await api.getRunQueue()), (m) => (runError.value = m)),
      attempt(async () => {
        defaults.value = await api.getRunDefaults();
        if (!form.value) form.value = { name: '', split: '', backbone: '', config: cloneJson(defaults.value) };
      }, (m) => (runError.value = m)),
    ]);
    if (queue.value.running && (!live.value || live.value.runId !== queue.value.running.id)) await follow(queue.value.running);
  }

  // ── weights ──
  async function fetchWeights(): Promise<void> {
    weightsError.value = null;
    const ref_ = await attempt(() => getStudioApi().fetchWeights({ backbone: extraction.value.backbone === 'layers-model' ? undefined : extraction.value.backbone }), (m) => (weightsError.value = m));
    if (!ref_) return;
    weightsJobId.value = ref_.jobId;
    const job = await jobs.waitFor(ref_.jobId);
    if (job.state === 'failed') weightsError.value = job.error?.message ?? 'Downloading the weights failed.';
    await attempt(async () => (weights.value = await getStudioApi().getWeightsStatus()), (m) => (weightsError.value = m));
  }
  async function importWeights(file: string): Promise<void> {
    weightsError.value = null;
    const w = await attempt(() => getStudioApi().importWeights({ file }), (m) => (weightsError.value = m));
    if (w) weights.value = w;
  }

  // ── extraction ──
  function updateExtraction(patch: Partial<ExtractionConfig>): void {
    extraction.value = { ...extraction.value, ...patch };
  }
  async function startExtraction(): Promise<void> {
    extractError.value = null;
    const ref_ = await attempt(() => getStudioApi().startExtraction(extraction.value), (m) => (extractError.value = m));
    if (!ref_) return;
    extractionJobId.value = ref_.jobId;
    const job = await jobs.waitFor(ref_.jobId);
    if (job.state === 'failed') extractError.value = job.error?.message ?? 'Extraction failed.';
    await attempt(async () => (features.value = await getStudioApi().getFeatureStatus()), (m) => (extractError.value = m));
  }
  async function cancelExtraction(): Promise<void> {
    if (extractionJobId.value) await jobs.cancel(extractionJobId.value);
  }

  // ── runs ──
  function updateForm(mutate: (f: RunForm) => void): void {
    if (!form.value) return;
    const next = cloneJson(form.value);
    mutate(next);
    form.value = next;
  }
  function resetForm(): void {
    if (defaults.value && form.value) form.value = { ...form.value, config: cloneJson(defaults.value) };
  }

  async function follow(run: RunSummary): Promise<void> {
    live.value = { runId: run.id, name: run.name, state: run.state, epochs: run.epochs, curve: [], batch: null, etaSeconds: null };
    const detail = await attempt(() => getStudioApi().getRun({ id: run.id }), (m) => (runError.value = m));
    if (detail && live.value?.runId === run.id) live.value = { ...live.value, state: detail.state, epochs: detail.epochs, curve: detail.curve };
  }

  async function startRun(): Promise<RunSummary | null> {
    if (!form.value) return null;
    starting.value = true;
    runError.value = null;
    try {
      const f = form.value;
      estimate.value = null;
      if (f.config.fineTune.epochs > 0) {
        // Measure a few fine-tuning steps first and say how long it will take; the user confirms.
        estimate.value = await getStudioApi().estimateRun({ split: f.split || undefined, backbone: f.backbone || undefined, config: f.config });
        if (estimate.value && !(await confirmStart(estimate.value))) return null;
      }
      const run = await getStudioApi().startRun({
        name: f.name.trim() || undefined,
        split: f.split || undefined,
        backbone: f.backbone || undefined,
        config: f.config,
      });
      queue.value = await getStudioApi().getRunQueue();
      if (!live.value || live.value.state !== 'running' || run.state === 'running') await follow(run);
      return run;
    } catch (err) {
      runError.value = errorText(err);
      return null;
    } finally {
      starting.value = false;
    }
  }

  async function cancelRun(id: number): Promise<void> {
    const r = await attempt(() => getStudioApi().cancelRun({ id }), (m) => (runError.value = m));
    if (r && live.value?.runId === id) live.value = { ...live.value, state: r.state };
    await attempt(async () => (queue.value = await getStudioApi().getRunQueue()), (m) => (runError.value = m));
  }

  function onRunUpdated(run: RunSummary): void {
    if (live.value?.runId === run.id) {
      live.value = { ...live.value, state: run.state, epochs: run.epochs };
      if (run.state === 'failed' && run.error) runError.value = `Run ${run.name} failed: ${run.error}`;
    } else if (run.state === 'running') {
      void follow(run);
    }
    void attempt(async () => (queue.value = await getStudioApi().getRunQueue()), (m) => (runError.value = m));
  }

  function connect(): void {
    if (connected) return;
    connected = true;
    const api = getStudioApi();
    api.on('run.updated', onRunUpdated);
    api.on('run.epoch', (e) => {
      if (live.value?.runId !== e.runId) return;
      const curve = live.value.curve.filter((m) => !(m.epoch === e.metrics.epoch && m.phase === e.metrics.phase));
      curve.push(e.metrics);
      live.value = { ...live.value, curve, epochs: e.epochs, etaSeconds: e.etaSeconds, state: 'running' };
    });
    api.on('run.batch', (e) => {
      if (live.value?.runId === e.runId) live.value = { ...live.value, batch: e, etaSeconds: e.etaSeconds ?? live.value.etaSeconds };
    });
  }

  return {
    backend, backendError, weights, weightsError, weightsJobId, weightsJob, features, extraction, extractionJobId, extractionJob, extractError,
    defaults, form, runError, starting, queue, live, officialWeightsPresent, estimate,
    load, loadBackend, fetchWeights, importWeights, updateExtraction, startExtraction, cancelExtraction, updateForm, resetForm, startRun, cancelRun, connect, setConfirmStart,
  };
});
