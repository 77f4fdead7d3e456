import * as tf from '@tensorflow/tfjs';
import { activation, add, bn, BuildOptions, conv, finish, Init, zeroPad, type T } from './layers.ts';

/**
 * ResNet50 (v1) exactly as keras/applications/resnet.py builds it (Keras
 * 2.2.5+ names: conv1_conv, conv2_block1_0_conv, …, conv5_block3_out):
 * convolutions with biases, BatchNorm epsilon 1.001e-5, the stride of a
 * stage on its first 1×1 conv, a 1×1 projection shortcut (_0_conv) on each
 * stage's first block. 23,587,712 parameters without the top.
 */
const BN = { epsilon: 1.001e-5 };

function block1(x: T, init: Init, filters: number, stride: number, convShortcut: boolean, name: string): T {
  let shortcut = x;
  if (convShortcut) {
    shortcut = conv(x, init, { filters: 4 * filters, kernel: 1, strides: stride, name: `${name}_0_conv` });
    shortcut = bn(shortcut, `${name}_0_bn`, BN);
  }
  x = conv(x, init, { filters, kernel: 1, strides: stride, name: `${name}_1_conv` });
  x = activation(bn(x, `${name}_1_bn`, BN), 'relu', `${name}_1_relu`);
  x = conv(x, init, { filters, kernel: 3, padding: 'same', name: `${name}_2_conv` });
  x = activation(bn(x, `${name}_2_bn`, BN), 'relu', `${name}_2_relu`);
  x = conv(x, init, { filters: 4 * filters, kernel: 1, name: `${name}_3_conv` });
  x = bn(x, `${name}_3_bn`, BN);
  x = add(shortcut, x, `${name}_add`);
  return activation(x, 'relu', `${name}_out`);
}

function stack1(x: T, init: Init, filters: number, blocks: number, stride1: number, name: string): T {
  x = block1(x, init, filters, stride1, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) x = block1(x, init, filters, 1, false, `${name}_block${i}`);
  return x;
}

export function buildResNet50(o: BuildOptions): tf.LayersModel {
  const init = new Init(o.seed);
  const input = tf.input({ shape: [o.inputSize, o.inputSize, 3], name: 'input_1' });
  let x = zeroPad(input, [[3, 3], [3, 3]], 'conv1_pad');
  x = conv(x, init, { filters: 64, kernel: 7, strides: 2, name: 'conv1_conv' });
  x = activation(bn(x, 'conv1_bn', BN), 'relu', 'conv1_relu');
  x = zeroPad(x, [[1, 1], [1, 1]], 'pool1_pad');
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as T;
  x = stack1(x, init, 64, 3, 1, 'conv2');
  x = stack1(x, init, 128, 4, 2, 'conv3');
  x = stack1(x, init, 256, 6, 2, 'conv4');
  x = stack1(x, init, 512, 3, 2, 'conv5');
  return finish(x, input, init, o, 'resnet50');
}

/** Fine-tuning blocks are Keras' stages: 1 = conv1 (stem), 2…5 = conv2…conv5. */
export function resNet50BlockOf(layer: string): number | null {
  const m = /^conv(\d)_/.exec(layer);
  if (m) return Number(m[1]);
  if (layer.startsWith('pool1_')) return 1;
  return null;
}
