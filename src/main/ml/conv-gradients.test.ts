import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend.ts';
import { installConvGradients } from './conv-gradients.ts';

function grads(f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor, xShape: number[], wShape: number[]): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal(xShape as [number, number, number, number], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(wShape as [number, number, number, number], 0, 1, 'float32', 2) as tf.Tensor4D;
    const up = tf.randomNormal(f(x, w).shape, 0, 1, 'float32', 3);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), up)))([x, w]);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}

const close = (a: Float32Array, b: Float32Array): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 3);
};

describe('convolution backprop kernels by matMul', () => {
  it('match tfjs’ own gradients for conv2d (strides, same/valid) and depthwise conv (strides 1 and 2), on cpu and wasm', async () => {
    await tf.setBackend('cpu');
    const cases: [string, (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor, number[], number[]][] = [
      ['conv 3x3 s2 valid', (x, w) => tf.conv2d(x, w, 2, 'valid'), [2, 9, 9, 3], [3, 3, 3, 4]],
      ['conv 3x3 s1 same', (x, w) => tf.conv2d(x, w, 1, 'same'), [1, 7, 7, 2], [3, 3, 2, 3]],
      ['conv 1x1 s2 same', (x, w) => tf.conv2d(x, w, 2, 'same'), [2, 8, 8, 4], [1, 1, 4, 5]],
      ['conv 1x1 s1', (x, w) => tf.conv2d(x, w, 1, 'valid'), [2, 5, 5, 6], [1, 1, 6, 4]],
      ['conv 3x3 s1 valid', (x, w) => tf.conv2d(x, w, 1, 'valid'), [1, 7, 7, 3], [3, 3, 3, 2]],
      ['depthwise 3x3 same', (x, w) => tf.depthwiseConv2d(x, w, 1, 'same'), [2, 6, 6, 3], [3, 3, 3, 1]],
      ['depthwise 3x3 valid', (x, w) => tf.depthwiseConv2d(x, w, 1, 'valid'), [1, 6, 6, 2], [3, 3, 2, 1]],
      // MobileNetV2 / EfficientNet downsampling: stride-2 depthwise after a ZeroPadding2D ('valid'), even and odd sizes.
      ['depthwise 3x3 s2 valid', (x, w) => tf.depthwiseConv2d(x, w, 2, 'valid'), [2, 9, 9, 3], [3, 3, 3, 1]],
      ['depthwise 3x3 s2 valid, unread last row', (x, w) => tf.depthwiseConv2d(x, w, 2, 'valid'), [1, 8, 8, 2], [3, 3, 2, 1]],
      ['depthwise 5x5 s2 valid', (x, w) => tf.depthwiseConv2d(x, w, 2, 'valid'), [1, 11, 11, 2], [5, 5, 2, 1]],
      ['depthwise 3x3 s2 same', (x, w) => tf.depthwiseConv2d(x, w, 2, 'same'), [1, 8, 7, 3], [3, 3, 3, 1]],
      ['depthwise 5x5 s1 same', (x, w) => tf.depthwiseConv2d(x, w, 1, 'same'), [1, 6, 6, 2], [5, 5, 2, 1]],
      // ResNet50: 7×7 stride-2 stem and stride-2 1×1 convs with biases (the bias grad is a plain sum).
      ['conv 7x7 s2 valid', (x, w) => tf.conv2d(x, w, 2, 'valid'), [1, 15, 15, 3], [7, 7, 3, 4]],
    ];
    const reference = cases.map(([, f, xs, ws]) => grads(f, xs, ws));
    installConvGradients();
    cases.forEach(([, f, xs, ws], k) => {
      const mine = grads(f, xs, ws);
      close(mine[0], reference[k][0]);
      close(mine[1], reference[k][1]);
    });
    // The wasm backend has none of these kernels of its own: the same gradients there.
    await useBackend('wasm');
    installConvGradients();
    cases.forEach(([, f, xs, ws], k) => {
      const mine = grads(f, xs, ws);
      close(mine[0], reference[k][0]);
      close(mine[1], reference[k][1]);
    });
    await tf.setBackend('cpu');
  });
});
