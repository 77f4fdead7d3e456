import { invalidArgument } from '../../../shared/errors.ts';
import { optionalInt, optionalString } from '../args.ts';
import type { Command } from '../command.ts';
import type { BackboneSpec } from '../../ml/backbone.ts';
import type { ImageFeaturesResult } from '../../ml/image-features.ts';
import { parsePreprocessMode } from '../../ml/preprocess.ts';
import { BUILTIN_FACTS, BUILTIN_NAMES, isBuiltinName } from '../../ml/backbones/catalog.ts';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'Print the backbone feature vector of image files (no project needed)',
  usage: 'xstudio features ([--backbone xception|mobilenet_v2|resnet50|efficientnet_b0] [--weights W.h5] (default: the official file in the weights cache) | --random-init [--seed N] | --backbone-model model.json [--preprocess tf|torch|caffe|unit] [--feature-layer L]) [--input-size 299] [--batch N] <image>… [--json]',
  options: {
    backbone: { type: 'string' },
    weights: { type: 'string' },
    'backbone-model': { type: 'string' },
    preprocess: { type: 'string' },
    'feature-layer': { type: 'string' },
    'input-size': { type: 'string' },
    'random-init': { type: 'boolean' },
    seed: { type: 'string' },
    batch: { type: 'string' },
  },
  positionals: true,
  async run(args, io) {
    const weights = optionalString(args, 'weights');
    const modelJson = optionalString(args, 'backbone-model');
    const randomInit = args.values['random-init'] === true;
    const inputSize = optionalInt(args, 'input-size', 1);
    const preprocess = optionalString(args, 'preprocess');
    let spec: BackboneSpec;
    if (modelJson) {
      if (weights || randomInit) throw invalidArgument('--backbone-model cannot be combined with --weights or --random-init');
      spec = {
        kind: 'layers-model', modelJson, inputSize,
        featureLayer: optionalString(args, 'feature-layer'),
        preprocess: parsePreprocessMode(preprocess ?? 'tf'),
      };
    } else {
      const kind = optionalString(args, 'backbone') ?? 'xception';
      if (!isBuiltinName(kind)) throw invalidArgument(`--backbone expects one of ${BUILTIN_NAMES.join(', ')}, got "${kind}"`);
      let weightsFile = weights;
      if (!weightsFile && !randomInit) {
        // No flag: the official notop file from the studio (or Keras) cache, as `extract` does.
        const { findOfficialWeights } = await import('../../studio/weights/weights-cache.ts');
        weightsFile = (await findOfficialWeights(false, process.env, kind))?.file;
        if (!weightsFile) throw invalidArgument(`no ${kind} weights: give --weights <file.h5> (or run \`xstudio weights fetch --backbone ${kind}\` / \`xstudio weights import <file>\`), --backbone-model <model.json>, or --random-init`);
      }
      if (preprocess && preprocess !== BUILTIN_FACTS[kind].preprocess) throw invalidArgument(`--preprocess: ${kind} uses '${BUILTIN_FACTS[kind].preprocess}' preprocessing, got "${preprocess}"`);
      if (optionalString(args, 'feature-layer')) throw invalidArgument('--feature-layer applies only with --backbone-model');
      spec = { kind, weightsFile, randomInit, seed: optionalInt(args, 'seed', 0), inputSize };
    }
    if (args.positionals.length === 0) throw invalidArgument('no image given: pass one or more image files');
    // Imported on use, so other commands start without loading TF.js.
    const { computeImageFeatures } = await import('../../ml/image-features.ts');
    return computeImageFeatures(spec, args.positionals, {
      batchSize: optionalInt(args, 'batch', 1),
      onProgress: (done, total) => io.progress(`features: ${done}/${total}`),
    });
  },
  format(result) {
    const r = result as ImageFeaturesResult;
    const head = `${r.backbone}${r.randomInit ? ' (RANDOM INIT — not pretrained)' : ''} on ${r.backend}, ${r.inputSize}px, preprocess ${r.preprocess}, dim ${r.dim}`;
    return [head, ...r.features.map((f) => `${f.path}: [${f.vector.slice(0, 5).map((v) => v.toFixed(5)).join(', ')}, …]`)].join('\n');
  },
};
