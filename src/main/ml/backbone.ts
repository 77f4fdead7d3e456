import * as tf from '@tensorflow/tfjs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { fieldError, StudioError } from '../../shared/errors.ts';
import { loadKerasWeightsInto, readKerasWeights } from './keras-h5.ts';
import { fusedPredictor, type FusedPredictor } from './fused-inference.ts';
import { loadLayersModelFromDisk } from './layers-model-loader.ts';
import { evenSubBatches, subBatchFor } from './memory-bound.ts';
import { applyPreprocess, PREPROCESS_VERSION, type PreprocessMode } from './preprocess.ts';
import { BUILTIN_BACKBONES, isBuiltinName, type BuiltinName } from './backbones/index.ts';

/**
 * One interface over the network that turns an image into a feature vector:
 * a built-in Keras application (Xception, MobileNetV2, ResNet50,
 * EfficientNetB0; Keras weights or random init) or any TF.js layers model.
 */
export type BackboneSpec =
  | {
      /** The built-in network (backbones/index.ts). */
      kind: BuiltinName;
      /** Keras HDF5 weights (notop, or with top: the top is then cut at avg_pool). */
      weightsFile?: string;
      /** Build without pretrained weights (tests and demos only; marked as such). */
      randomInit?: boolean;
      /** Seed of the random init (default 0). */
      seed?: number;
      inputSize?: number;
    }
  | {
      kind: 'layers-model';
      modelJson: string;
      /** Layer whose output is the feature; default: the last global pooling or flatten layer. */
      featureLayer?: string;
      preprocess: PreprocessMode;
      /** Only when the model's input size is not fixed. */
      inputSize?: number;
    };

