/**
 * THE contract between the renderer and the studio core (docs/ARCHITECTURE.md, "The contract: one door").
 *
 * Every call is named in `StudioCalls` with its input and output types; every
 * event in `StudioEvents`. Both transports carry exactly these:
 * - Electron: `ipcMain.handle('studio:<call>')` (src/main/ipc.ts) ↔ the preload's
 *   `window.studio` bridge (src/preload/index.ts);
 * - browser mode: `POST /api/<call>` with a JSON body, WebSocket `/events`
 *   (src/main/server.ts) ↔ the HTTP client (src/renderer/src/api/).
 * Inputs are validated at both doors by one zod schema per call
 * (src/shared/api-schemas.ts). A failed call rejects with a `StudioError`
 * (`{ name, code, message }`, src/shared/errors.ts): the message is for the user.
 *
 * Conventions: ids of images, runs and classes are numbers; times are
 * milliseconds since the epoch; every call takes ONE input object (or none) and
 * resolves to a plain JSON value. Calls that start long work return at once
 * with a `JobRef` (or a queued run) and report through events; the others
 * resolve when their work is done while still reporting progress as a job.
 */
import type { SerializedError, StudioErrorCode } from './errors.ts';

export type { SerializedError, StudioErrorCode };

// ───────────────────────────── common ─────────────────────────────

export type Empty = Record<string, never>;
export type Part = 'train' | 'val' | 'test';
export const PARTS: readonly Part[] = ['train', 'val', 'test'];
/** 'removed': taken out of the project by the user (the file is untouched; undo brings it back). */
export type ImageStatus = 'ok' | 'failed' | 'missing' | 'removed';
export type LabelSource = 'import' | 'user';
/** `{ loss, accuracy }` of one part at one moment. */
export interface Metrics {
  loss: number;
  accuracy: number;
}

// ───────────────────────────── app & projects ─────────────────────────────

export interface AppInfo {
  version: string;
  transport: 'electron' | 'http' | 'cli';
  /** The project opened on first launch, in the user's data folder. */
  defaultProject: string;
  dataDir: string;
  /** The open project, or null when none is open. */
  project: ProjectStatus | null;
}

export interface RecentProject {
  file: string;
  name: string;
  openedAt: number;
  exists: boolean;
  isDefault: boolean;
}

export interface ClassInfo {
  id: number;
  name: string;
  /** Order of the class (0-based): number key `position + 1` relabels to it. */
  position: number;
  /** Healthy images currently labelled with it (what a split or a run can use). */
  count: number;
  /** Images with this label that cannot be read (failed or missing): the gallery shows them under the class, marked, and they are not in `count`. */
  unreadable: number;
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
  /** What Ctrl+Z would undo, in words ("relabel 12 images as dog"), or null. */
  undoDescription: string | null;
  redoDescription: string | null;
  /** Id of the latest applied history entry (0 = none): runs remember it to say "labels changed since". */
  position: number;
}

export interface RootInfo {
  id: number;
  path: string;
  labelSource: string;
  images: number;
  importedAt: number | null;
}

export interface ProjectStatus {
  file: string;
  name: string;
  isDefault: boolean;
  images: {
    total: number;
    ok: number;
    failed: number;
    missing: number;
    /** Images with a label, readable or not (a file that cannot be read keeps the label it was given). */
    labelled: number;
    /**
     * Readable (`ok`) images without a label: the gallery's "unlabelled" chip. With the class
     * counts (`ClassInfo.count`, readable images per class) it adds up to `ok`.
     */
    unlabelled: number;
    /** Readable images whose content equals an earlier readable one (same hash), counted beyond the first: as the import summary counts them. */
    duplicates: number;
  };
  classes: ClassInfo[];
  splits: SplitInfo[];
  roots: RootInfo[];
  history: HistoryState;
  thumbnails: { ready: number; total: number };
}

// ───────────────────────────── folders & import ─────────────────────────────

export interface FolderEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
}

/** A server-side folder listing, so a folder can be picked in both transports. */
export interface FolderListing {
  path: string;
  parent: string | null;
  entries: FolderEntry[];
  /** Image files directly inside (not recursive), to help the user pick. */
  imageFiles: number;
}

/**
 * Where labels come from: the parent folder's name, the file name's prefix
 * (`cat.1.jpg` → cat), none, a CSV (`path,label`), or a regular expression
 * whose first group (or group named `label`) is the class.
 */
export type LabelSourceKind = 'folder' | 'filename' | 'none' | 'csv' | 'pattern';

export interface ImportRequest {
  folder: string;
  labelSource: LabelSourceKind;
  /** Required with labelSource 'csv'. */
  csvFile?: string;
  /** Required with labelSource 'pattern'. */
  labelPattern?: string;
  /** Start making thumbnails in the background afterwards (default true). */
  thumbnails?: boolean;
  /** Largest image accepted, in pixels (default 100 megapixels): bigger files are recorded as failed. */
  maxPixels?: number;
  /** Files read at once (default: 8 per core). */
  concurrency?: number;
  /** Image records written per transaction (default 500). */
  batchSize?: number;
}

export interface ImportFailure {
  path: string;
  reason: string;
}

export interface DuplicateGroup {
  hash: string;
  /** Image ids and paths ('root/rel') sharing this content, by id. */
  images: { id: number; path: string }[];
}

