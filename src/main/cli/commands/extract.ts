import type { Command } from '../command.ts';
import { optionalInt, optionalString, requireString } from '../args.ts';
import { parsePreprocessMode } from '../../ml/preprocess.ts';
import { extractFeatures, type ExtractResult } from '../../studio/features/extract-features.ts';
import { formatProgress } from '../../studio/jobs/progress-meter.ts';
import { withProject } from '../../studio/project.ts';
import { invalidArgument } from '../../../shared/errors.ts';
import { BUILTIN_NAMES, isBuiltinName, type BuiltinName } from '../../ml/backbones/catalog.ts';

export const extractCommand: Command = {
  name: 'extract',
  summary: 'Compute the backbone features of every healthy image that lacks them (cached in the project)',
  usage:
    'xstudio extract --project P [--backbone xception|mobilenet_v2|resnet50|efficientnet_b0 | --backbone-model model.json [--preprocess tf|torch|caffe|unit|raw] [--feature-layer L]] [--weights W] [--random-init] [--input-size N (default: the network\'s own)] [--batch N] [--workers N] [--json]',
  options: {
    project: { type: 'string' },
    backbone: { type: 'string' },
    'backbone-model': { type: 'string' },
    preprocess: { type: 'string' },
    'feature-layer': { type: 'string' },
    weights: { type: 'string' },
    'random-init': { type: 'boolean' },
    'input-size': { type: 'string' },
    batch: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(args, io) {
    const project = requireString(args, 'project');
    const backbone = optionalString(args, 'backbone');
    if (backbone !== undefined && !isBuiltinName(backbone)) throw invalidArgument(`--backbone expects one of ${BUILTIN_NAMES.join(', ')}, got "${backbone}" (use --backbone-model <model.json> for another network)`);
    const preprocess = optionalString(args, 'preprocess');
    let last = -Infinity; // the first report always shows
    return withProject(project, (p) =>
      extractFeatures(p, {
        backbone: backbone as BuiltinName | undefined,
        backboneModel: optionalString(args, 'backbone-model'),
        preprocess: preprocess === undefined ? undefined : parsePreprocessMode(preprocess),
        featureLayer: optionalString(args, 'feature-layer'),
        weights: optionalString(args, 'weights'),
        randomInit: args.values['random-init'] === true,
        inputSize: optionalInt(args, 'input-size', 1),
        batchSize: optionalInt(args, 'batch', 1),
        workers: optionalInt(args, 'workers', 1),
        signal: io.signal,
        onProgress: (pr) => {
          const now = performance.now();
          if (now - last < 1000 && pr.done < pr.total) return;
          last = now;
          io.progress(`extract: ${formatProgress(pr)}`);
        },
      }),
    );
  },
  format(result) {
    const r = result as ExtractResult;
    const lines = [
      `${r.backbone.name}${r.backbone.randomInit ? ' [RANDOM INIT]' : ''}, input ${r.backbone.inputSize}, ${r.backbone.featureDim ?? '?'}-d features`,
      `extracted ${r.extracted}, cached ${r.cached}, duplicates ${r.duplicates}, failed ${r.failed.length} of ${r.images} images` +
        (r.backend ? ` on ${r.backend} with ${r.workers} worker(s)${r.imagesPerSecond ? `, ${r.imagesPerSecond.toFixed(2)} images/s` : ''}` : ' (all cached, no worker started)'),
      ...r.failed.map((f) => `  failed: ${f.path}: ${f.reason}`),
    ];
    return lines.join('\n');
  },
};
