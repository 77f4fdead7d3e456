// A fake StudioApi for the store tests: an in-memory project (images, classes,
// labels with undo/redo, splits, runs, suspects) that follows the contract of
// src/shared/api.ts, records every call, and can hold a call back (a gate) or
// make it fail, so the stores' optimistic and error paths can be tested.
import type {
  CallInput,
  CallName,
  CallOutput,
  ClassInfo,
  EventName,
  GalleryItem,
  HistoryState,
  ImageFilter,
  JobInfo,
  ProjectStatus,
  RunDetail,
  RunSummary,
  SplitInfo,
  StudioApi,
  StudioEvents,
} from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';

interface FakeImage {
  id: number;
  name: string;
  hash: string;
  label: string | null;
}
interface HistoryEntry {
  id: number;
  description: string;
  changes: { id: number; from: string | null; to: string | null }[];
  undone: boolean;
}
type Impl = { [K in CallName]?: (input: CallInput<K>) => Promise<CallOutput<K>> };

export class FakeStudioApi {
  readonly calls: { name: CallName; input: unknown }[] = [];
  images: FakeImage[] = [];
  classNames: string[] = [];
  splits: SplitInfo[] = [];
  runs: RunDetail[] = [];
  jobs: JobInfo[] = [];
  history: HistoryEntry[] = [];
  private handlers = new Map<EventName, Set<(p: unknown) => void>>();
  private gates = new Map<CallName, Promise<void>[]>();
  private failures = new Map<CallName, StudioError>();

  constructor(o: { images?: number; classes?: string[] } = {}) {
    this.classNames = o.classes ?? ['cat', 'dog'];
    for (let i = 0; i < (o.images ?? 10); i++) {
      this.images.push({ id: i + 1, name: `img-${String(i).padStart(5, '0')}.jpg`, hash: `h${i}`, label: this.classNames[i % this.classNames.length] ?? null });
    }
  }