/** What an import did. The CLI's `import --json` prints exactly this. */
export interface ImportSummary {
  /** The imported folder (absolute). */
  root: string;
  labelSource: string;
  /** Image files present in the folder now (healthy and failed). */
  images: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Files found under a new path with the content of a vanished one: the record (labels, history, splits) follows them. */
  moved: number;
  /** Images removed from the project earlier that this import found again and brought back (with their labels). */
  restored: number;
  /** Records of this folder whose file is gone (labels and history kept). */
  missing: number;
  /** Healthy images whose content equals an earlier one (extra copies, whole project). */
  duplicates: number;
  duplicateGroups: DuplicateGroup[];
  /** Non-image and hidden files left alone. */
  ignored: number;
  /** Every file or folder of this import that could not be indexed, with the reason. */
  failed: ImportFailure[];
  /** Labels set or changed from the label source in this import. */
  labelled: number;
  /** Labels the source gave that were kept because a user set them by hand. */
  keptUserLabels: number;
  /** CSV rows naming no file of the folder (first 50). */
  csvUnmatched?: string[];
  /** Healthy labelled images per class, whole project: the same figures as the class chips. */
  classes: Record<string, number>;
  /** Healthy images without a label, whole project: the same figure as the "unlabelled" chip (ProjectStatus.images.unlabelled). */
  unlabelled: number;
  /** The label-history entry of this import, or null when no label changed. */
  historyId: number | null;
  seconds: number;
  filesPerSecond: number;
  /** The background thumbnail job started after the import, if any. */
  thumbnailsJob: string | null;
}

// ───────────────────────────── gallery ─────────────────────────────

/** The filters of the gallery. All optional; combined with AND. */
export interface ImageFilter {
  /** Class names; the pseudo-name `null` in `unlabelled` below selects unlabelled images. */
  classes?: string[];
  unlabelled?: boolean;
  /** Split name; with `part`, only that part of it. */
  split?: string;
  part?: Part;
  status?: ImageStatus;
  /** Only images whose content appears more than once. */
  duplicates?: boolean;
  /** Case-insensitive substring of the relative path. */
  search?: string;
  /** The run whose predictions the prediction filters and sorts use (default: the latest finished run). */
  runId?: number;
  predictedClass?: string;
  correctness?: 'correct' | 'wrong';
  /** Only images in the latest suspected-label-error list. */
  suspect?: boolean;
}

export type ImageSort = 'name' | 'confidence' | 'loss';

export interface ImageQuery extends ImageFilter {
  sort?: ImageSort;
  order?: 'asc' | 'desc';
  offset?: number;
  /** Page size, 1..1000 (default 200). */
  limit?: number;
}

export interface PredictionInfo {
  runId: number;
  className: string;
  /** Probability of the predicted class. */
  confidence: number;
  /** null when the image has no label. */
  correct: boolean | null;
  /** Cross-entropy of the true label, null when unlabelled. */
  loss: number | null;
}

export interface SuspectMark {
  rank: number;
  score: number;
  suggested: string;
}

export interface GalleryItem {
  id: number;
  /** Path relative to its root folder, with '/' separators. */
  name: string;
  hash: string | null;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  error: string | null;
  label: string | null;
  labelSource: LabelSource | null;
  /** How many other images have the same content. */
  duplicates: number;
  /** Part in the filtered split (or the latest split), null when not a member. */
  part: Part | null;
  prediction: PredictionInfo | null;
  suspect: SuspectMark | null;
}

export interface GalleryPage {
  total: number;
  offset: number;
  images: GalleryItem[];
  /** The run whose predictions are shown, or null. */
  runId: number | null;
}

export interface LabelHistoryEntry {
  historyId: number;
  at: number;
  actor: string;
  action: string;
  description: string;
  /** For image history: class before and after (null = unlabelled). */
  from: string | null;
  to: string | null;
  undone: boolean;
}

export interface ImageDetail extends GalleryItem {
  /** Absolute path on the machine running the core. */
  path: string;
  root: string;
  size: number;
  format: string | null;
  mtimeMs: number;
  splits: { split: string; part: Part; frozenLabel: string }[];
  /** Latest prediction of each run that has one, with all class probabilities. */
  predictions: (PredictionInfo & { probabilities: Record<string, number> })[];
  history: LabelHistoryEntry[];
}

// ───────────────────────────── labels & classes ─────────────────────────────

export interface SetLabelRequest {
  imageIds: number[];
  /** The class (created when new), or null to remove the label. */
  className: string | null;
}

export interface LabelChangeResult {
  /** The history entry made, or null when nothing changed. */
  historyId: number | null;
  changed: number;
  history: HistoryState;
  classes: ClassInfo[];
}

export interface UndoResult {
  /** false when there was nothing to undo / redo. */
  applied: boolean;
  description: string | null;
  /** The kind of change undone or redone (HistoryStep.action), null when nothing was. */
  action: string | null;
  /** Images whose label changed (empty for a class rename). */
  imageIds: number[];
  history: HistoryState;
  classes: ClassInfo[];
}

