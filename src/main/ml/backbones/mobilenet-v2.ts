import * as tf from '@tensorflow/tfjs';
import { add, bn, BuildOptions, channelsOf, conv, correctPad, depthwise, finish, Init, relu6, zeroPad, type T } from './layers.ts';

/**
 * MobileNetV2, alpha 1.0, exactly as keras/applications/mobilenet_v2.py
 * builds it: layer names (Conv1, bn_Conv1, expanded_conv_*, block_N_*,
 * Conv_1, out_relu), no conv biases, BatchNorm epsilon 1e-3 momentum 0.999,
 * ReLU(6), 'same' stride-1 depthwise convs and a correct_pad ZeroPadding2D
 * before each 'valid' stride-2 one. Keras leaves the pooling layer unnamed:
 * it is `global_average_pooling2d` in a fresh session.
 * 2,257,984 parameters without the top, 3,538,984 with it.
 */
const BN = { epsilon: 1e-3, momentum: 0.999 };

/** [filters, stride, expansion] of blocks 0…16. */
const BLOCKS: [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

/** Keras' _make_divisible: round to a multiple of 8, never more than 10 % down. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (n < 0.9 * v) n += divisor;
  return n;
}

function invertedResBlock(inputs: T, init: Init, filters: number, stride: number, expansion: number, blockId: number): T {
  const inChannels = channelsOf(inputs);
  const pointwise = makeDivisible(filters);
  let x = inputs;
  let prefix = `block_${blockId}_`;
  if (blockId) {
    x = conv(x, init, { filters: expansion * inChannels, kernel: 1, padding: 'same', useBias: false, name: `${prefix}expand` });
    x = bn(x, `${prefix}expand_BN`, BN);
    x = relu6(x, `${prefix}expand_relu`);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = zeroPad(x, correctPad(x, 3), `${prefix}pad`);
  x = depthwise(x, init, { kernel: 3, strides: stride, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` });
  x = bn(x, `${prefix}depthwise_BN`, BN);
  x = relu6(x, `${prefix}depthwise_relu`);
  x = conv(x, init, { filters: pointwise, kernel: 1, padding: 'same', useBias: false, name: `${prefix}project` });
  x = bn(x, `${prefix}project_BN`, BN);
  if (inChannels === pointwise && stride === 1) return add(inputs, x, `${prefix}add`);
  return x;
}

/** Random-init kernel gain: He (2) for the ReLU6 blocks, measured to give features of order 1 from 32 to 224 px. */
const GAIN = 2;

export function buildMobileNetV2(o: BuildOptions): tf.LayersModel {
  const init = new Init(o.seed, GAIN);
  const input = tf.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input_1' });
  let x = conv(input, init, { filters: makeDivisible(32), kernel: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' });
  x = bn(x, 'bn_Conv1', BN);
  x = relu6(x, 'Conv1_relu');
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, init, filters, stride, expansion, id);
  });
  x = conv(x, init, { filters: 1280, kernel: 1, useBias: false, name: 'Conv_1' });
  x = bn(x, 'Conv_1_bn', BN);
  x = relu6(x, 'out_relu');
  return finish(x, input, init, o, 'mobilenetv2_1.00', { avg: 'global_average_pooling2d', max: 'global_max_pooling2d' });
}

/** Fine-tuning blocks: 0 = stem and expanded_conv, N = block_N, 17 = Conv_1 and out_relu. */
export function mobileNetV2BlockOf(layer: string): number | null {
  if (/^(Conv1|bn_Conv1|Conv1_relu|expanded_conv_)/.test(layer)) return 0;
  const m = /^block_(\d+)_/.exec(layer);
  if (m) return Number(m[1]);
  if (/^(Conv_1|Conv_1_bn|out_relu)$/.test(layer)) return 17;
  return null;
}
