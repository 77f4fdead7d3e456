import * as tf from '@tensorflow/tfjs';
import { fieldError, StudioError } from '../../shared/errors.ts';
import { BUILTIN_FACTS } from '../../shared/backbone-catalog.ts';

/**
 * Xception V1 in tf.layers, exactly as keras/applications/xception.py builds
 * it: the same layers, in the same order, with the same names; use_bias=False
 * on every convolution; BatchNormalization epsilon 1e-3; block1's two convs
 * 'valid', everything else 'same' (TF padding); max-pool 3×3 stride 2 'same'.
 *
 * Keras leaves the four residual 1×1 convolutions and their BatchNorms
 * unnamed, so its files carry generated names. We name them the way Keras 2
 * generated them in the official weights file (conv2d_1…conv2d_4,
 * batch_normalization_1…4, add_1…add_12), so names are stable across runs;
 * the weights loader matches such generated names by order, not by text.
 *
 * 22,910,480 parameters with the ImageNet top, 20,861,480 without.
 */
export interface XceptionOptions {
  inputSize?: number;
  includeTop?: boolean;
  /** Only without the top: 'avg' (→ 2048-d feature), 'max', or undefined (4-D output). */
  pooling?: 'avg' | 'max';
  classes?: number;
  /** Seed for the random initial weights (deterministic builds). */
  seed?: number;
}

export const XCEPTION_DEFAULT_INPUT = BUILTIN_FACTS.xception.defaultInput;
export const XCEPTION_MIN_INPUT = BUILTIN_FACTS.xception.minInput;

/** Layer names that Keras generates for the unnamed residual layers. */
export const GENERATED_NAME = /^(conv2d|batch_normalization|separable_conv2d|depthwise_conv2d|dense|add|activation|max_pooling2d|global_average_pooling2d|global_max_pooling2d|flatten|dropout)(_\d+)?$/;

