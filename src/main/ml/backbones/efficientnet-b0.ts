import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../../shared/errors.ts';
import { shortWeightName, type KerasLayerWeights } from '../keras-h5.ts';
import { activation, add, bn, BuildOptions, conv, correctPad, depthwise, finish, Init, zeroPad, type T } from './layers.ts';

/**
 * EfficientNetB0 exactly as keras/applications/efficientnet.py builds it
 * (width 1.0, depth 1.0, 224 px, drop-connect 0.2, swish): stem_conv,
 * block1a_…block7a_, top_conv, with squeeze-and-excitation in every block
 * and Dropout(noise_shape=(None,1,1,1)) before each residual add.
 *
 * The input scaling lives inside the model, as in Keras: Rescaling(1/255),
 * then Keras' Normalization layer, and with the ImageNet weights
 * Rescaling(1/sqrt(IMAGENET_STDDEV_RGB)) (the file's "variance" holds the
 * standard deviation). TF.js has no Normalization class and its Rescaling
 * is scalar only, so the two per-channel steps are one frozen 1×1
 * DepthwiseConv2D with bias named 'normalization': x · k + b with
 * k = 1/sqrt(variance · stddev), b = −mean · k, computed from the file's
 * mean / variance by adaptEfficientNetFileLayer. A standard layer (not a
 * BatchNormalization, which TF.js cannot differentiate without gamma and
 * which would switch to batch statistics while training); a fresh
 * (random-init) one is the identity, as Keras' weights=None model is.
 *
 * 4,049,571 parameters in Keras without the top: 4,049,570 here plus the
 * Normalization layer's int64 `count`, which inference never reads.
 */
export const NORMALIZATION_LAYER = 'normalization';

interface BlockArgs { kernel: number; repeats: number; filtersIn: number; filtersOut: number; expand: number; strides: number; se: number }
const BLOCKS: BlockArgs[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expand: 1, strides: 1, se: 0.25 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expand: 6, strides: 2, se: 0.25 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expand: 6, strides: 2, se: 0.25 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expand: 6, strides: 2, se: 0.25 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expand: 6, strides: 1, se: 0.25 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expand: 6, strides: 2, se: 0.25 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expand: 6, strides: 1, se: 0.25 },
];
const DROP_CONNECT = 0.2;

