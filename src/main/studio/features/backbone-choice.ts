import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/errors.ts';
import type { BackboneSpec } from '../../ml/backbone.ts';
import { inferenceEngine, type InferenceEngineKind } from '../../ml/engine-choice.ts';
import { shardFiles } from '../../ml/model-shards.ts';
import { PREPROCESS_VERSION, type PreprocessMode } from '../../ml/preprocess.ts';
import { XCEPTION_DEFAULT_INPUT, XCEPTION_MIN_INPUT } from '../../ml/xception.ts';
import { fileDigest, findOfficialWeights } from '../weights/weights-cache.ts';
import { knownByMd5 } from '../weights/known-weights.ts';
import type { BackboneRecord } from './feature-store.ts';

/** What the user asked for (CLI flags / UI form). */
export interface BackboneRequest {
  backbone?: 'xception';
  /** A TF.js layers model.json instead of Xception. */
  backboneModel?: string;
  preprocess?: PreprocessMode;
  featureLayer?: string;
  weights?: string;
  randomInit?: boolean;
  inputSize?: number;
}

/** The seed of random-init backbones: fixed, so every worker (and every run) builds the same network. */
export const RANDOM_INIT_SEED = 0;

export interface ResolvedBackbone {
  spec: BackboneSpec;
  record: Omit<BackboneRecord, 'createdAt' | 'backboneId' | 'featureDim'>;
  /** The engine the features are computed on; part of the key (engine-choice.ts). */
  engine: InferenceEngineKind;
}

/**
 * Turns a request into the spec a worker loads and the key features are
 * stored under — without loading the network, so a fully cached extract
 * starts no worker at all. The key folds in everything that changes the
 * numbers: kind, weights content hash (sha256) or the random-init seed,
 * feature layer, input size, preprocessing mode and version.
 */