export function buildXception(opts: XceptionOptions = {}): tf.LayersModel {
  const inputSize = opts.inputSize ?? XCEPTION_DEFAULT_INPUT;
  const includeTop = opts.includeTop ?? false;
  const classes = opts.classes ?? 1000;
  if (!Number.isInteger(inputSize) || inputSize < XCEPTION_MIN_INPUT) {
    throw fieldError('invalid-argument', 'inputSize', `expected an integer of at least ${XCEPTION_MIN_INPUT} for Xception, got ${inputSize}`);
  }
  if (includeTop && opts.pooling) throw new StudioError('invalid-argument', 'Xception: pooling applies only without the top (includeTop=false)');

  let seedCounter = opts.seed ?? 0;
  const seeded = opts.seed !== undefined;
  // Seeded builds (random-init backbones) use LeCun-uniform kernels: variance
  // 1/fan_in keeps activations of order 1 through the 14 blocks, where Glorot
  // shrinks them to ~1e-5 (depthwise kernels have a tiny fan-out).
  // tfjs counts a depthwise kernel's fan-in as window × channels, so its scale
  // is multiplied back by the channels (variance 1/9). tfjs 4.22's
  // SeparableConv2D also initialises the pointwise kernel with the depthwise
  // initializer (a bug), so seeded builds re-initialise those afterwards.
  const kernelInit = (scale = 1): ReturnType<typeof tf.initializers.varianceScaling> | undefined =>
    seeded ? tf.initializers.varianceScaling({ scale, mode: 'fanIn', distribution: 'uniform', seed: seedCounter++ }) : undefined;
  const nextGeneratedIndex: Record<string, number> = {};
  const gen = (base: string): string => {
    nextGeneratedIndex[base] = (nextGeneratedIndex[base] ?? 0) + 1;
    return `${base}_${nextGeneratedIndex[base]}`;
  };

  const conv = (x: tf.SymbolicTensor, filters: number, kernel: number, o: { strides?: number; padding?: 'same' | 'valid'; name: string }): tf.SymbolicTensor =>
    tf.layers.conv2d({ filters, kernelSize: kernel, strides: o.strides ?? 1, padding: o.padding ?? 'valid', useBias: false, name: o.name, kernelInitializer: kernelInit() }).apply(x) as tf.SymbolicTensor;
  const sep = (x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor =>
    tf.layers.separableConv2d({
      filters, kernelSize: 3, padding: 'same', useBias: false, name,
      depthwiseInitializer: kernelInit(x.shape[3] ?? 1),
    }).apply(x) as tf.SymbolicTensor;
  const bn = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.99, name }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
  const pool = (x: tf.SymbolicTensor, name: string): tf.SymbolicTensor =>
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name }).apply(x) as tf.SymbolicTensor;
  const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor =>
    tf.layers.add({ name: gen('add') }).apply([a, b]) as tf.SymbolicTensor;
  const residualOf = (x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor =>
    bn(conv(x, filters, 1, { strides: 2, padding: 'same', name: gen('conv2d') }), gen('batch_normalization'));

  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' });

  // Entry flow.
  let x = conv(input, 32, 3, { strides: 2, name: 'block1_conv1' });
  x = relu(bn(x, 'block1_conv1_bn'), 'block1_conv1_act');
  x = conv(x, 64, 3, { name: 'block1_conv2' });
  x = relu(bn(x, 'block1_conv2_bn'), 'block1_conv2_act');

  let residual = residualOf(x, 128);
  x = bn(sep(x, 128, 'block2_sepconv1'), 'block2_sepconv1_bn');
  x = relu(x, 'block2_sepconv2_act');
  x = bn(sep(x, 128, 'block2_sepconv2'), 'block2_sepconv2_bn');
  x = pool(x, 'block2_pool');
  x = add(x, residual);

  for (const [block, filters] of [[3, 256], [4, 728]] as const) {
    residual = residualOf(x, filters);
    x = relu(x, `block${block}_sepconv1_act`);
    x = bn(sep(x, filters, `block${block}_sepconv1`), `block${block}_sepconv1_bn`);
    x = relu(x, `block${block}_sepconv2_act`);
    x = bn(sep(x, filters, `block${block}_sepconv2`), `block${block}_sepconv2_bn`);
    x = pool(x, `block${block}_pool`);
    x = add(x, residual);
  }

  // Middle flow: eight identical blocks with identity shortcuts.
  for (let i = 0; i < 8; i++) {
    const prefix = `block${i + 5}`;
    residual = x;
    for (const j of [1, 2, 3]) {
      x = relu(x, `${prefix}_sepconv${j}_act`);
      x = bn(sep(x, 728, `${prefix}_sepconv${j}`), `${prefix}_sepconv${j}_bn`);
    }
    x = add(x, residual);
  }

  // Exit flow.
  residual = residualOf(x, 1024);
  x = relu(x, 'block13_sepconv1_act');
  x = bn(sep(x, 728, 'block13_sepconv1'), 'block13_sepconv1_bn');
  x = relu(x, 'block13_sepconv2_act');
  x = bn(sep(x, 1024, 'block13_sepconv2'), 'block13_sepconv2_bn');
  x = pool(x, 'block13_pool');
  x = add(x, residual);

  x = relu(bn(sep(x, 1536, 'block14_sepconv1'), 'block14_sepconv1_bn'), 'block14_sepconv1_act');
  x = relu(bn(sep(x, 2048, 'block14_sepconv2'), 'block14_sepconv2_bn'), 'block14_sepconv2_act');

  if (includeTop) {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: classes, activation: 'softmax', name: 'predictions', kernelInitializer: kernelInit() }).apply(x) as tf.SymbolicTensor;
  } else if (opts.pooling === 'avg') {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  } else if (opts.pooling === 'max') {
    x = tf.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as tf.SymbolicTensor;
  }
  const model = tf.model({ inputs: input, outputs: x, name: 'xception' });
  if (seeded) {
    for (const layer of model.layers) {
      if (layer.getClassName() !== 'SeparableConv2D') continue;
      const [dw, pw] = layer.getWeights();
      const fresh = tf.initializers.varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: seedCounter++ }).apply(pw.shape);
      layer.setWeights([dw, fresh]);
      fresh.dispose();
    }
  }
  return model;
}
