// The training dashboard: backend, weights, feature extraction, the run form
// (reference defaults from the core), the queue, and the live curves of the
// run in progress, fed by run.epoch / run.batch events.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  BackendStatus,
  EpochMetrics,
  ExtractionConfig,
  FeatureStatus,
  RunBatchEvent,
  RunConfig,
  RunEpochEvent,
  RunEstimate,
  RunQueue,
  RunSummary,
  WeightsStatus,
} from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { cloneJson } from '../display/clone.ts';
import { errorText } from '../display/format.ts';
import { runErrorInWords } from '../display/run-fields.ts';
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
  /** The epoch whose weights the run keeps (lowest validation loss), once the core says. */
  bestEpoch: number | null;
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
  // Shallow: a long run's curve is thousands of points, replaced whole (never mutated); deep proxies would cost more than drawing it.
  const live = shallowRef<LiveRun | null>(null);
  let connected = false;

  // The job started here, or any one running (started before a reload, or elsewhere).
  const extractionJob = computed(() => jobs.activeOf('extract') ?? (extractionJobId.value ? (jobs.jobs[extractionJobId.value] ?? null) : null));
  const weightsJob = computed(() => jobs.activeOf('weights-fetch') ?? (weightsJobId.value ? (jobs.jobs[weightsJobId.value] ?? null) : null));
  /** Asks before fine-tuning starts; tests replace it. */
  let confirmStart = async (e: RunEstimate): Promise<boolean> =>
    globalThis.confirm ? globalThis.confirm(`${e.message}.${e.long ? ' That is more than an hour.' : ''} Start the run?`) : true;
  function setConfirmStart(f: (e: RunEstimate) => Promise<boolean>): void {
    confirmStart = f;
  }

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
    if (job.state === 'failed') weightsError.value = job.error ? errorText(job.error) : 'Downloading the weights failed.';
    await attempt(async () => (weights.value = await getStudioApi().getWeightsStatus()), (m) => (weightsError.value = m));
  }
  async function importWeights(file: string): Promise<void> {
    weightsError.value = null;
    const w = await attempt(() => getStudioApi().importWeights({ file }), (m) => (weightsError.value = m));
    if (!w) return;
    weights.value = w;
    // The file may be another backbone's than the one chosen: choose that one, so its file shows as present.
    const b = w.backbones.find((x) => x.name === w.imported.backbone);
    if (b && b.name !== extraction.value.backbone) updateExtraction({ backbone: b.name, inputSize: b.inputSize });
  }

  // ── extraction ──
  function updateExtraction(patch: Partial<ExtractionConfig>): void {
    extraction.value = { ...extraction.value, ...patch };
  }
  async function startExtraction(): Promise<void> {
    extractError.value = null;
    // Only what the chosen extractor takes: a random init or weights file is Xception's, a model.json the layers model's.
    const { modelJson, preprocess, randomInit, weightsFile, ...common } = extraction.value;
    const request: ExtractionConfig =
      common.backbone === 'layers-model' ? { ...common, modelJson, preprocess: preprocess ?? 'unit' } : { ...common, randomInit, ...(weightsFile ? { weightsFile } : {}) };
    const ref_ = await attempt(() => getStudioApi().startExtraction(request), (m) => (extractError.value = m));
    if (!ref_) return;
    extractionJobId.value = ref_.jobId;
    const job = await jobs.waitFor(ref_.jobId);
    if (job.state === 'failed') extractError.value = job.error ? errorText(job.error) : 'Extraction failed.';
    await attempt(async () => (features.value = await getStudioApi().getFeatureStatus()), (m) => (extractError.value = m));
  }
  async function cancelExtraction(): Promise<void> {
    const job = extractionJob.value;
    if (job) await jobs.cancel(job.id);
  }
  async function loadFeatures(): Promise<void> {
    await attempt(async () => (features.value = await getStudioApi().getFeatureStatus()), (m) => (extractError.value = m));
  }
  async function loadWeights(): Promise<void> {
    await attempt(async () => (weights.value = await getStudioApi().getWeightsStatus()), (m) => (weightsError.value = m));
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

  async function follow(run: RunSummary, keep = false): Promise<void> {
    if (!keep || live.value?.runId !== run.id) {
      live.value = { runId: run.id, name: run.name, state: run.state, epochs: run.epochs, curve: [], batch: null, etaSeconds: null, bestEpoch: run.bestEpoch };
    }
    const detail = await attempt(() => getStudioApi().getRun({ id: run.id }), (m) => (runError.value = m));
    if (detail && live.value?.runId === run.id) {
      // Epochs buffered while the detail was on its way are kept when newer than it.
      const known = new Set(detail.curve.map((m) => `${m.phase}:${m.epoch}`));
      const extra = live.value.curve.filter((m) => !known.has(`${m.phase}:${m.epoch}`) && m.epoch > (detail.curve.at(-1)?.epoch ?? 0));
      const same = extra.length === 0 && detail.curve.length === live.value.curve.length;
      // The same epochs already drawn: the chart keeps its data (no second redraw at the end of a run).
      const curve = same ? live.value.curve : [...detail.curve, ...extra];
      live.value = { ...live.value, state: detail.state, epochs: detail.epochs, curve, bestEpoch: detail.bestEpoch, etaSeconds: detail.state === 'running' ? live.value.etaSeconds : null };
    }
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
      runError.value = runErrorInWords(err);
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

  // Epoch and batch events arrive as fast as the worker trains (thousands a
  // minute on small heads): they are buffered and applied at most four times
  // a second, so the curves redraw in one go and the page stays responsive.
  const FLUSH_MS = 250;
  let pendingEpochs: RunEpochEvent[] = [];
  let pendingBatch: RunBatchEvent | null = null;
  let flushTimer: ReturnType<typeof setTimeout> | null = null;
  const knownStates = new Map<number, RunSummary['state']>();

  function scheduleFlush(): void {
    if (flushTimer === null) flushTimer = setTimeout(flushLive, FLUSH_MS);
  }
  function flushLive(): void {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    const l = live.value;
    const epochs = pendingEpochs;
    const batch = pendingBatch;
    pendingEpochs = [];
    pendingBatch = null;
    if (!l) return;
    const mine = epochs.filter((e) => e.runId === l.runId);
    let curve = l.curve;
    if (mine.length) {
      const key = (m: EpochMetrics): string => `${m.phase}:${m.epoch}`;
      const fresh = new Map(mine.map((e) => [key(e.metrics), e.metrics]));
      curve = [...l.curve.filter((m) => !fresh.has(key(m))), ...fresh.values()];
    }
    const lastEpoch = mine.at(-1);
    const b = batch && batch.runId === l.runId ? batch : null;
    const summary = pendingSummary && pendingSummary.id === l.runId ? pendingSummary : null;
    pendingSummary = null;
    if (!mine.length && !b && !summary) return;
    live.value = {
      ...l,
      bestEpoch: summary ? summary.bestEpoch : l.bestEpoch,
      curve,
      epochs: lastEpoch?.epochs ?? l.epochs,
      etaSeconds: b?.etaSeconds ?? lastEpoch?.etaSeconds ?? l.etaSeconds,
      batch: b ?? l.batch,
      state: l.state === 'queued' ? 'running' : l.state,
    };
  }

  let pendingSummary: RunSummary | null = null;
  function onRunUpdated(run: RunSummary): void {
    const stateChanged = knownStates.get(run.id) !== run.state;
    knownStates.set(run.id, run.state);
    if (live.value?.runId === run.id) {
      if (run.state !== 'running' && run.state !== 'queued') {
        // The run ended: what is buffered is drawn, then the stored curve replaces it (complete, in order).
        pendingSummary = null;
        flushLive();
        live.value = { ...live.value!, state: run.state, epochs: run.epochs, etaSeconds: null, bestEpoch: run.bestEpoch };
        if (stateChanged) void follow(run, true);
      } else if (stateChanged) {
        live.value = { ...live.value, state: run.state, epochs: run.epochs, bestEpoch: run.bestEpoch };
      } else {
        // A new best epoch, every epoch or so: applied with the next batch of curve points.
        pendingSummary = run;
        scheduleFlush();
      }
      if (run.state === 'failed' && run.error) runError.value = `Run ${run.name} failed: ${run.error}`;
    } else if (run.state === 'running' && stateChanged) {
      void follow(run);
    }
    // An epoch's summary changes nothing in the queue: only a change of state does.
    if (stateChanged) void attempt(async () => (queue.value = await getStudioApi().getRunQueue()), (m) => (runError.value = m));
  }

  function connect(): void {
    if (connected) return;
    connected = true;
    const api = getStudioApi();
    // Whatever started a job (this page before a reload, another tab), its end refreshes what it changed.
    jobs.onEnded((job) => {
      if (job.kind === 'extract') {
        if (job.state === 'failed' && job.id !== extractionJobId.value) extractError.value = job.error ? errorText(job.error) : 'Extraction failed.';
        void loadFeatures();
      } else if (job.kind === 'weights-fetch') {
        if (job.state === 'failed' && job.id !== weightsJobId.value) weightsError.value = job.error ? errorText(job.error) : 'Downloading the weights failed.';
        void loadWeights();
      } else if (job.kind === 'train') {
        void attempt(async () => (queue.value = await getStudioApi().getRunQueue()), (m) => (runError.value = m));
      }
    });
    api.on('run.updated', onRunUpdated);
    api.on('run.epoch', (e) => {
      if (live.value?.runId !== e.runId) return;
      pendingEpochs.push(e);
      scheduleFlush();
    });
    api.on('run.batch', (e) => {
      if (live.value?.runId !== e.runId) return;
      pendingBatch = e;
      scheduleFlush();
    });
  }

  /** Another project was opened: its runs, features and messages are not these. */
  function reset(): void {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    pendingEpochs = [];
    pendingBatch = null;
    pendingSummary = null;
    live.value = null;
    features.value = null;
    form.value = null;
    queue.value = { running: null, queued: [] };
    runError.value = null;
    extractError.value = null;
    weightsError.value = null;
    extractionJobId.value = null;
    weightsJobId.value = null;
  }

  return {
    reset, backend, backendError, weights, weightsError, weightsJobId, weightsJob, features, extraction, extractionJobId, extractionJob, extractError,
    defaults, form, runError, starting, queue, live, officialWeightsPresent, estimate,
    load, loadBackend, loadFeatures, loadWeights, fetchWeights, importWeights, updateExtraction, startExtraction, cancelExtraction, updateForm, resetForm, startRun, cancelRun, connect, setConfirmStart,
  };
});