export interface Backbone {
  /**
   * Stable identity: '<builtin name>:sha256:<hash of weights file>',
   * '<builtin name>:random-init:seed=<n>', or
   * 'layers-model:sha256:<hash of model.json + shards>:layer=<feature layer>'.
   * Input size and preprocessing version are separate fields (cache keys combine them).
   */
  id: string;
  kind: BackboneSpec['kind'];
  inputSize: number;
  featureDim: number;
  preprocess: PreprocessMode;
  preprocessVersion: number;
  randomInit: boolean;
  /** Name of the layer whose output is the feature. */
  featureLayer: string;
  /** Input (preprocessed, NHWC) → feature. Used for fine-tuning and export. */
  model: tf.LayersModel;
  /**
   * Features for n images, NHWC back to back, ALREADY PREPROCESSED
   * (applyPreprocess(backbone.preprocess, decodeImage(...)) — the extraction
   * pipeline preprocesses while decoding). Returns n × featureDim.
   * `predictPixels` takes raw 0..255 pixels instead.
   */
  predict(batch: Float32Array, n: number): Float32Array;
  /** Same, from raw RGB 0..255 pixels (decodeImage output); applies the backbone's preprocessing. */
  predictPixels(pixels: Float32Array, n: number): Float32Array;
  dispose(): void;
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function makePredict(model: tf.LayersModel, inputSize: number, featureDim: number, mode: PreprocessMode): Pick<Backbone, 'predict' | 'predictPixels'> & { release(): void } {
  // Frozen inference runs the fused graph (BatchNorm folded, ReLU/ReLU6 inside
  // the convolutions: fused-inference.ts), built on first use; fine-tuning
  // trains `model` itself and never goes through here. XSTUDIO_TFJS_FUSE=0
  // keeps model.predict (bench/ compares the two).
  let fused: FusedPredictor | null | undefined;
  const predict = (x: Float32Array, n: number): Float32Array => {
    const per = inputSize * inputSize * 3;
    if (x.length !== n * per) {
      throw new StudioError('invalid-argument', `predict: expected ${n} × ${inputSize}×${inputSize}×3 = ${n * per} values, got ${x.length}`);
    }
    // Sub-batches under the activation budget (memory-bound.ts): batch 32 at 299 held 2.4 GB at once.
    if (n <= subBatch) return forward(x, n);
    const out = new Float32Array(n * featureDim);
    let s = 0;
    for (const m of evenSubBatches(n, subBatch)) {
      out.set(forward(x.subarray(s * per, (s + m) * per), m), s * featureDim);
      s += m;
    }
    return out;
  };
  const subBatch = subBatchFor(model);
  const forward = (x: Float32Array, n: number): Float32Array => {
    // Built outside the tidy below, which would release its folded weights.
    if (fused === undefined) fused = process.env.XSTUDIO_TFJS_FUSE === '0' ? null : fusedPredictor(model);
    return tf.tidy(() => {
      const input = tf.tensor4d(x, [n, inputSize, inputSize, 3]);
      const out = fused ? fused.predict(input) : (model.predict(input) as tf.Tensor);
      // Copy out of the backend's memory before the tensors are released.
      return Float32Array.from(out.reshape([n, featureDim]).dataSync() as Float32Array);
    });
  };
  return { predict, predictPixels: (pixels, n) => predict(applyPreprocess(mode, pixels), n), release: () => fused?.dispose() };
}

async function loadBuiltin(spec: Extract<BackboneSpec, { kind: BuiltinName }>): Promise<Backbone> {
  const net = BUILTIN_BACKBONES[spec.kind];
  const inputSize = spec.inputSize ?? net.defaultInput;
  if (!Number.isInteger(inputSize) || inputSize < net.minInput) {
    throw fieldError('invalid-argument', 'inputSize', `expected an integer of at least ${net.minInput} for ${net.displayName}, got ${inputSize}`);
  }
  if (!spec.weightsFile && !spec.randomInit) {
    throw fieldError('invalid-argument', 'weightsFile', `${net.displayName} needs a weights file (download or import its official one) or random init`);
  }
  if (spec.weightsFile && spec.randomInit) throw fieldError('invalid-argument', 'weightsFile', 'a weights file and random init exclude each other: give one');
  let model: tf.LayersModel;
  let owner: tf.LayersModel;
  let id: string;
  if (spec.weightsFile) {
    const wf = await readKerasWeights(spec.weightsFile);
    const top = wf.layers.find((l) => l.layerName === 'predictions' && l.weights.length > 0);
    const full = top ? net.build({ inputSize, includeTop: true, classes: top.weights[0].shape[1] }) : net.build({ inputSize, pooling: 'avg' });
    owner = full;
    try {
      await loadKerasWeightsInto(full, wf, { adaptFileLayer: net.adaptFileLayer });
    } catch (e) {
      full.dispose();
      throw e;
    }
    // The file with the top works too: the network is cut at its average pooling.
    model = top ? tf.model({ inputs: full.inputs, outputs: full.getLayer(net.featureLayer).output as tf.SymbolicTensor, name: `${net.name}_features` }) : full;
    id = `${net.name}:sha256:${sha256File(spec.weightsFile)}`;
  } else {
    const seed = spec.seed ?? 0;
    model = net.build({ inputSize, pooling: 'avg', seed });
    owner = model;
    id = `${net.name}:random-init:seed=${seed}`;
  }
  const { release, ...predicts } = makePredict(model, inputSize, net.featureDim, net.preprocess);
  return {
    id, kind: net.name, inputSize, featureDim: net.featureDim, preprocess: net.preprocess, preprocessVersion: PREPROCESS_VERSION,
    randomInit: !spec.weightsFile, featureLayer: net.featureLayer, model,
    ...predicts,
    dispose: () => {
      release();
      owner.dispose();
    },
  };
}

/** The last global pooling or flatten layer: the usual "bottleneck" of a classifier. */
export function defaultFeatureLayer(model: tf.LayersModel): tf.layers.Layer | undefined {
  const pooling = /^(GlobalAveragePooling[12]D|GlobalMaxPooling[12]D|Flatten)$/;
  return [...model.layers].reverse().find((l) => pooling.test(l.getClassName()));
}

async function loadLayersBackbone(spec: Extract<BackboneSpec, { kind: 'layers-model' }>): Promise<Backbone> {
  const loaded = await loadLayersModelFromDisk(spec.modelJson);
  const full = loaded.model;
  let layer: tf.layers.Layer | undefined;
  if (spec.featureLayer) {
    try {
      layer = full.getLayer(spec.featureLayer);
    } catch {
      layer = undefined;
    }
    if (!layer) {
      full.dispose();
      throw fieldError('invalid-argument', 'featureLayer', `no layer "${spec.featureLayer}" in ${spec.modelJson} (its last layers: ${full.layers.slice(-8).map((l) => l.name).join(', ')})`);
    }
  } else {
    layer = defaultFeatureLayer(full);
    if (!layer) {
      full.dispose();
      throw fieldError('invalid-argument', 'featureLayer', `${spec.modelJson} has no global pooling or flatten layer to take features from: name the layer to take them from`);
    }
  }
  const inShape = full.inputs[0].shape;
  if (full.inputs.length !== 1 || inShape.length !== 4 || inShape[3] !== 3) {
    full.dispose();
    throw new StudioError('invalid-argument', `${spec.modelJson}: a backbone needs one image input [batch, H, W, 3], the model has ${full.inputs.map((i) => `[${i.shape.join(',')}]`).join(', ')}`);
  }
  const [h, w] = [inShape[1], inShape[2]];
  let inputSize: number;
  if (h != null && w != null) {
    if (h !== w) {
      full.dispose();
      throw new StudioError('invalid-argument', `${spec.modelJson}: input ${h}×${w} is not square; only square inputs are supported`);
    }
    if (spec.inputSize !== undefined && spec.inputSize !== h) {
      full.dispose();
      throw fieldError('invalid-argument', 'inputSize', `${spec.inputSize} does not match the model's input size ${h} (${spec.modelJson})`);
    }
    inputSize = h;
  } else if (spec.inputSize !== undefined) {
    inputSize = spec.inputSize;
  } else {
    full.dispose();
    throw fieldError('invalid-argument', 'inputSize', `${spec.modelJson}: the input size is not fixed in the model: give one`);
  }
  const output = layer.output as tf.SymbolicTensor;
  const featureDim = output.shape.slice(1).reduce<number>((a, b) => a * (b ?? NaN), 1);
  if (!Number.isFinite(featureDim)) {
    full.dispose();
    throw new StudioError('invalid-argument', `feature layer ${layer.name} has output shape [${output.shape.join(',')}] with unknown dimensions`);
  }
  const model = output === full.outputs[0] ? full : tf.model({ inputs: full.inputs, outputs: output, name: `${full.name}_features` });
  const featureLayer = layer.name;
  const { release, ...predicts } = makePredict(model, inputSize, featureDim, spec.preprocess);
  return {
    id: `layers-model:sha256:${loaded.contentHash}:layer=${featureLayer}`,
    kind: 'layers-model', inputSize, featureDim, preprocess: spec.preprocess, preprocessVersion: PREPROCESS_VERSION,
    randomInit: false, featureLayer, model,
    ...predicts,
    dispose: () => {
      release();
      full.dispose();
    },
  };
}

export async function loadBackbone(spec: BackboneSpec): Promise<Backbone> {
  if (spec.kind === 'layers-model') return loadLayersBackbone(spec);
  if (isBuiltinName(spec.kind)) return loadBuiltin(spec);
  throw new StudioError('invalid-argument', `unknown backbone kind ${(spec as { kind: string }).kind}`);
}