function block(inputs: T, init: Init, dropRate: number, name: string, a: Omit<BlockArgs, 'repeats'>): T {
  const filters = a.filtersIn * a.expand;
  let x = inputs;
  if (a.expand !== 1) {
    x = conv(x, init, { filters, kernel: 1, padding: 'same', useBias: false, name: `${name}expand_conv` });
    x = activation(bn(x, `${name}expand_bn`), 'swish', `${name}expand_activation`);
  }
  let pad: 'same' | 'valid' = 'same';
  if (a.strides === 2) {
    pad = 'valid';
    x = zeroPad(x, correctPad(x, a.kernel), `${name}dwconv_pad`);
  }
  x = depthwise(x, init, { kernel: a.kernel, strides: a.strides, padding: pad, name: `${name}dwconv` });
  x = activation(bn(x, `${name}bn`), 'swish', `${name}activation`);
  if (a.se > 0 && a.se <= 1) {
    const filtersSe = Math.max(1, Math.floor(a.filtersIn * a.se));
    let se = tf.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }).apply(x) as T;
    se = tf.layers.reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` }).apply(se) as T;
    se = conv(se, init, { filters: filtersSe, kernel: 1, padding: 'same', activation: 'swish', name: `${name}se_reduce` });
    se = conv(se, init, { filters, kernel: 1, padding: 'same', activation: 'sigmoid', name: `${name}se_expand` });
    x = tf.layers.multiply({ name: `${name}se_excite` }).apply([x, se]) as T;
  }
  x = conv(x, init, { filters: a.filtersOut, kernel: 1, padding: 'same', useBias: false, name: `${name}project_conv` });
  x = bn(x, `${name}project_bn`);
  if (a.strides === 1 && a.filtersIn === a.filtersOut) {
    // Drop-connect: a whole sample's residual branch at once (only while training).
    if (dropRate > 0) x = tf.layers.dropout({ rate: dropRate, noiseShape: [null, 1, 1, 1] as unknown as number[], name: `${name}drop` }).apply(x) as T;
    x = add(x, inputs, `${name}add`);
  }
  return x;
}

/** Random-init kernel gain (see Init): 3 keeps features ~1e-3…0.2 from 32 to 224 px where 1 gives ~1e-8 (swish and the SE gate halve the signal per block); 4 explodes. */
const GAIN = 3;

export function buildEfficientNetB0(o: BuildOptions): tf.LayersModel {
  const init = new Init(o.seed, GAIN);
  const input = tf.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input_1' });
  let x = tf.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }).apply(input) as T;
  x = tf.layers.depthwiseConv2d({ kernelSize: 1, useBias: true, depthwiseInitializer: 'ones', biasInitializer: 'zeros', trainable: false, name: NORMALIZATION_LAYER }).apply(x) as T;
  x = zeroPad(x, correctPad(x, 3), 'stem_conv_pad');
  x = conv(x, init, { filters: 32, kernel: 3, strides: 2, useBias: false, name: 'stem_conv' });
  x = activation(bn(x, 'stem_bn'), 'swish', 'stem_activation');
  const total = BLOCKS.reduce((s, b) => s + b.repeats, 0);
  let b = 0;
  BLOCKS.forEach((args, i) => {
    for (let j = 0; j < args.repeats; j++) {
      const a = j > 0 ? { ...args, strides: 1, filtersIn: args.filtersOut } : args;
      x = block(x, init, (DROP_CONNECT * b) / total, `block${i + 1}${String.fromCharCode(97 + j)}_`, a);
      b++;
    }
  });
  x = conv(x, init, { filters: 1280, kernel: 1, padding: 'same', useBias: false, name: 'top_conv' });
  x = activation(bn(x, 'top_bn'), 'swish', 'top_activation');
  return finish(x, input, init, o, 'efficientnetb0', { topDropout: 0.2 });
}

/** Fine-tuning blocks: 0 = stem (and the input scaling), 1…7 = block1…block7, 8 = top. */
export function efficientNetB0BlockOf(layer: string): number | null {
  if (/^(rescaling|normalization|stem_)/.test(layer)) return 0;
  const m = /^block(\d)[a-z]_/.exec(layer);
  if (m) return Number(m[1]);
  if (layer.startsWith('top_')) return 8;
  return null;
}

/** Keras: IMAGENET_STDDEV_RGB, the constant of the Rescaling that follows Normalization with the ImageNet weights. */
export const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];

/**
 * The file's Normalization layer (mean, variance, count) as the weights of
 * our 1×1 depthwise conv: Keras computes (x − mean) / max(sqrt(variance),
 * 1e-7) / sqrt(stddev), i.e. x · k + b with k = 1 / (max(sqrt(variance),
 * 1e-7) · sqrt(stddev)) and b = −mean · k. `count` is dropped (unused at inference).
 */
export function adaptEfficientNetFileLayer(l: KerasLayerWeights, where: string): KerasLayerWeights {
  if (l.layerName !== NORMALIZATION_LAYER) return l;
  const by = new Map(l.weights.map((w) => [shortWeightName(w.name), w]));
  const mean = by.get('mean');
  const variance = by.get('variance');
  if (!mean || !variance) {
    throw new StudioError('invalid-argument', `${where}: layer normalization should hold Keras Normalization weights mean, variance, count; it has ${l.weights.map((w) => `${shortWeightName(w.name)} [${w.shape.join(',')}]`).join(', ')}`);
  }
  for (const w of [mean, variance]) {
    if (w.data.length !== 3) throw new StudioError('invalid-argument', `${where}: layer normalization: expected ${shortWeightName(w.name)} [3], file has [${w.shape.join(',')}]`);
  }
  const k = Array.from(variance.data, (v, c) => 1 / (Math.max(Math.sqrt(v), 1e-7) * Math.sqrt(IMAGENET_STDDEV_RGB[c])));
  return {
    layerName: l.layerName,
    weights: [
      { name: `${l.layerName}/depthwise_kernel:0`, shape: [1, 1, 3, 1], data: Float32Array.from(k) },
      { name: `${l.layerName}/bias:0`, shape: [3], data: Float32Array.from(k, (kc, c) => -mean.data[c] * kc) },
    ],
  };
}