export async function resolveBackbone(req: BackboneRequest, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBackbone> {
  // Features from ONNX Runtime and TF.js agree to ~1e-6 but are not bit-equal:
  // the engine is part of the key, so a cache never silently mixes the two.
  const engine = inferenceEngine(env).engine;
  const r = await resolveUntagged(req, env);
  return { ...r, engine, record: { ...r.record, key: `${r.record.key}:engine=${engine}` } };
}

async function resolveUntagged(req: BackboneRequest, env: NodeJS.ProcessEnv): Promise<Omit<ResolvedBackbone, 'engine'>> {
  if (req.backboneModel) return resolveLayersModel(req);
  if (req.backbone && req.backbone !== 'xception') throw new StudioError('invalid-argument', `--backbone expects "xception", got "${req.backbone}" (use --backbone-model <model.json> for another network)`);
  if (req.featureLayer) throw new StudioError('invalid-argument', '--feature-layer applies to --backbone-model only (Xception gives its 2048-d average-pooled feature)');
  if (req.preprocess && req.preprocess !== 'tf') throw new StudioError('invalid-argument', `Xception uses preprocessing "tf" (x / 127.5 - 1); --preprocess ${req.preprocess} applies to --backbone-model only`);
  const inputSize = req.inputSize ?? XCEPTION_DEFAULT_INPUT;
  if (!Number.isInteger(inputSize) || inputSize < XCEPTION_MIN_INPUT) throw new StudioError('invalid-argument', `--input-size expects an integer >= ${XCEPTION_MIN_INPUT} for Xception, got ${inputSize}`);
  const common = { kind: 'xception' as const, featureLayer: null, inputSize, preprocess: 'tf', preprocessVersion: PREPROCESS_VERSION };

  if (req.randomInit) {
    if (req.weights) throw new StudioError('invalid-argument', '--random-init and --weights exclude each other');
    const weightsHash = `random-init:${RANDOM_INIT_SEED}`;
    return {
      spec: { kind: 'xception', randomInit: true, inputSize, seed: RANDOM_INIT_SEED },
      record: { ...common, key: key('xception', weightsHash, null, inputSize, 'tf'), name: 'Xception (random init)', weightsHash, source: null, randomInit: true },
    };
  }
  let weightsFile = req.weights;
  if (!weightsFile) {
    // The file with the top works too (the network is cut at avg_pool); the notop one is preferred.
    const found = (await findOfficialWeights(false, env)) ?? (await findOfficialWeights(true, env));
    if (!found) {
      throw new StudioError(
        'not-found',
        'no Xception weights: the official file xception_weights_tf_dim_ordering_tf_kernels_notop.h5 is not in the studio cache. Run `xstudio weights fetch` to download it, `xstudio weights import <file>` if you have it, pass --weights <file>, or --random-init for a demo backbone',
      );
    }
    weightsFile = found.file;
  }
  weightsFile = path.resolve(weightsFile);
  if (!fs.existsSync(weightsFile)) throw new StudioError('not-found', `--weights: file ${weightsFile} does not exist`);
  const weightsHash = await fileDigest(weightsFile, 'sha256');
  const official = knownByMd5(await fileDigest(weightsFile, 'md5'));
  const name = official ? 'Xception (ImageNet, official Keras weights)' : `Xception (${path.basename(weightsFile)})`;
  return {
    spec: { kind: 'xception', weightsFile, inputSize },
    record: { ...common, key: key('xception', weightsHash, null, inputSize, 'tf'), name, weightsHash, source: weightsFile, randomInit: false },
  };
}

async function resolveLayersModel(req: BackboneRequest): Promise<Omit<ResolvedBackbone, 'engine'>> {
  if (req.weights || req.randomInit) throw new StudioError('invalid-argument', '--weights and --random-init apply to Xception only; a --backbone-model carries its own weights');
  const modelJson = path.resolve(req.backboneModel!);
  if (!req.preprocess) throw new StudioError('invalid-argument', `--backbone-model ${modelJson}: say how its inputs are scaled with --preprocess tf|torch|caffe|unit`);
  let topology: { modelTopology?: unknown; weightsManifest?: { paths: string[] }[] };
  try {
    topology = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  } catch (e) {
    throw new StudioError('not-found', `--backbone-model: cannot read ${modelJson}: ${(e as Error).message}`);
  }
  // Identity = model.json plus every weight shard, byte for byte.
  const hash = crypto.createHash('sha256').update(fs.readFileSync(modelJson));
  // Checked before any shard is read: a path leaving the model's folder is refused (issue 9).
  for (const shard of shardFiles(modelJson, topology.weightsManifest)) {
    if (!fs.existsSync(shard)) throw new StudioError('not-found', `--backbone-model ${modelJson}: weight shard ${shard} is missing`);
    hash.update(fs.readFileSync(shard));
  }
  const weightsHash = hash.digest('hex');
  const modelSize = inputSizeOf(topology.modelTopology);
  if (req.inputSize !== undefined && modelSize !== undefined && req.inputSize !== modelSize) {
    throw new StudioError('invalid-argument', `--input-size ${req.inputSize} does not match ${modelJson}, whose input is ${modelSize}×${modelSize}`);
  }
  const inputSize = modelSize ?? req.inputSize;
  if (!inputSize) throw new StudioError('invalid-argument', `${modelJson} does not state a fixed square input size; pass --input-size`);
  const featureLayer = req.featureLayer ?? null;
  return {
    spec: { kind: 'layers-model', modelJson, featureLayer: req.featureLayer, preprocess: req.preprocess },
    record: {
      key: key('layers-model', weightsHash, featureLayer, inputSize, req.preprocess),
      kind: 'layers-model', name: path.basename(path.dirname(modelJson)) + '/' + path.basename(modelJson), weightsHash, source: modelJson,
      featureLayer, inputSize, preprocess: req.preprocess, preprocessVersion: PREPROCESS_VERSION, randomInit: false,
    },
  };
}

function key(kind: string, weightsHash: string, featureLayer: string | null, inputSize: number, preprocess: string): string {
  return `${kind}:${weightsHash}:${featureLayer ?? 'default'}:${inputSize}:${preprocess}-v${PREPROCESS_VERSION}`;
}

/** The square input size a Keras/TF.js topology declares (batch_input_shape / batch_shape [null, H, W, C]). */
export function inputSizeOf(topology: unknown): number | undefined {
  const stack: unknown[] = [topology];
  while (stack.length) {
    const v = stack.shift();
    if (!v || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    const shape = (o.batch_input_shape ?? o.batch_shape) as unknown;
    if (Array.isArray(shape) && shape.length === 4 && typeof shape[1] === 'number' && shape[1] === shape[2]) return shape[1];
    for (const child of Array.isArray(v) ? v : Object.values(o)) stack.push(child);
  }
  return undefined;
}