/** What removeImages did: the images are out of every view, count, split and run from now on; their files stay on disk. */
export interface RemoveImagesResult {
  /** Images taken out of the project now (ones removed before are not counted again). */
  removed: number;
  /** The history entry: undo brings the images back with their labels. Null when nothing was left to remove. */
  historyId: number | null;
  /** In words ("remove folder /photos/extra from the project (120 images)"). */
  description: string;
  history: HistoryState;
  classes: ClassInfo[];
}

/** One step of the label history as undo or redo would apply it. */
export interface HistoryStep {
  historyId: number;
  /** What kind of change: 'label', 'unlabel', 'import', 'class-rename', 'class-merge', 'class-delete', 'remove-images', … */
  action: string;
  /** In words, as the history says it ("labels from file names on import of /photos"). */
  description: string;
  /** Images whose label the step changes, or that it removes from the project (or puts back). */
  images: number;
  /** Classes it adds, renames, merges or deletes. */
  classChanges: number;
}

// ───────────────────────────── splits ─────────────────────────────

export interface SplitRequest {
  name: string;
  /** 'count': sizes are image counts; 'fraction': sizes are fractions of the available images (sum ≤ 1). */
  unit: 'count' | 'fraction';
  sizes: Record<Part, number>;
  stratified: boolean;
  seed: number;
  lockTest?: boolean;
}

export interface SplitPartCounts {
  part: Part;
  total: number;
  byClass: Record<string, number>;
}

/** Class → image count for each part. */
export type PartCounts = Record<Part, Record<string, number>>;

export interface SplitPreview {
  /** false when the request cannot be met; `problem` then says why with the numbers. */
  ok: boolean;
  problem: string | null;
  /** The input field the problem is about ("sizes.train"), when it is about one. */
  problemField: string | null;
  counts: PartCounts;
  totals: Record<Part, number>;
  /** Labelled healthy images that can go in a split, per class. */
  available: number;
  availableByClass: Record<string, number>;
  parts: SplitPartCounts[];
}

export interface SplitInfo {
  id: number;
  name: string;
  seed: number;
  stratified: boolean;
  testLocked: boolean;
  /** How many times a run was evaluated on the test part. */
  testEvaluations: number;
  createdAt: number;
  parts: SplitPartCounts[];
  counts: PartCounts;
  totals: Record<Part, number>;
  /** Members, per part, whose image is no longer usable (removed from the project, missing, or failed): runs leave them out. */
  unavailable: Record<Part, number>;
}

// ───────────────────────────── backends, weights, features ─────────────────────────────

export interface BackendStatus {
  /** Name of the backend the ML worker runs on: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'. */
  chosen: string;
  /** For the badge: the GPU's name, or e.g. "CPU (WebAssembly) — slow". */
  label: string;
  slow: boolean;
  gpuName: string | null;
  /** Why this one was chosen (forced by XSTUDIO_BACKEND, best available, …). */
  reason: string;
  /** WebAssembly SIMD, when the chosen backend is wasm; else null. */
  simd: boolean | null;
  backends: { name: string; available: boolean; reason: string | null }[];
  /**
   * Which engine does which work. inference: frozen networks (extraction,
   * features, evaluating and predicting with fine-tuned runs, predict on
   * exports, Try it) — 'onnxruntime' (CPU) or 'tfjs-<backend>'; training: heads
   * and fine-tuning, always 'tfjs-<backend>'. XSTUDIO_BACKEND=onnx forces ONNX
   * Runtime for inference; gpu|node|wasm|cpu force that TF.js backend for both.
   */
  engines: { inference: string; training: string; inferenceReason: string };
  /** The two engines in words, as the badge names them ("CPU (ONNX Runtime)", "CPU (WebAssembly) — slow"). */
  engineLabels: { inference: string; training: string };
}

export interface WeightsFile {
  /** The built-in backbone the file belongs to. */
  backbone: BuiltinBackboneName;
  variant: 'notop' | 'top';
  fileName: string;
  present: boolean;
  path: string | null;
  bytes: number | null;
  /** null when Keras publishes no md5 for the file (MobileNetV2). */
  expectedMd5: string | null;
}

/** The networks the studio builds itself, with the official Keras weights (keras.applications names). */
export type BuiltinBackboneName = 'xception' | 'mobilenet_v2' | 'resnet50' | 'efficientnet_b0';

export interface BuiltinBackboneInfo {
  name: BuiltinBackboneName;
  displayName: string;
  /** Native input size (Keras' default). */
  inputSize: number;
  minInputSize: number;
  featureDim: number;
  preprocess: PreprocessMode;
  /** Parameters without the top, as Keras publishes them. */
  params: number;
  /** ImageNet top-1 accuracy as the Keras applications table gives it (0..1). */
  imagenetTop1: number;
  /** What fineTune.trainableFrom's block numbers mean for this network. */
  blocks: { first: number; last: number; describe: string };
}

export interface WeightsStatus {
  cacheDir: string;
  files: WeightsFile[];
  backbones: BuiltinBackboneInfo[];
}

/** A weights file copied into the cache by importWeights. */
export interface WeightsImport {
  file: string;
  md5: string;
  bytes: number;
  /** The official file this is ('xception-notop', 'resnet50-top', …), or null when the md5 is not an official one. */
  official: string | null;
  /** The built-in backbone the file loads into. */
  backbone: BuiltinBackboneName;
  /** Set when the file is not an official one (it loaded, but nothing vouches for its values). */
  warning?: string;
}

