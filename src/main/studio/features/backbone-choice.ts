import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fieldError, StudioError } from '../../../shared/errors.ts';
import type { BackboneSpec } from '../../ml/backbone.ts';
import { shardFiles } from '../../common/model-shards.ts';
import type { BuiltinBackboneInfo, ExtractionConfig } from '../../../shared/api.ts';
import { BUILTIN_FACTS, BUILTIN_NAMES, isBuiltinName } from '../../../shared/backbone-catalog.ts';
import { PREPROCESS_VERSION } from '../../../shared/preprocess-modes.ts';
import { inferenceEngine, type InferenceEngineKind } from '../../common/engine-choice.ts';
import { fileDigest, findOfficialWeights } from '../weights/weights-cache.ts';
import { knownByFileName, knownByMd5 } from '../weights/known-weights.ts';
import type { BackboneRecord } from '../db/feature-store.ts';

/**
 * What the user asked for: the contract's extraction config without its
 * how-fast fields (backbone defaults to xception). Every error below names the
 * field at fault, in the contract's words; each door says it in its own
 * (the CLI as the flag that filled it).
 */
export type BackboneChoice = Partial<Pick<ExtractionConfig, 'backbone' | 'weightsFile' | 'modelJson' | 'preprocess' | 'featureLayer' | 'randomInit' | 'inputSize'>>;

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
export async function resolveBackbone(req: BackboneChoice, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBackbone> {
  // Features from ONNX Runtime and TF.js agree to ~1e-6 but are not bit-equal:
  // the engine is part of the key, so a cache never silently mixes the two.
  const engine = inferenceEngine(env).engine;
  const r = await resolveUntagged(req, env);
  return { ...r, engine, record: { ...r.record, key: `${r.record.key}:engine=${engine}` } };
}

async function resolveUntagged(req: BackboneChoice, env: NodeJS.ProcessEnv): Promise<Omit<ResolvedBackbone, 'engine'>> {
  const name = req.backbone ?? 'xception';
  if (name === 'layers-model') return resolveLayersModel(req);
  if (!isBuiltinName(name)) throw fieldError('invalid-argument', 'backbone', `expected one of ${BUILTIN_NAMES.join(', ')} or layers-model (a TF.js layers model of your own), got "${String(name)}"`);
  const net = BUILTIN_FACTS[name];
  if (req.modelJson) throw fieldError('invalid-argument', 'modelJson', `a model.json is the backbone itself: it goes with backbone layers-model, not ${name}`);
  if (req.featureLayer) throw fieldError('invalid-argument', 'featureLayer', `applies to a TF.js layers model only (${net.displayName} gives its ${net.featureDim}-d average-pooled feature)`);
  if (req.preprocess && req.preprocess !== net.preprocess) throw fieldError('invalid-argument', 'preprocess', `${net.displayName} uses preprocessing "${net.preprocess}"; "${req.preprocess}" can be chosen for a TF.js layers model only`);
  const inputSize = req.inputSize ?? net.defaultInput;
  if (!Number.isInteger(inputSize) || inputSize < net.minInput) throw fieldError('invalid-argument', 'inputSize', `expected an integer of at least ${net.minInput} for ${net.displayName}, got ${inputSize}`);
  const common = { kind: name, featureLayer: null, inputSize, preprocess: net.preprocess, preprocessVersion: PREPROCESS_VERSION };

  if (req.randomInit) {
    if (req.weightsFile) throw fieldError('invalid-argument', 'weightsFile', 'a weights file and random init exclude each other: give one');
    const weightsHash = `random-init:${RANDOM_INIT_SEED}`;
    return {
      spec: { kind: name, randomInit: true, inputSize, seed: RANDOM_INIT_SEED },
      record: { ...common, key: key(name, weightsHash, null, inputSize, net.preprocess), name: `${net.displayName} (random init)`, weightsHash, source: null, randomInit: true },
    };
  }
  let weightsFile = req.weightsFile;
  if (!weightsFile) {
    // The file with the top works too (the network is cut at its pooling); the notop one is preferred.
    const found = (await findOfficialWeights(false, env, name)) ?? (await findOfficialWeights(true, env, name));
    if (!found) {
      throw new StudioError(
        'not-found',
        `no ${net.displayName} weights: the official file ${net.weights.notop.fileName} is not in the studio's weights cache. Download or import it (the Training view's weights card, or \`xstudio weights\`), give a weights file, or choose random init for a demo backbone`,
      );
    }
    weightsFile = found.file;
  }
  weightsFile = path.resolve(weightsFile);
  if (!fs.existsSync(weightsFile)) throw fieldError('not-found', 'weightsFile', `${weightsFile} does not exist`);
  const weightsHash = await fileDigest(weightsFile, 'sha256');
  const known = knownByMd5(await fileDigest(weightsFile, 'md5')) ?? knownByFileName(path.basename(weightsFile));
  const official = known && known.backbone === name;
  const label = official ? `${net.displayName} (ImageNet, official Keras weights)` : `${net.displayName} (${path.basename(weightsFile)})`;
  return {
    spec: { kind: name, weightsFile, inputSize },
    record: { ...common, key: key(name, weightsHash, null, inputSize, net.preprocess), name: label, weightsHash, source: weightsFile, randomInit: false },
  };
}

/** The built-in backbones as the contract lists them (UI pickers, `xstudio backbones`). */
export function builtinBackboneInfos(): BuiltinBackboneInfo[] {
  return BUILTIN_NAMES.map((n) => {
    const b = BUILTIN_FACTS[n];
    return {
      name: n, displayName: b.displayName, inputSize: b.defaultInput, minInputSize: b.minInput, featureDim: b.featureDim,
      preprocess: b.preprocess, params: b.kerasParamsNoTop, imagenetTop1: b.imagenetTop1, blocks: b.blocks,
    };
  });
}

async function resolveLayersModel(req: BackboneChoice): Promise<Omit<ResolvedBackbone, 'engine'>> {
  if (req.weightsFile) throw fieldError('invalid-argument', 'weightsFile', 'applies to the built-in backbones only: a TF.js layers model carries its own weights');
  if (req.randomInit) throw fieldError('invalid-argument', 'randomInit', 'applies to the built-in backbones only: a TF.js layers model carries its own weights');
  if (!req.modelJson) throw fieldError('invalid-argument', 'modelJson', 'is required with backbone layers-model');
  const modelJson = path.resolve(req.modelJson);
  if (!req.preprocess) throw fieldError('invalid-argument', 'preprocess', `say how the inputs of ${modelJson} are scaled: tf, torch, caffe, unit or raw`);
  let topology: { modelTopology?: unknown; weightsManifest?: { paths: string[] }[] };
  let text: string;
  try {
    text = fs.readFileSync(modelJson, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fieldError('not-found', 'modelJson', code === 'ENOENT' ? `${modelJson} does not exist` : `cannot read ${modelJson} (${code ?? (e as Error).message})`);
  }
  try {
    topology = JSON.parse(text);
  } catch (e) {
    throw fieldError('invalid-argument', 'modelJson', `${modelJson} is not a JSON file (${(e as Error).message}); a TF.js layers model is given by its model.json`);
  }
  // Identity = model.json plus every weight shard, byte for byte.
  const hash = crypto.createHash('sha256').update(fs.readFileSync(modelJson));
  // Checked before any shard is read: a path leaving the model's folder is refused (issue 9).
  for (const shard of shardFiles(modelJson, topology.weightsManifest)) {
    if (!fs.existsSync(shard)) throw fieldError('not-found', 'modelJson', `${modelJson}: weight shard ${shard} is missing`);
    hash.update(fs.readFileSync(shard));
  }
  const weightsHash = hash.digest('hex');
  const modelSize = inputSizeOf(topology.modelTopology);
  if (req.inputSize !== undefined && modelSize !== undefined && req.inputSize !== modelSize) {
    throw fieldError('invalid-argument', 'inputSize', `${req.inputSize} does not match ${modelJson}, whose input is ${modelSize}×${modelSize}`);
  }
  const inputSize = modelSize ?? req.inputSize;
  if (!inputSize) throw fieldError('invalid-argument', 'inputSize', `${modelJson} does not state a fixed square input size: give one`);
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
