/**
 * One zod schema per StudioApi call input: both doors (IPC and HTTP) validate
 * with these before the core sees anything, so a bad call gets an error that
 * names the field, never a crash.
 */
import { z } from 'zod';
import type { CallInput, CallName } from './api.ts';
import { invalidArgument, type StudioError } from './errors.ts';

const empty = z.object({}).strict();
// Every number is finite and bounded: JSON carries 1e308 (and 1e309 parses as
// Infinity), and an id or offset past 2^53 cannot reach SQLite intact.
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const count = (max: number) => z.number().finite().min(0).max(max);
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const part = z.enum(['train', 'val', 'test']);
const className = z.string().trim().min(1, 'must not be empty').max(200, 'is longer than 200 characters');

const imageFilter = z.object({
  classes: z.array(className).max(1000).optional(),
  unlabelled: z.boolean().optional(),
  split: nonEmpty.optional(),
  part: part.optional(),
  status: z.enum(['ok', 'failed', 'missing']).optional(),
  duplicates: z.boolean().optional(),
  search: z.string().max(500).optional(),
  runId: id.optional(),
  predictedClass: className.optional(),
  correctness: z.enum(['correct', 'wrong']).optional(),
  suspect: z.boolean().optional(),
});

const imageQuery = imageFilter.extend({
  sort: z.enum(['name', 'confidence', 'loss']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
}).strict();

const splitRequest = z.object({
  name: nonEmpty.max(100),
  unit: z.enum(['count', 'fraction']),
  sizes: z.object({ train: count(1e9), val: count(1e9), test: count(1e9) }).strict(),
  stratified: z.boolean(),
  seed: z.number().int().min(0).max(2 ** 32 - 1),
  lockTest: z.boolean().optional(),
}).strict().superRefine((r, ctx) => {
  if (r.unit === 'count') {
    for (const p of ['train', 'val', 'test'] as const) {
      if (!Number.isInteger(r.sizes[p])) ctx.addIssue({ code: 'custom', path: ['sizes', p], message: `expected a whole number of images, got ${r.sizes[p]}` });
    }
  } else {
    for (const p of ['train', 'val', 'test'] as const) {
      if (r.sizes[p] >= 1) ctx.addIssue({ code: 'custom', path: ['sizes', p], message: `expected a fraction below 1, got ${r.sizes[p]}` });
    }
    const sum = r.sizes.train + r.sizes.val + r.sizes.test;
    if (sum > 1 + 1e-9) ctx.addIssue({ code: 'custom', path: ['sizes'], message: `fractions must add up to at most 1, got ${sum}` });
  }
});

const extractionConfig = z.object({
  backbone: z.enum(['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0', 'layers-model']),
  weightsFile: nonEmpty.optional(),
  modelJson: nonEmpty.optional(),
  preprocess: z.enum(['tf', 'torch', 'caffe', 'unit', 'raw']).optional(),
  featureLayer: nonEmpty.optional(),
  randomInit: z.boolean().optional(),
  inputSize: z.number().int().min(32).max(1024).optional(),
  batchSize: z.number().int().min(1).max(512).optional(),
  workers: z.number().int().min(1).max(64).optional(),
}).strict().superRefine((c, ctx) => {
  if (c.backbone === 'layers-model' && !c.modelJson) ctx.addIssue({ code: 'custom', path: ['modelJson'], message: "is required with backbone 'layers-model'" });
});

const importRequest = z.object({
  folder: nonEmpty,
  labelSource: z.enum(['folder', 'filename', 'none', 'csv', 'pattern']),
  csvFile: nonEmpty.optional(),
  labelPattern: nonEmpty.optional(),
  thumbnails: z.boolean().optional(),
  maxPixels: z.number().int().min(1).max(2 ** 40).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  batchSize: z.number().int().min(1).max(100_000).optional(),
}).strict().superRefine((r, ctx) => {
  if (r.labelSource === 'csv' && !r.csvFile) ctx.addIssue({ code: 'custom', path: ['csvFile'], message: "is required with labelSource 'csv'" });
  if (r.labelSource === 'pattern') {
    if (!r.labelPattern) ctx.addIssue({ code: 'custom', path: ['labelPattern'], message: "is required with labelSource 'pattern'" });
    else {
      // Compiled as the import compiles it (Unicode mode), so what passes here also runs there.
      let groups: number | null = null;
      try {
        groups = (new RegExp(`${r.labelPattern}|`, 'u').exec('')?.length ?? 1) - 1;
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['labelPattern'], message: `is not a valid regular expression: ${(err as Error).message}` });
      }
      if (groups === 0) ctx.addIssue({ code: 'custom', path: ['labelPattern'], message: 'has no capture group: the label is its first group, or the group named "label"' });
    }
  }
});

type Schemas = { [K in CallName]: z.ZodType<CallInput<K>, z.ZodTypeDef, unknown> };