export interface WeightsImportResult extends WeightsStatus {
  imported: WeightsImport;
}

/** What a weights download did (the fetchWeights job's result). */
export interface WeightsFetchResult {
  file: string;
  /** The file's md5 (checked against the official sum when Keras publishes one). */
  md5: string;
  /** False when Keras publishes no md5 for the file (MobileNetV2): only its HDF5 structure was checked. */
  md5Checked: boolean;
  bytes: number;
  /** 'download' (fetched now), 'studio-cache' or 'keras-cache' (already there). */
  source: 'download' | 'studio-cache' | 'keras-cache';
  /** Bytes an earlier interrupted download had already fetched. */
  resumedFrom: number;
  url: string;
}

/** 'raw': 0..255 unchanged, for networks that scale inside the model (EfficientNet). */
export type PreprocessMode = 'tf' | 'torch' | 'caffe' | 'unit' | 'raw';

export interface ExtractionConfig {
  backbone: BuiltinBackboneName | 'layers-model';
  /** Keras HDF5 weights for a built-in backbone (default: its cached official file). */
  weightsFile?: string;
  /** model.json of a TF.js layers model, with backbone 'layers-model'. */
  modelJson?: string;
  preprocess?: PreprocessMode;
  featureLayer?: string;
  /** Random weights: for tests and demos only, always labelled as such. */
  randomInit?: boolean;
  inputSize?: number;
  batchSize?: number;
  workers?: number;
}

export interface BackboneSummary {
  key: string;
  kind: string;
  name: string;
  inputSize: number;
  featureDim: number;
  preprocess: string;
  randomInit: boolean;
  /** Images of the project with features for this backbone. */
  images: number;
  createdAt: number;
}

export interface FeatureStatus {
  backbones: BackboneSummary[];
  /** Key of the latest extraction's backbone: runs use it by default. */
  latest: string | null;
  /** Healthy images of the project. */
  totalImages: number;
}

export interface ExtractionResult {
  /** The engine the workers ran on, or 'none (all cached)'. */
  backend: string;
  /** Distinct image contents computed now. */
  extracted: number;
  /** Images whose features were already stored. */
  cached: number;
  /** Images sharing their content with another image computed now (computed once). */
  duplicates: number;
  /** Healthy images considered. */
  images: number;
  failed: ImportFailure[];
  /** Forward throughput (model loading excluded); 0 when nothing was computed. */
  imagesPerSecond: number;
  workers: number;
  seconds: number;
  backbone: BackboneSummary | null;
}

/** Features of image files with no project (to check the network against other implementations). */
export interface ImageFeaturesRequest {
  files: string[];
  backbone: ExtractionConfig;
  /** Seed of the random initialisation (with randomInit). */
  seed?: number;
}

export interface ImageFeaturesResult {
  backend: string;
  backbone: string;
  randomInit: boolean;
  inputSize: number;
  preprocess: string;
  interpolation: string;
  featureLayer: string;
  dim: number;
  features: { path: string; vector: number[] }[];
}

export interface ThumbnailsRequest {
  /** Images decoded at once (default: one per core). */
  concurrency?: number;
}

/** What a thumbnail job did (its result). */
export interface ThumbnailSummary {
  dir: string;
  /** Distinct healthy contents considered. */
  total: number;
  made: number;
  /** Already in the cache. */
  existing: number;
  failed: ImportFailure[];
  /** Files changed or gone since the import (skipped, not marked failed; import the folder again). */
  stale: string[];
  cancelled: boolean;
}

// ───────────────────────────── jobs ─────────────────────────────

export type JobKind = 'import' | 'thumbnails' | 'extract' | 'weights-fetch' | 'train' | 'evaluate' | 'export' | 'suspects';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRef {
  jobId: string;
}

/** Long work, as the status bar shows it. Sent by the 'job.updated' and 'job.finished' events. */
export interface JobInfo {
  id: string;
  kind: JobKind;
  /** In words: "Importing ~/photos", "Extracting features (xception, 299 px)". */
  label: string;
  state: JobState;
  done: number;
  total: number;
  /** 'images', 'bytes', 'epochs', … */
  unit: string;
  /** Items per second, null until measurable. */
  rate: number | null;
  etaSeconds: number | null;
  message: string | null;
  startedAt: number;
  finishedAt: number | null;
  error: SerializedError | null;
  /** The run this job trains or evaluates, if any. */
  runId: number | null;
  /** The job's result once done (ImportSummary, ExtractionResult, …). */
  result: unknown;
}

// ───────────────────────────── runs ─────────────────────────────

export type OptimizerConfig =
  | { kind: 'sgd'; lr: number; momentum?: number; nesterov?: boolean }
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; epsilon?: number };

export type LrScheduleConfig =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'exponential'; decay: number }
  | { kind: 'cosine'; minLr?: number };

export interface HeadConfig {
  /** Units of each hidden Dense layer (reference: [256, 128]). */
  hidden: number[];
  /** One dropout rate for all hidden layers, or one per layer (reference 0.5). */
  dropout: number | number[];
  activation: 'relu' | 'elu' | 'tanh';
  optimizer: OptimizerConfig;
  schedule: LrScheduleConfig;
  batchSize: number;
  epochs: number;
  l2: number;
  classWeights: 'balanced' | number[] | null;
  earlyStopping: { patience: number; minDelta?: number } | null;
}

