import * as tf from '@tensorflow/tfjs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../shared/errors.ts';
import { shardFiles } from '../common/model-shards.ts';

/**
 * Loads a TF.js layers model (model.json + binary weight shards) from disk,
 * without tfjs-node's file:// handler. Quantized weights (uint8 / uint16 /
 * float16 in the manifest) are dequantized by tfjs' own decoder.
 */
export interface LoadedLayersModel {
  model: tf.LayersModel;
  /** sha256 over model.json and every shard, in manifest order. */
  contentHash: string;
  /** Shard files read, absolute paths. */
  files: string[];
  /** True when any weight group is quantized. */
  quantized: boolean;
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  trainingConfig?: unknown;
  userDefinedMetadata?: { [key: string]: object };
}

function readModelJson(file: string): { json: ModelJson; raw: Buffer } {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(code === 'ENOENT' ? 'not-found' : 'invalid-argument', `model file ${file}: ${code === 'ENOENT' ? 'not found' : (e as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(raw.toString('utf8')) as ModelJson;
  } catch (e) {
    throw new StudioError('invalid-argument', `model file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new StudioError('invalid-argument', `model file ${file} is not a TF.js layers model: no "modelTopology" (a graph model from the converter cannot be a backbone; convert with --output_format=tfjs_layers_model)`);
  }
  if (json.format && json.format !== 'layers-model') {
    throw new StudioError('invalid-argument', `model file ${file} has format "${json.format}"; a TF.js layers model ("layers-model") is expected`);
  }
  return { json, raw };
}

/** The layers a topology declares (Sequential or functional, bare or under model_config), or undefined when it names none. */
function topologyLayers(topology: unknown): unknown[] | undefined {
  const t = topology as { model_config?: unknown; config?: { layers?: unknown } | unknown[] } | null;
  const model = (t?.model_config ?? t) as { config?: { layers?: unknown } | unknown[] } | null;
  const config = model?.config;
  if (Array.isArray(config)) return config; // old Sequential: config is the layer list
  return Array.isArray(config?.layers) ? config.layers : undefined;
}

export async function loadLayersModelFromDisk(modelJsonFile: string): Promise<LoadedLayersModel> {
  const file = path.resolve(modelJsonFile);
  const { json, raw } = readModelJson(file);
  const dir = path.dirname(file);
  const layers = topologyLayers(json.modelTopology);
  if (!layers || layers.length === 0) {
    throw new StudioError('invalid-argument', `model file ${file} has no layers: its modelTopology ${layers ? 'lists an empty "layers"' : 'has no "config.layers" list'}; a layers model with at least one layer is expected`);
  }
  const shards = shardFiles(file, json.weightsManifest);
  const hash = crypto.createHash('sha256').update(raw);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  const files: string[] = [];
  let k = 0;
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const shard = shards[k++];
      let data: Buffer;
      try {
        data = fs.readFileSync(shard);
      } catch {
        throw new StudioError('not-found', `model ${file}: weight shard ${p} not found (looked in ${dir})`);
      }
      hash.update(data);
      buffers.push(data);
      files.push(shard);
    }
    specs.push(...group.weights);
  }
  const weightData = Buffer.concat(buffers);
  const expected = specs.reduce((n, s) => n + byteSize(s), 0);
  if (expected !== weightData.length) {
    throw new StudioError('invalid-argument', `model ${file}: the manifest describes ${expected} bytes of weights, the shards hold ${weightData.length}`);
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    userDefinedMetadata: json.userDefinedMetadata,
  };
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new StudioError('invalid-argument', `model ${file} could not be built by TF.js layers: ${(e as Error).message}`);
  }
  return { model, contentHash: hash.digest('hex'), files, quantized: specs.some((s) => s.quantization !== undefined) };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  return n * (DTYPE_BYTES[dtype] ?? 4);
}