  /** Holds the next call of `name` until the returned function is called. */
  gate(name: CallName): () => void {
    let open!: () => void;
    const p = new Promise<void>((resolve) => (open = resolve));
    const list = this.gates.get(name) ?? [];
    list.push(p);
    this.gates.set(name, list);
    return open;
  }
  /** The next call of `name` fails with this error. */
  fail(name: CallName, message: string, code: StudioError['code'] = 'invalid-argument'): void {
    this.failures.set(name, new StudioError(code, message));
  }
  count(name: CallName): number {
    return this.calls.filter((c) => c.name === name).length;
  }
  inputsOf<K extends CallName>(name: K): CallInput<K>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as CallInput<K>);
  }
  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    for (const h of this.handlers.get(event) ?? []) h(payload);
  }

  classes(): ClassInfo[] {
    return this.classNames.map((name, position) => ({ id: position + 1, name, position, count: this.images.filter((i) => i.label === name).length, unreadable: 0 }));
  }
  historyState(): HistoryState {
    const applied = this.history.filter((h) => !h.undone);
    const undone = this.history.filter((h) => h.undone);
    const last = applied.at(-1);
    return { canUndo: !!last, canRedo: undone.length > 0, undoDescription: last?.description ?? null, redoDescription: undone[0]?.description ?? null, position: last?.id ?? 0 };
  }
  status(): ProjectStatus {
    const labelled = this.images.filter((i) => i.label !== null).length;
    return {
      file: '/tmp/fake.xstudio', name: 'fake', isDefault: false,
      images: { total: this.images.length, ok: this.images.length, failed: 0, missing: 0, labelled, unlabelled: this.images.length - labelled, duplicates: 0 },
      classes: this.classes(), splits: this.splits, roots: [], history: this.historyState(), thumbnails: { ready: 0, total: this.images.length },
    };
  }
  item(img: FakeImage): GalleryItem {
    return { id: img.id, name: img.name, hash: img.hash, width: 32, height: 32, status: 'ok', error: null, label: img.label, labelSource: 'import', duplicates: 0, part: null, prediction: null, suspect: null };
  }
  matching(f: ImageFilter): FakeImage[] {
    return this.images.filter((i) => (!f.classes?.length || (i.label !== null && f.classes.includes(i.label))) && (!f.search || i.name.includes(f.search)) && (!f.unlabelled || i.label === null));
  }
  summary(r: RunDetail): RunSummary {
    const { config: _c, classes: _k, curve: _u, evaluations: _e, ...s } = r;
    return s;
  }
  addRun(id: number, name: string, lr: number): RunDetail {
    const run: RunDetail = {
      id, name, state: 'done', createdAt: id, startedAt: id, finishedAt: id + 1000, split: 'main', backbone: 'Xception (random init)', backboneKey: 'xception:random-init:0', randomInit: true, modelParams: 21_222_000, epochs: 2, bestEpoch: 2,
      val: { loss: 0.3, accuracy: 0.9 }, test: null, labelsChangedSince: false, error: null, queuePosition: null,
      config: { seed: 1, head: { hidden: [256, 128], dropout: 0.5, activation: 'relu', optimizer: { kind: 'sgd', lr }, schedule: { kind: 'constant' }, batchSize: 32, epochs: 2, l2: 0, classWeights: null, earlyStopping: null }, fineTune: { epochs: 0, optimizer: { kind: 'sgd', lr: 0.005 }, batchSize: 16, trainableFrom: 'all', freezeBatchNorm: true, augmentation: null } },
      classes: ['cat', 'dog'],
      curve: [1, 2].map((epoch) => ({ epoch, phase: 'head' as const, train: { loss: 1 / epoch, accuracy: 0.5 + epoch / 10 }, val: { loss: 1.1 / epoch, accuracy: 0.5 + epoch / 11 }, lr, seconds: 1 })),
      evaluations: [],
    };
    this.runs.push(run);
    return run;
  }

  private applyChange(entry: HistoryEntry, direction: 'undo' | 'redo'): void {
    for (const c of entry.changes) {
      const img = this.images.find((i) => i.id === c.id)!;
      img.label = direction === 'undo' ? c.from : c.to;
    }
    entry.undone = direction === 'undo';
  }

  private impl: Impl = {
    getAppInfo: async () => ({ version: '0', transport: 'http', defaultProject: '/tmp/default.xstudio', dataDir: '/tmp', project: this.status() }),
    listRecentProjects: async () => [{ file: '/tmp/fake.xstudio', name: 'fake', openedAt: 1, exists: true, isDefault: false }],
    openProject: async () => this.status(),
    createProject: async ({ file }) => {
      if (file.endsWith('exists.xstudio')) throw new StudioError('conflict', `${file} already exists: open it instead`);
      return { ...this.status(), file };
    },
    getProjectStatus: async () => this.status(),
    listFolder: async ({ path }) => ({ path: path ?? '/home/user', parent: null, entries: [], imageFiles: path ? 3 : 0 }),
    importFolder: async ({ folder, labelSource }) => ({
      root: folder, labelSource, images: 3, added: 2, updated: 0, unchanged: 0, moved: 0, restored: 0, missing: 0, duplicates: 0, duplicateGroups: [], ignored: 0,
      failed: [{ path: 'bad.jpg', reason: 'truncated JPEG (no end marker)' }], labelled: 2, keptUserLabels: 0,
      classes: Object.fromEntries(this.classes().map((c) => [c.name, c.count])), unlabelled: this.images.filter((i) => i.label === null).length, historyId: 1, seconds: 0.1, filesPerSecond: 30, thumbnailsJob: null,
    }),
    queryImages: async (q) => {
      const all = this.matching(q);
      const offset = q.offset ?? 0;
      return { total: all.length, offset, images: all.slice(offset, offset + (q.limit ?? 200)).map((i) => this.item(i)), runId: null };
    },
    queryImageIds: async (f) => {
      const ids = this.matching(f).map((i) => i.id);
      return { ids, total: ids.length };
    },
    getImage: async ({ id }) => {
      const img = this.images.find((i) => i.id === id);
      if (!img) throw new StudioError('not-found', `no image ${id}`);
      return { ...this.item(img), path: `/img/${img.name}`, root: '/img', size: 100, format: 'jpeg', mtimeMs: 0, splits: [], predictions: [], history: [] };
    },
    setLabel: async ({ imageIds, className }) => {
      if (className !== null && !this.classNames.includes(className)) this.classNames.push(className);
      const changes = imageIds.map((id) => {
        const img = this.images.find((i) => i.id === id)!;
        const from = img.label;
        img.label = className;
        return { id, from, to: className };
      });
      this.history = this.history.filter((h) => !h.undone);
      const entry: HistoryEntry = { id: this.history.length + 1, description: `relabel ${imageIds.length} images as ${className}`, changes, undone: false };
      this.history.push(entry);
      return { historyId: entry.id, changed: changes.length, history: this.historyState(), classes: this.classes() };
    },
    previewUndo: async () => {
      const step = (entry: (typeof this.history)[number] | undefined) => (entry ? { historyId: 0, action: 'label', description: entry.description, images: entry.changes.length, classChanges: 0 } : null);
      return { undo: step(this.history.filter((h) => !h.undone).at(-1)), redo: step(this.history.find((h) => h.undone)) };
    },
    undo: async () => {
      const entry = this.history.filter((h) => !h.undone).at(-1);
      if (!entry) return { applied: false, description: null, action: null, imageIds: [], history: this.historyState(), classes: this.classes() };
      this.applyChange(entry, 'undo');
      return { applied: true, description: entry.description, action: 'label', imageIds: entry.changes.map((c) => c.id), history: this.historyState(), classes: this.classes() };
    },
    redo: async () => {
      const entry = this.history.find((h) => h.undone);
      if (!entry) return { applied: false, description: null, action: null, imageIds: [], history: this.historyState(), classes: this.classes() };
      this.applyChange(entry, 'redo');
      return { applied: true, description: entry.description, action: 'label', imageIds: entry.changes.map((c) => c.id), history: this.historyState(), classes: this.classes() };
    },
    listSplits: async () => this.splits,
    previewSplit: async (r) => {
      const available = this.images.filter((i) => i.label !== null).length;
      const counts = r.unit === 'fraction' ? { train: Math.round(r.sizes.train * available), val: Math.round(r.sizes.val * available), test: Math.round(r.sizes.test * available) } : r.sizes;
      const asked = counts.train + counts.val + counts.test;
      const ok = asked <= available;
      return {
        ok, problem: ok ? null : `sizes.test: expected at most ${available - counts.train - counts.val}, got ${counts.test}`, problemField: ok ? null : 'sizes.test',
        available, availableByClass: {}, counts: { train: {}, val: {}, test: {} }, totals: counts,
        parts: (['train', 'val', 'test'] as const).map((part) => ({ part, total: counts[part], byClass: {} })),
      };
    },
    createSplit: async (r) => {
      if (this.splits.some((s) => s.name === r.name)) throw new StudioError('conflict', `a split named ${r.name} exists`);
      const split: SplitInfo = { id: this.splits.length + 1, name: r.name, seed: r.seed, stratified: r.stratified, testLocked: !!r.lockTest, testEvaluations: 0, createdAt: 1, parts: [], counts: { train: {}, val: {}, test: {} }, totals: { train: 0, val: 0, test: 0 }, unavailable: { train: 0, val: 0, test: 0 } };
      this.splits.push(split);
      return split;
    },
    lockSplit: async ({ name }) => {
      const s = this.splits.find((x) => x.name === name)!;
      s.testLocked = true;
      return s;
    },
    getBackend: async () => ({ chosen: 'wasm', label: 'CPU (WebAssembly) — slow', slow: true, gpuName: null, reason: 'the native packages are not installed', simd: true, backends: [], engines: { inference: 'onnxruntime', training: 'tfjs-wasm', inferenceReason: 'no CUDA: ONNX Runtime on the CPU' }, engineLabels: { inference: 'CPU (ONNX Runtime)', training: 'CPU (WebAssembly) — slow' } }),
    getWeightsStatus: async () => ({
      cacheDir: '/c',
      files: [{ backbone: 'xception', variant: 'notop', fileName: 'x_notop.h5', present: false, path: null, bytes: null, expectedMd5: 'b0' }],
      backbones: [{ name: 'xception', displayName: 'Xception', inputSize: 299, minInputSize: 71, featureDim: 2048, preprocess: 'tf', params: 20_861_480, imagenetTop1: 0.79, blocks: { first: 1, last: 14, describe: 'block1…block14' } }],
    }),
    getFeatureStatus: async () => ({ backbones: [], latest: null, totalImages: this.images.length }),
    startExtraction: async () => ({ jobId: 'extract-1' }),
    listJobs: async () => this.jobs,
    cancelJob: async ({ jobId }) => ({ ...this.jobs.find((j) => j.id === jobId)!, state: 'cancelled' }),
    getRunDefaults: async () => this.addRunTemplate(),
    estimateRun: async (req) => (req.config?.fineTune?.epochs ? {
      backbone: 'xception:k', backboneName: 'Xception', backend: 'wasm', note: null, epochs: req.config.fineTune.epochs, trainImages: 4, valImages: 2, batchSize: 8,
      stepsMeasured: 2, secondsPerBatch: 2, secondsPerEpoch: 3, totalSeconds: 3 * req.config.fineTune.epochs, long: false, message: 'fine-tuning will take about 3 s',
    } : null),
    startRun: async (req) => {
      const run = this.addRun(this.runs.length + 1, req.name ?? `run-${this.runs.length + 1}`, 0.01);
      run.state = 'running';
      run.curve = [];
      return this.summary(run);
    },
    listRuns: async () => this.runs.map((r) => this.summary(r)),
    getRunQueue: async () => ({ running: this.runs.filter((r) => r.state === 'running').map((r) => this.summary(r))[0] ?? null, queued: [] }),
    getRun: async ({ id }) => {
      const r = this.runs.find((x) => x.id === id);
      if (!r) throw new StudioError('not-found', `no run ${id}`);
      return r;
    },
    cancelRun: async ({ id }) => {
      const r = this.runs.find((x) => x.id === id)!;
      r.state = 'cancelled';
      return this.summary(r);
    },
    compareRuns: async ({ ids, on }) => ({
      on: on ?? 'val',
      notes: [],
      runs: ids.map((id) => this.runs.find((r) => r.id === id)!),
      configDiff: [{ key: 'head.optimizer.lr', values: ids.map((id) => (this.runs.find((r) => r.id === id)!.config.head.optimizer.lr)) }],
      disagreements: [],
    }),
    evaluateRun: async ({ id, on }) => {
      const split = this.splits[0];
      if (on === 'test' && split) split.testEvaluations++;
      return { runId: id, on, loss: 0.2, accuracy: 0.95, classes: ['cat', 'dog'], perClass: [], confusion: [[5, 1], [0, 6]], auc: 0.99, at: 1, testEvaluations: split?.testEvaluations ?? 0, testLocked: split?.testLocked ?? false, notice: null, images: 12, skipped: 0, model: 'head' };
    },
    predictImages: async (r) => ({
      backend: 'onnxruntime-node 1.30.0', model: r.model ?? `run ${r.runId}`, classes: ['cat', 'dog'],
      predictions: r.files.map((p) => ({ path: p, label: 'dog', confidence: 0.8, probabilities: { cat: 0.2, dog: 0.8 } })),
    }),
    exportRun: async (r) => ({ runId: r.runId, format: r.format, path: r.out, files: ['model.json'], bytes: 1000, check: { images: 3, agree: 3, maxAbsDiff: 2e-7, tolerance: 1e-4, runtime: 'tfjs', reference: 'stored-predictions', ms: 10 } }),
    getRunReport: async ({ id }) => ({ runId: id, file: `/tmp/report-${id}.html` }),
    findSuspects: async () => ({
      runId: null, split: 'main', backbone: 'xception', images: 12, confirmed: 0, folds: 5, ranker: 'logistic', computedAt: 1, total: 2,
      items: this.images.slice(0, 2).map((img, i) => ({ imageId: img.id, name: img.name, hash: img.hash, label: img.label ?? 'cat', suggested: img.label === 'cat' ? 'dog' : 'cat', labelProbability: 0.1, suggestedProbability: 0.9, score: 0.8 - i * 0.1, rank: i + 1 })),
    }),
    confirmLabels: async ({ imageIds }) => ({ confirmed: imageIds.length }),
  };

  private addRunTemplate(): RunDetail['config'] {
    return { seed: 1, head: { hidden: [256, 128], dropout: 0.5, activation: 'relu', optimizer: { kind: 'sgd', lr: 0.01 }, schedule: { kind: 'constant' }, batchSize: 32, epochs: 50, l2: 0, classWeights: null, earlyStopping: null }, fineTune: { epochs: 0, optimizer: { kind: 'sgd', lr: 0.005, momentum: 0.1, nesterov: true }, batchSize: 16, trainableFrom: 'all', freezeBatchNorm: true, augmentation: null } };
  }

  /** The object the stores receive: every call recorded, gated or failed on request. */
  api(): StudioApi {
    const out: Record<string, unknown> = {
      transport: 'http',
      on: (event: EventName, handler: (p: unknown) => void) => {
        const set = this.handlers.get(event) ?? new Set();
        set.add(handler);
        this.handlers.set(event, set);
        return () => set.delete(handler);
      },
      thumbUrl: (hash: string) => `/media/thumb/${hash}`,
      imageUrl: (id: number) => `/media/image/${id}`,
      reportUrl: (id: number) => `/media/report/${id}`,
    };
    for (const name of Object.keys(this.impl) as CallName[]) {
      out[name] = async (input?: unknown) => {
        this.calls.push({ name, input: input ?? {} });
        // Which call fails is decided when it is made, so a held-back call keeps its failure.
        const failure = this.failures.get(name);
        this.failures.delete(name);
        const gate = this.gates.get(name)?.shift();
        if (gate) await gate;
        if (failure) throw failure;
        return (this.impl[name] as (i: unknown) => Promise<unknown>)(input ?? {});
      };
    }
    return out as unknown as StudioApi;
  }
}