export interface AugmentationConfig {
  horizontalFlip: boolean;
  verticalFlip: boolean;
  rotation: number;
  zoom: number;
  widthShift: number;
  heightShift: number;
  brightness: [number, number] | null;
}

export interface FineTuneConfig {
  /** 0 = no fine-tuning. */
  epochs: number;
  optimizer: OptimizerConfig;
  batchSize: number;
  trainableFrom: 'all' | number;
  freezeBatchNorm: boolean;
  augmentation: AugmentationConfig | null;
}

/** A run's full configuration (the same shape as `--config run.json`). */
export interface RunConfig {
  seed: number;
  head: HeadConfig;
  fineTune: FineTuneConfig;
}

type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface StartRunRequest {
  /** Defaults: the latest split and the latest extraction's backbone. */
  split?: string;
  backbone?: string;
  name?: string;
  /** Anything left out takes the reference default (see getRunDefaults). */
  config?: DeepPartial<RunConfig>;
}

/** How long a run's fine-tuning will take here, measured before it starts (estimateRun). */
export interface RunEstimate {
  backbone: string;
  backboneName: string;
  /** The backend the fine-tuning would run on ('wasm', 'cpu', 'tensorflow', …). */
  backend: string;
  note: string | null;
  epochs: number;
  trainImages: number;
  valImages: number;
  batchSize: number;
  stepsMeasured: number;
  secondsPerBatch: number;
  secondsPerEpoch: number;
  totalSeconds: number;
  /** More than an hour: the UI asks to confirm, the CLI asks (or needs --yes). */
  long: boolean;
  /** In words, as the CLI prints it. */
  message: string;
}

export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface RunSummary {
  id: number;
  name: string;
  state: RunState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  split: string | null;
  /** The backbone's name, for people ("Xception", "MobileNetV2 (random init)"). */
  backbone: string | null;
  /** The feature set's key (what `train --backbone` and startRun take). */
  backboneKey: string | null;
  randomInit: boolean;
  /** Parameters of the classifier the run exports (backbone + head); null for a backbone from a model file. */
  modelParams: number | null;
  epochs: number;
  bestEpoch: number | null;
  val: Metrics | null;
  test: Metrics | null;
  /** The labels were changed after this run started. */
  labelsChangedSince: boolean;
  error: string | null;
  /** 1-based place in the queue while queued, else null. */
  queuePosition: number | null;
}

export interface EpochMetrics {
  epoch: number;
  phase: 'head' | 'fine-tune';
  train: Metrics;
  val: Metrics | null;
  lr: number | null;
  seconds: number | null;
}

export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  runId: number;
  on: 'val' | 'test';
  loss: number;
  accuracy: number;
  classes: string[];
  perClass: ClassMetrics[];
  /** confusion[true][predicted], classes in `classes` order. */
  confusion: number[][];
  /** ROC AUC for two classes, else null. */
  auc: number | null;
  at: number;
  /** The split's test-evaluation counter after this evaluation. */
  testEvaluations: number;
  testLocked: boolean;
  /** E.g. "the test part was used 3 times: its figure is no longer unbiased". */
  notice: string | null;
  /** Images evaluated, and images of the part left out (no features, gone from disk). */
  images: number;
  skipped: number;
  /** Which model was evaluated: the head on cached features, or the fine-tuned network on images. */
  model: 'head' | 'fine-tuned';
}

export type ExportFormat = 'tfjs' | 'keras' | 'onnx' | 'head' | 'dataset' | 'report';
export const EXPORT_FORMAT_IDS: readonly ExportFormat[] = ['tfjs', 'keras', 'onnx', 'head', 'dataset', 'report'];

export interface ExportRequest {
  runId: number;
  format: ExportFormat;
  /** Destination file or folder on the machine running the core. */
  out: string;
  /** Dataset export: the CSV manifest only ('none', default), or also an ImageFolder tree of links or copies. */
  mode?: 'none' | 'copy' | 'link';
  /** Replace an existing file or folder at `out`. Without it an existing destination is refused ('conflict', naming the path). */
  overwrite?: boolean;
}

/**
 * The export's self-check: the written files loaded with the format's own
 * runtime (tfjs, the studio's Keras loader, ONNX Runtime) and run on up to 200
 * of the run's validation images, against the studio's own probabilities.
 */
export interface ExportCheck {
  /** Images run. */
  images: number;
  /** Images on which the export predicts the studio's class; an export is kept only when agree === images. */
  agree: number;
  /** Largest absolute difference of a class probability. */
  maxAbsDiff: number;
  /** Tolerance maxAbsDiff had to stay within. */
  tolerance: number;
  /** The runtime that ran the export ('tfjs', 'onnxruntime', 'keras-h5 + tfjs'). */
  runtime: string;
  /** What the export was compared with: the run's stored validation predictions, or the studio's in-memory model on the same images. */
  reference: 'stored-predictions' | 'studio-model';
  ms: number;
}

export interface ExportResult {
  runId: number;
  format: ExportFormat;
  path: string;
  files: string[];
  bytes: number;
  /** null for formats with nothing to run (dataset, report) or when the run has no validation images. */
  check: ExportCheck | null;
}

