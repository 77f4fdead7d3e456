import * as tf from '@tensorflow/tfjs';

/**
 * Small builders shared by the built-in networks, so every file reads like
 * the Keras source it mirrors. Only standard tf.layers classes are used
 * (Conv2D, DepthwiseConv2D, BatchNormalization, ReLU, Activation, Add,
 * Multiply, ZeroPadding2D, Reshape, Rescaling, GlobalAveragePooling2D): the
 * ONNX exporter converts layers by class name, and an exported model reloads
 * in plain TF.js.
 */
export type T = tf.SymbolicTensor;

export interface BuildOptions {
  inputSize: number;
  includeTop?: boolean;
  /** Only without the top: 'avg' (→ feature vector), 'max', or undefined (4-D output). */
  pooling?: 'avg' | 'max';
  classes?: number;
  /** Seed for random initial weights (deterministic random-init builds). */
  seed?: number;
}

/**
 * Seeded LeCun-uniform kernels (variance 1/fan_in) keep random-init
 * activations of order 1 through deep stacks. tfjs counts a depthwise
 * kernel's fan-in as window × channels; `depthwise(channels)` multiplies the
 * scale back so the variance is 1/window, as for one channel.
 */
export class Init {
  private counter: number;
  /**
   * gain: variance multiplier for every kernel. Networks whose blocks shrink
   * the signal (swish and ReLU6 halve it near zero, squeeze-excitation gates
   * by ~0.5, inference-mode BatchNorm does not re-normalise) need > 1 for
   * random-init features to stay of order 1.
   */
  constructor(private readonly seed?: number, private readonly gain = 1) {
    this.counter = seed ?? 0;
  }

  get seeded(): boolean {
    return this.seed !== undefined;
  }

  kernel(scale = 1): ReturnType<typeof tf.initializers.varianceScaling> | undefined {
    return this.seeded ? tf.initializers.varianceScaling({ scale: scale * this.gain, mode: 'fanIn', distribution: 'uniform', seed: this.counter++ }) : undefined;
  }

  depthwise(channels: number): ReturnType<typeof tf.initializers.varianceScaling> | undefined {
    return this.kernel(channels);
  }
}

export const channelsOf = (x: T): number => x.shape[3] ?? 0;

/** keras.applications.imagenet_utils.correct_pad: the zero padding before a 'valid' strided conv. */
export function correctPad(x: T, kernel: number): [[number, number], [number, number]] {
  const [h, w] = [x.shape[1], x.shape[2]];
  const adjust = [h == null ? 1 : 1 - (h % 2), w == null ? 1 : 1 - (w % 2)];
  const c = Math.floor(kernel / 2);
  return [[c - adjust[0], c], [c - adjust[1], c]];
}

export function zeroPad(x: T, padding: [[number, number], [number, number]], name: string): T {
  return tf.layers.zeroPadding2d({ padding, name }).apply(x) as T;
}

export function conv(x: T, init: Init, o: { filters: number; kernel: number; strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; activation?: 'swish' | 'sigmoid'; name: string }): T {
  return tf.layers.conv2d({
    filters: o.filters, kernelSize: o.kernel, strides: o.strides ?? 1, padding: o.padding ?? 'valid', useBias: o.useBias ?? true,
    activation: o.activation, name: o.name, kernelInitializer: init.kernel(),
  }).apply(x) as T;
}

export function depthwise(x: T, init: Init, o: { kernel: number; strides?: number; padding: 'same' | 'valid'; name: string }): T {
  return tf.layers.depthwiseConv2d({
    kernelSize: o.kernel, strides: o.strides ?? 1, padding: o.padding, useBias: false, name: o.name,
    depthwiseInitializer: init.depthwise(channelsOf(x)),
  }).apply(x) as T;
}

export function bn(x: T, name: string, o: { epsilon?: number; momentum?: number } = {}): T {
  return tf.layers.batchNormalization({ axis: -1, epsilon: o.epsilon ?? 1e-3, momentum: o.momentum ?? 0.99, name }).apply(x) as T;
}

export const relu6 = (x: T, name: string): T => tf.layers.reLU({ maxValue: 6, name }).apply(x) as T;
export const activation = (x: T, fn: 'relu' | 'swish' | 'sigmoid', name: string): T => tf.layers.activation({ activation: fn, name }).apply(x) as T;
export const add = (a: T, b: T, name: string): T => tf.layers.add({ name }).apply([a, b]) as T;

/** The classifier end Keras puts on when include_top / pooling are given. */
export function finish(x: T, input: T, init: Init, o: BuildOptions, name: string, names: { avg?: string; max?: string; topDropout?: number } = {}): tf.LayersModel {
  if (o.includeTop && o.pooling) throw new Error(`${name}: pooling applies only without the top`);
  const avg = (): T => tf.layers.globalAveragePooling2d({ name: names.avg ?? 'avg_pool' }).apply(x) as T;
  if (o.includeTop) {
    x = avg();
    if (names.topDropout) x = tf.layers.dropout({ rate: names.topDropout, name: 'top_dropout' }).apply(x) as T;
    x = tf.layers.dense({ units: o.classes ?? 1000, activation: 'softmax', name: 'predictions', kernelInitializer: init.kernel() }).apply(x) as T;
  } else if (o.pooling === 'avg') {
    x = avg();
  } else if (o.pooling === 'max') {
    x = tf.layers.globalMaxPooling2d({ name: names.max ?? 'max_pool' }).apply(x) as T;
  }
  return tf.model({ inputs: input, outputs: x, name });
}