export const callSchemas: Schemas = {
  getAppInfo: empty,
  listRecentProjects: empty,
  openProject: z.object({ file: nonEmpty }).strict(),
  createProject: z.object({ file: nonEmpty }).strict(),
  getProjectStatus: empty,
  deleteProject: z.object({ file: nonEmpty }).strict(),
  listFolder: z.object({ path: z.string().optional() }).strict(),
  importFolder: importRequest,
  makeThumbnails: z.object({ concurrency: z.number().int().min(1).max(64).optional() }).strict(),
  queryImages: imageQuery,
  queryImageIds: imageFilter.strict(),
  getImage: z.object({ id }).strict(),
  findImages: z.object({ refs: z.array(nonEmpty).min(1, 'must name at least one image').max(1_000_000) }).strict(),
  exportLabels: z.object({ out: nonEmpty, includeUnlabelled: z.boolean().optional() }).strict(),
  computeImageFeatures: z.object({
    files: z.array(nonEmpty).min(1, 'must name at least one image file').max(100_000),
    backbone: extractionConfig,
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  }).strict(),
  setLabel: z.object({ imageIds: z.array(id).min(1, 'must name at least one image').max(1_000_000), className: className.nullable() }).strict(),
  undo: empty,
  redo: empty,
  getHistory: z.object({ limit: z.number().int().min(1).max(10_000).optional() }).strict(),
  previewUndo: empty,
  predictImages: z.object({
    files: z.array(nonEmpty).min(1, 'must name at least one image file or folder').max(1000),
    runId: id.optional(),
    model: nonEmpty.optional(),
  }).strict().refine((r) => (r.runId === undefined) !== (r.model === undefined), { message: 'give exactly one of runId (a finished run) or model (an exported model)' }),
  listClasses: empty,
  createClass: z.object({ name: className }).strict(),
  renameClass: z.object({ name: className, newName: className }).strict(),
  mergeClasses: z.object({ from: z.array(className).min(1, 'must name at least one class'), into: className }).strict(),
  deleteClass: z.object({ name: className }).strict(),
  removeImages: z.object({ ids: z.array(id).min(1, 'must name at least one image').max(1_000_000).optional(), folder: nonEmpty.optional() }).strict()
    .refine((r) => (r.ids === undefined) !== (r.folder === undefined), { message: 'give either image ids or a folder, not both', path: ['ids'] }),
  previewSplit: splitRequest,
  createSplit: splitRequest,
  lockSplit: z.object({ name: nonEmpty }).strict(),
  deleteSplit: z.object({ name: nonEmpty }).strict(),
  listSplits: empty,
  getBackend: empty,
  getWeightsStatus: empty,
  fetchWeights: z.object({ top: z.boolean().optional(), backbone: z.enum(['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0']).optional(), url: z.string().url().optional(), md5: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits').optional() }).strict(),
  importWeights: z.object({ file: nonEmpty, backbone: z.enum(['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0']).optional() }).strict(),
  getFeatureStatus: empty,
  startExtraction: extractionConfig,
  listJobs: empty,
  cancelJob: z.object({ jobId: nonEmpty }).strict(),
  getRunDefaults: empty,
  startRun: z.object({
    split: nonEmpty.optional(),
    backbone: nonEmpty.optional(),
    name: z.string().max(200).optional(),
    // The run configuration is checked field by field by the core's run-config schema.
    config: z.record(z.unknown()).optional(),
  }).strict(),
  estimateRun: z.object({
    split: nonEmpty.optional(),
    backbone: nonEmpty.optional(),
    name: z.string().max(200).optional(),
    // The run configuration is checked field by field by the core's run-config schema.
    config: z.record(z.unknown()).optional(),
  }).strict(),
  listRuns: empty,
  getRunQueue: empty,
  getRun: z.object({ id }).strict(),
  cancelRun: z.object({ id }).strict(),
  compareRuns: z.object({
    ids: z.array(id).min(2, 'must name at least two runs').max(8, 'can compare at most 8 runs')
      .refine((ids) => new Set(ids).size === ids.length, { message: 'must name different runs (a run compared with itself shows nothing)' }),
    on: z.enum(['val', 'test']).optional(),
  }).strict(),
  evaluateRun: z.object({ id, on: z.enum(['val', 'test']) }).strict(),
  exportRun: z.object({
    runId: id,
    format: z.enum(['tfjs', 'keras', 'onnx', 'head', 'dataset', 'report']),
    out: nonEmpty,
    mode: z.enum(['none', 'copy', 'link']).optional(),
    overwrite: z.boolean().optional(),
  }).strict(),
  getRunReport: z.object({ id }).strict(),
  getSuspects: empty,
  findSuspects: z.object({
    runId: id.optional(),
    split: nonEmpty.optional(),
    backbone: nonEmpty.optional(),
    folds: z.number().int().min(2).max(20).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    ranker: z.enum(['logistic', 'head']).optional(),
  }).strict(),
  confirmLabels: z.object({ imageIds: z.array(id).min(1, 'must name at least one image').max(1_000_000) }).strict(),
};

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Validates a call's input; the error names the call and the field, what was expected and what was found. */
export function parseCallInput<K extends CallName>(call: K, input: unknown): CallInput<K> {
  const schema = callSchemas[call] as z.ZodType<CallInput<K>, z.ZodTypeDef, unknown>;
  const r = schema.safeParse(input === undefined || input === null ? {} : input);
  if (r.success) return r.data;
  throw callInputError(input, r.error);
}

function callInputError(input: unknown, error: z.ZodError): StudioError {
  const first = error.issues[0];
  const lines = error.issues.slice(0, 3).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? ` in ${issue.path.join('.')}` : '';
      return `unknown field${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')}`;
    }
    const field = issue.path.length ? issue.path.join('.') : 'input';
    return `${field}: ${issue.message} (found ${describeValue(valueAt(input, issue.path))})`;
  });
  // The field of the first problem travels with the error, so each door can point at its own control.
  const field = first && first.code !== 'unrecognized_keys' && first.path.length ? first.path.join('.') : undefined;
  return invalidArgument(lines.join('; '), field);
}