export interface RunDetail extends RunSummary {
  config: RunConfig;
  classes: string[];
  /** One entry per finished epoch, in order: the curves. */
  curve: EpochMetrics[];
  evaluations: Evaluation[];
}

export interface RunQueue {
  running: RunSummary | null;
  queued: RunSummary[];
}

export interface DisagreementItem {
  imageId: number;
  name: string;
  hash: string | null;
  label: string | null;
  /** Prediction of each compared run, by run id. */
  predictions: Record<number, { className: string; confidence: number }>;
}

export interface RunComparison {
  /** The part whose predictions are compared. */
  on: 'val' | 'test';
  runs: RunDetail[];
  /** Configuration keys (dotted paths) whose values differ, one value per run in `runs` order. */
  configDiff: { key: string; values: unknown[] }[];
  /** What limits the comparison, in words ("run 2 has no evaluation on test: …", "the runs use different split plans …"). */
  notes: string[];
  /** Pairwise, for the first run against each other: images one gets right and the other wrong. */
  disagreements: { a: number; b: number; onlyA: DisagreementItem[]; onlyB: DisagreementItem[] }[];
}

export interface ReportInfo {
  runId: number;
  /** Absolute path of the HTML report; open it with `api.reportUrl(runId)`. */
  file: string;
}

/** One image classified by "Try it" or `xstudio predict`. */
export interface Prediction {
  /** Absolute path on the machine running the core. */
  path: string;
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
  /** Content hash of the file when the core made a thumbnail of it (`api.thumbUrl(hash)`), else absent. */
  hash?: string | null;
}

/** Predictions of a model on image files (a run of the open project, or an exported model). */
export interface PredictResult {
  backend: string;
  /** The model folder or file that ran. */
  model: string;
  classes: string[];
  predictions: Prediction[];
}

export interface PredictRequest {
  /** Image files or folders (their images, recursively, at most 1,000), on the machine running the core. */
  files: string[];
  /** A finished run of the open project… */
  runId?: number;
  /** …or an exported model (tfjs folder or model.json, Keras .h5 with its metadata). Exactly one of the two. */
  model?: string;
}

// ───────────────────────────── suspects ─────────────────────────────

export interface SuspectsRequest {
  /** Use this run's configuration, split and backbone for the cross-validated heads (default: reference head). */
  runId?: number;
  /** Split plan whose train and val parts are ranked (default: the run's, else the latest). */
  split?: string;
  /** Feature set to use (default: the run's, else the latest extraction's). */
  backbone?: string;
  folds?: number;
  limit?: number;
  /**
   * What computes the out-of-sample probabilities: 'logistic' (default) —
   * multinomial logistic regression on the features, confident learning's
   * default, seconds on 4,000 images; 'head' — the run's (or the reference)
   * head trained per fold.
   */
  ranker?: 'logistic' | 'head';
}

export interface SuspectItem {
  imageId: number;
  name: string;
  hash: string | null;
  label: string;
  suggested: string;
  /** Out-of-sample probability of the given label and of the suggested one. */
  labelProbability: number;
  suggestedProbability: number;
  score: number;
  rank: number;
}

export interface SuspectList {
  runId: number | null;
  split: string | null;
  backbone: string | null;
  /** Labelled images that were ranked. */
  images: number | null;
  /** Suspects left out because the user confirmed their label is right. */
  confirmed: number;
  folds: number;
  /** Which model ranked the list (lists saved before the choice existed were ranked by the head). */
  ranker: 'logistic' | 'head';
  computedAt: number;
  total: number;
  items: SuspectItem[];
}

// ───────────────────────────── predictions & lookups ─────────────────────────────

export interface LabelsExportResult {
  file: string;
  /** Rows written (one per image). */
  rows: number;
  /** Labelled images per class in the file. */
  classes: Record<string, number>;
}

// ───────────────────────────── the calls ─────────────────────────────

interface Call<I, O> {
  input: I;
  output: O;
}

