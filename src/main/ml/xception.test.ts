import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.ts';
import { buildXception } from './xception.ts';

/**
 * The layer list of keras/applications/xception.py, written out from the
 * Keras source (independently of xception.ts): names in model.layers order.
 * The unnamed residual layers appear under the names Keras 2 generated in the
 * official weights file.
 */
function kerasXceptionLayerNames(includeTop: boolean): string[] {
  const n: string[] = ['input_1',
    'block1_conv1', 'block1_conv1_bn', 'block1_conv1_act', 'block1_conv2', 'block1_conv2_bn', 'block1_conv2_act',
    'block2_sepconv1', 'block2_sepconv1_bn', 'block2_sepconv2_act', 'block2_sepconv2', 'block2_sepconv2_bn',
    'conv2d_1', 'block2_pool', 'batch_normalization_1', 'add_1'];
  let res = 2;
  let add = 2;
  for (const b of [3, 4]) {
    n.push(`block${b}_sepconv1_act`, `block${b}_sepconv1`, `block${b}_sepconv1_bn`, `block${b}_sepconv2_act`, `block${b}_sepconv2`, `block${b}_sepconv2_bn`,
      `conv2d_${res}`, `block${b}_pool`, `batch_normalization_${res}`, `add_${add++}`);
    res++;
  }
  for (let b = 5; b <= 12; b++) {
    for (const j of [1, 2, 3]) n.push(`block${b}_sepconv${j}_act`, `block${b}_sepconv${j}`, `block${b}_sepconv${j}_bn`);
    n.push(`add_${add++}`);
  }
  n.push('block13_sepconv1_act', 'block13_sepconv1', 'block13_sepconv1_bn', 'block13_sepconv2_act', 'block13_sepconv2', 'block13_sepconv2_bn',
    'conv2d_4', 'block13_pool', 'batch_normalization_4', 'add_12',
    'block14_sepconv1', 'block14_sepconv1_bn', 'block14_sepconv1_act', 'block14_sepconv2', 'block14_sepconv2_bn', 'block14_sepconv2_act');
  if (includeTop) n.push('avg_pool', 'predictions');
  return n;
}

describe('buildXception', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('has 22,910,480 parameters with the ImageNet top and 20,861,480 without', () => {
    const top = buildXception({ includeTop: true });
    const notop = buildXception({ includeTop: false, pooling: 'avg' });
    expect(top.countParams()).toBe(22_910_480);
    expect(notop.countParams()).toBe(20_861_480);
    expect(top.outputs[0].shape).toEqual([null, 1000]);
    expect(notop.outputs[0].shape).toEqual([null, 2048]);
    top.dispose();
    notop.dispose();
  });

  it('has the Keras layers, in the Keras order, with the Keras names', () => {
    const m = buildXception({ includeTop: true, inputSize: 71 });
    expect(m.layers.map((l) => l.name)).toEqual(kerasXceptionLayerNames(true));
    const notop = buildXception({ inputSize: 71 });
    expect(notop.layers.map((l) => l.name)).toEqual(kerasXceptionLayerNames(false));
    expect(notop.outputs[0].shape).toEqual([null, 3, 3, 2048]);
    m.dispose();
    notop.dispose();
  });

  it('configures layers as Keras does: no biases, BN epsilon 1e-3, valid block1 convs, same elsewhere, 3×3/2 same pooling', () => {
    const m = buildXception({ inputSize: 71 });
    for (const l of m.layers) {
      const c = l.getConfig();
      const cls = l.getClassName();
      if (cls === 'Conv2D' || cls === 'SeparableConv2D') {
        expect(c.useBias, l.name).toBe(false);
        expect(c.padding, l.name).toBe(l.name.startsWith('block1_') ? 'valid' : 'same');
        expect(l.weights.every((w) => !w.originalName.endsWith('bias')), l.name).toBe(true);
      }
      if (cls === 'BatchNormalization') expect(c.epsilon, l.name).toBe(0.001);
      if (cls === 'MaxPooling2D') expect([c.poolSize, c.strides, c.padding], l.name).toEqual([[3, 3], [2, 2], 'same']);
    }
    expect(m.getLayer('block1_conv1').getConfig().strides).toEqual([2, 2]);
    expect(m.getLayer('conv2d_1').getConfig().kernelSize).toEqual([1, 1]);
    expect(m.getLayer('conv2d_1').getConfig().strides).toEqual([2, 2]);
    m.dispose();
  });

  it('works from 71 px (the smallest) up and refuses smaller inputs', () => {
    const m = buildXception({ inputSize: 71, pooling: 'avg', seed: 1 });
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => (m.predict(tf.randomUniform([1, 71, 71, 3], -1, 1, 'float32', 5)) as tf.Tensor).dataSync());
    expect(y.length).toBe(2048);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(buildXception({ inputSize: 100, pooling: 'max' }).outputs[0].shape).toEqual([null, 2048]);
    expect(() => buildXception({ inputSize: 70 })).toThrow(/71/);
    m.dispose();
  });

  it('a seeded build is deterministic and gives order-1 features', () => {
    const a = buildXception({ inputSize: 71, pooling: 'avg', seed: 3 });
    const b = buildXception({ inputSize: 71, pooling: 'avg', seed: 3 });
    const c = buildXception({ inputSize: 71, pooling: 'avg', seed: 4 });
    const w = (m: tf.LayersModel) => m.getLayer('block7_sepconv2').getWeights()[1].dataSync();
    expect(Array.from(w(a))).toEqual(Array.from(w(b)));
    expect(Array.from(w(a))).not.toEqual(Array.from(w(c)));
    const f = tf.tidy(() => (a.predict(tf.randomUniform([1, 71, 71, 3], -1, 1, 'float32', 9)) as tf.Tensor).dataSync() as Float32Array);
    const mean = f.reduce((s, v) => s + v, 0) / f.length;
    expect(mean).toBeGreaterThan(1e-3);
    expect(mean).toBeLessThan(100);
    [a, b, c].forEach((m) => m.dispose());
  });
});
