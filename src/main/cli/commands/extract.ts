import type { BuiltinBackboneName, ExtractionConfig, ExtractionResult, ImageFeaturesResult, PreprocessMode } from '../../../shared/api.ts';
import { flag, oneOf, optionalInt, optionalString, projectFlag, UsageError } from '../args.ts';
import { command, type FlagSpec, type ParsedArgs } from '../command.ts';
import { waitForJob } from '../wait.ts';

const PREPROCESS: PreprocessMode[] = ['tf', 'torch', 'caffe', 'unit', 'raw'];
const BUILTIN: BuiltinBackboneName[] = ['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0'];

/** The flags that choose a backbone, shared by `extract` and `features` (both fill an ExtractionConfig). */
export const backboneFlags: Record<string, FlagSpec> = {
  backbone: { type: 'string', value: 'NAME', description: `Built-in backbone: ${BUILTIN.join(', ')} (default xception)`, field: 'backbone' },
  'backbone-model': { type: 'string', value: 'FILE', description: 'A TF.js layers model.json to use as the backbone instead', field: 'modelJson' },
  preprocess: { type: 'string', value: 'MODE', description: 'With --backbone-model: tf (x/127.5-1), torch, caffe or unit (x/255)', field: 'preprocess' },
  'feature-layer': { type: 'string', value: 'LAYER', description: 'With --backbone-model: the layer whose output is the feature', field: 'featureLayer' },
  weights: { type: 'string', value: 'FILE', description: 'Keras HDF5 weights (default: the official file in the weights cache)', field: 'weightsFile' },
  'random-init': { type: 'boolean', description: 'Random weights: for tests and demos only, marked as such everywhere', field: 'randomInit' },
  'input-size': { type: 'string', value: 'PX', description: 'Input size in pixels (default: the backbone\'s own)', field: 'inputSize' },
  batch: { type: 'string', value: 'N', description: 'Images per forward pass', field: 'batchSize' },
};

/** The same flags for a call that holds the config under `prefix`, so an error about `backbone.inputSize` is told as --input-size. */
function flagsUnder(prefix: string, flags: Record<string, FlagSpec>): Record<string, FlagSpec> {
  const under = (field: string): string => `${prefix}.${field}`;
  return Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, f.field === undefined ? f : { ...f, field: typeof f.field === 'string' ? under(f.field) : f.field.map(under) }]));
}

export function extractionConfigOf(args: ParsedArgs): ExtractionConfig {
  const modelJson = optionalString(args, 'backbone-model');
  const name = optionalString(args, 'backbone');
  if (modelJson && name !== undefined) throw new UsageError('give --backbone or --backbone-model, not both');
  if (name !== undefined && !BUILTIN.includes(name as BuiltinBackboneName)) throw new UsageError(`--backbone expects ${BUILTIN.join(', ')}, got "${name}" (use --backbone-model <model.json> for another network)`);
  return {
    backbone: modelJson ? 'layers-model' : ((name as BuiltinBackboneName | undefined) ?? 'xception'),
    modelJson,
    preprocess: oneOf(args, 'preprocess', PREPROCESS),
    featureLayer: optionalString(args, 'feature-layer'),
    weightsFile: optionalString(args, 'weights'),
    randomInit: flag(args, 'random-init') || undefined,
    inputSize: optionalInt(args, 'input-size', 1),
    batchSize: optionalInt(args, 'batch', 1),
  };
}

export const extractCommand = command<ExtractionResult>({
  name: 'extract',
  summary: 'Compute the backbone features of every healthy image that lacks them (cached in the project)',
  project: 'open',
  call: 'startExtraction',
  flags: { ...projectFlag, ...backboneFlags, workers: { type: 'string', value: 'N', description: 'Worker processes (default: one per core on the CPU)', field: 'workers' } },
  notes: ['Runs as a job (the same one the Training view shows): Ctrl+C cancels it and keeps what was computed.'],
  async run(ctx, args) {
    const { jobId } = await ctx.service.startExtraction({ ...extractionConfigOf(args), workers: optionalInt(args, 'workers', 1) });
    return waitForJob<ExtractionResult>(ctx, jobId);
  },
  format(r) {
    const b = r.backbone;
    return [
      b ? `${b.name}${b.randomInit ? ' [RANDOM INIT]' : ''}, input ${b.inputSize}, ${b.featureDim}-d features` : 'features',
      `extracted ${r.extracted}, cached ${r.cached}, duplicates ${r.duplicates}, failed ${r.failed.length} of ${r.images} images` +
        (r.extracted ? ` on ${r.backend} with ${r.workers} worker(s): ${r.imagesPerSecond.toFixed(2)} images/s` : ''),
      ...r.failed.slice(0, 20).map((f) => `  failed ${f.path}: ${f.reason}`),
    ].join('\n');
  },
});

export const featuresCommand = command<ImageFeaturesResult>({
  name: 'features',
  summary: 'Print the backbone feature vector of image files (no project needed)',
  project: 'none',
  call: 'computeImageFeatures',
  positionals: { name: '<image>…', description: 'Image files', field: 'files' },
  flags: { ...flagsUnder('backbone', backboneFlags), seed: { type: 'string', value: 'N', description: 'With --random-init: the seed of the weights', field: 'seed' } },
  async run({ service }, args) {
    if (args.positionals.length === 0) throw new UsageError('no image given: pass one or more image files');
    return service.computeImageFeatures({ files: args.positionals, backbone: extractionConfigOf(args), seed: optionalInt(args, 'seed', 0) });
  },
  format(r) {
    const head = `${r.backbone}${r.randomInit ? ' (RANDOM INIT — not pretrained)' : ''} on ${r.backend}, ${r.inputSize}px, preprocess ${r.preprocess}, dim ${r.dim}`;
    return [head, ...r.features.map((f) => `${f.path}: [${f.vector.slice(0, 5).map((v) => v.toFixed(5)).join(', ')}, …]`)].join('\n');
  },
});