/** Every call of the StudioApi: name → input and output. */
export interface StudioCalls {
  // app & projects
  getAppInfo: Call<Empty, AppInfo>;
  listRecentProjects: Call<Empty, RecentProject[]>;
  openProject: Call<{ file: string }, ProjectStatus>;
  /** Fails with 'conflict' if the file exists. */
  createProject: Call<{ file: string }, ProjectStatus>;
  getProjectStatus: Call<Empty, ProjectStatus>;
  /**
   * Deletes a project file and its side folder (never the images it indexes) and drops it from the
   * recent list. Refused for the open project ('conflict') and the default project.
   */
  deleteProject: Call<{ file: string }, RecentProject[]>;
  listFolder: Call<{ path?: string }, FolderListing>;
  // import & thumbnails
  importFolder: Call<ImportRequest, ImportSummary>;
  makeThumbnails: Call<ThumbnailsRequest, JobRef>;
  // gallery
  queryImages: Call<ImageQuery, GalleryPage>;
  /** Ids of every image matching the filter (select all filtered). */
  queryImageIds: Call<ImageFilter, { ids: number[]; total: number }>;
  getImage: Call<{ id: number }, ImageDetail>;
  /** Image ids of paths (absolute, or relative to an imported folder) or ids given as text; an unknown one fails naming it. */
  findImages: Call<{ refs: string[] }, { ids: number[] }>;
  // labels & classes
  setLabel: Call<SetLabelRequest, LabelChangeResult>;
  undo: Call<Empty, UndoResult>;
  redo: Call<Empty, UndoResult>;
  getHistory: Call<{ limit?: number }, LabelHistoryEntry[]>;
  /** What undo and redo would do now, with how many images they change (to ask before a large one). */
  previewUndo: Call<Empty, { undo: HistoryStep | null; redo: HistoryStep | null }>;
  listClasses: Call<Empty, ClassInfo[]>;
  createClass: Call<{ name: string }, LabelChangeResult>;
  renameClass: Call<{ name: string; newName: string }, LabelChangeResult>;
  mergeClasses: Call<{ from: string[]; into: string }, LabelChangeResult>;
  deleteClass: Call<{ name: string }, LabelChangeResult>;
  /** Takes images out of the project, never off the disk: by id, or every image of an imported folder (or under a folder). Undoable. */
  removeImages: Call<{ ids?: number[]; folder?: string }, RemoveImagesResult>;
  /** Writes the labels as CSV (path,label,source,root) that an import with labelSource 'csv' reads back. */
  exportLabels: Call<{ out: string; includeUnlabelled?: boolean }, LabelsExportResult>;
  // splits
  previewSplit: Call<SplitRequest, SplitPreview>;
  createSplit: Call<SplitRequest, SplitInfo>;
  lockSplit: Call<{ name: string }, SplitInfo>;
  deleteSplit: Call<{ name: string }, SplitInfo[]>;
  listSplits: Call<Empty, SplitInfo[]>;
  // backends, weights, features
  getBackend: Call<Empty, BackendStatus>;
  getWeightsStatus: Call<Empty, WeightsStatus>;
  /** A job whose result is a WeightsFetchResult. `url` / `md5` override the official address and sum (mirrors). */
  fetchWeights: Call<{ top?: boolean; backbone?: BuiltinBackboneName; url?: string; md5?: string }, JobRef>;
  /** Copies a weights file into the cache after checking it loads (into `backbone`, else whichever built-in backbone it fits). */
  importWeights: Call<{ file: string; backbone?: BuiltinBackboneName }, WeightsImportResult>;
  getFeatureStatus: Call<Empty, FeatureStatus>;
  /** A job whose result is an ExtractionResult. */
  startExtraction: Call<ExtractionConfig, JobRef>;
  /** Runs in the ML worker; needs no project. */
  computeImageFeatures: Call<ImageFeaturesRequest, ImageFeaturesResult>;
  // jobs
  listJobs: Call<Empty, JobInfo[]>;
  cancelJob: Call<{ jobId: string }, JobInfo>;
  // runs
  getRunDefaults: Call<Empty, RunConfig>;
  /** Queues a run (one runs at a time) and returns at once. */
  startRun: Call<StartRunRequest, RunSummary>;
  /** Times a few fine-tuning steps and says how long the run's fine-tuning would take (null: the config does not fine-tune). */
  estimateRun: Call<StartRunRequest, RunEstimate | null>;
  listRuns: Call<Empty, RunSummary[]>;
  getRunQueue: Call<Empty, RunQueue>;
  getRun: Call<{ id: number }, RunDetail>;
  cancelRun: Call<{ id: number }, RunSummary>;
  compareRuns: Call<{ ids: number[]; on?: 'val' | 'test' }, RunComparison>;
  /** On 'test', increments the split's test-evaluation counter. */
  evaluateRun: Call<{ id: number; on: 'val' | 'test' }, Evaluation>;
  exportRun: Call<ExportRequest, ExportResult>;
  /** Writes (or finds) the run's HTML report. */
  getRunReport: Call<{ id: number }, ReportInfo>;
  /** "Try it": classifies image files with a finished run (exported once as TF.js, cached) or an exported model. */
  predictImages: Call<PredictRequest, PredictResult>;
  // suspects
  findSuspects: Call<SuspectsRequest, SuspectList>;
  /** The stored list of the last search (without confirmed or since-relabelled images), or null when none was made. */
  getSuspects: Call<Empty, SuspectList | null>;
  /** The user says these labels are right: they leave the suspects list. */
  confirmLabels: Call<{ imageIds: number[] }, { confirmed: number }>;
}

export type CallName = keyof StudioCalls;
export type CallInput<K extends CallName> = StudioCalls[K]['input'];
export type CallOutput<K extends CallName> = StudioCalls[K]['output'];

/** Every call name, at run time (the transports bind these). Exhaustive by construction. */
const callNameSet: Record<CallName, true> = {
  getAppInfo: true, listRecentProjects: true, openProject: true, createProject: true, getProjectStatus: true, deleteProject: true, listFolder: true,
  importFolder: true, makeThumbnails: true,
  queryImages: true, queryImageIds: true, getImage: true, findImages: true, exportLabels: true, computeImageFeatures: true, predictImages: true,
  setLabel: true, undo: true, redo: true, getHistory: true, previewUndo: true, listClasses: true, createClass: true, renameClass: true, mergeClasses: true, deleteClass: true, removeImages: true,
  previewSplit: true, createSplit: true, lockSplit: true, deleteSplit: true, listSplits: true,
  getBackend: true, getWeightsStatus: true, fetchWeights: true, importWeights: true, getFeatureStatus: true, startExtraction: true,
  listJobs: true, cancelJob: true,
  getRunDefaults: true, startRun: true, estimateRun: true, listRuns: true, getRunQueue: true, getRun: true, cancelRun: true, compareRuns: true, evaluateRun: true, exportRun: true, getRunReport: true,
  findSuspects: true, getSuspects: true, confirmLabels: true,
};
export const CALL_NAMES = Object.keys(callNameSet) as CallName[];

export function isCallName(name: string): name is CallName {
  return Object.prototype.hasOwnProperty.call(callNameSet, name);
}

/** The core side: what ipc.ts and server.ts bind (src/main/studio/studio-service.ts implements it). */
export type StudioService = { [K in CallName]: (input: CallInput<K>) => Promise<CallOutput<K>> };

// ───────────────────────────── events ─────────────────────────────

export interface LabelsChangedEvent {
  /** Images whose label changed; null when too many or unknown (reload what is shown). */
  imageIds: number[] | null;
  history: HistoryState;
  classes: ClassInfo[];
}

export interface RunEpochEvent {
  runId: number;
  metrics: EpochMetrics;
  epochs: number;
  etaSeconds: number | null;
}

/** Progress within an epoch (what the worker knows: some fields may be null). */
export interface RunBatchEvent {
  runId: number;
  phase: 'head' | 'fine-tune';
  epoch: number | null;
  epochs: number | null;
  batch: number | null;
  batches: number | null;
  loss: number | null;
  accuracy: number | null;
  etaSeconds: number | null;
  /** In words, e.g. "epoch 3/50 · batch 12/125". */
  message: string;
}

/** Every event from the core: name → payload. */
export interface StudioEvents {
  /** A project was opened or created, or its content changed in bulk (import finished). */
  'project.changed': ProjectStatus;
  /** A job started or progressed. */
  'job.updated': JobInfo;
  /** A job ended: state done, failed (error says why) or cancelled. */
  'job.finished': JobInfo;
  'labels.changed': LabelsChangedEvent;
  /**
   * The background thumbnail job progressed (sent at most twice a second).
   * `hashes` may be empty: reload thumbnails that failed to load. A missing
   * thumbnail is also made on demand when its URL is requested.
   */
  'thumbnails.ready': { hashes: string[]; ready: number; total: number };
  /** A run was queued, started, finished, failed, cancelled. */
  'run.updated': RunSummary;
  'run.epoch': RunEpochEvent;
  'run.batch': RunBatchEvent;
}

export type EventName = keyof StudioEvents;
const eventNameSet: Record<EventName, true> = {
  'project.changed': true, 'job.updated': true, 'job.finished': true, 'labels.changed': true, 'thumbnails.ready': true,
  'run.updated': true, 'run.epoch': true, 'run.batch': true,
};
export const EVENT_NAMES = Object.keys(eventNameSet) as EventName[];

/** One event on the wire (WebSocket message, IPC 'studio:event' message). */
export type StudioEventMessage = { [E in EventName]: { event: E; payload: StudioEvents[E] } }[EventName];

export type EventHandler<E extends EventName> = (payload: StudioEvents[E]) => void;

// ───────────────────────────── the client API ─────────────────────────────

type ClientCall<K extends CallName> =
  Empty extends CallInput<K>
    ? (input?: CallInput<K>) => Promise<CallOutput<K>>
    : (input: CallInput<K>) => Promise<CallOutput<K>>;

/**
 * What the renderer's stores use (via `getStudioApi()` in src/renderer/src/api).
 * Calls reject with a `StudioError` whose `code` and `message` come from the core.
 */
export type StudioApi = { [K in CallName]: ClientCall<K> } & {
  readonly transport: 'electron' | 'http';
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, handler: EventHandler<E>): () => void;
  /** URL of an image's thumbnail (by content hash) for <img src>. */
  thumbUrl(hash: string): string;
  /** URL of the full image. */
  imageUrl(id: number): string;
  /** URL of a run's HTML report (call getRunReport first). */
  reportUrl(runId: number): string;
};

// ───────────────────────────── wire format ─────────────────────────────

/** The result envelope of one call on the wire (IPC reply; HTTP bodies use `{ error }` with a 4xx/5xx status). */
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Electron IPC channel of a call, and the one channel for events. */
export const ipcChannel = (call: CallName): string => `studio:${call}`;
export const IPC_EVENT_CHANNEL = 'studio:event';

/** Browser mode routes. */
export const HTTP_API_PREFIX = '/api/';
export const HTTP_EVENTS_PATH = '/events';
export const HTTP_MEDIA_PREFIX = '/media/';
/** The Electron custom protocol for images and reports: `xstudio-media://media/thumb/<hash>`. */
export const MEDIA_PROTOCOL = 'xstudio-media';

/** Media paths below a transport's base ('/media/' or 'xstudio-media://media/'). */
export const mediaPath = {
  thumb: (hash: string): string => `thumb/${encodeURIComponent(hash)}`,
  image: (id: number): string => `image/${id}`,
  report: (runId: number): string => `report/${runId}`,
};

/** HTTP status for an error code. */
export function httpStatusFor(code: StudioErrorCode): number {
  switch (code) {
    case 'invalid-argument':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
      return 404;
    case 'conflict':
    case 'cancelled':
      return 409;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}
