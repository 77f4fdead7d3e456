// MobileNetV2 (alpha 1.0) as Keras builds it — inverted residual blocks,
// depthwise 3×3, BatchNorm, ReLU(max_value=6) layers — with seeded random
// weights: the same graph and compute as the real network, for tests and
// bench/ until the built-in backbones (src/main/ml/backbones/) land here.
// Stride-2 convolutions use 'same' padding where Keras pads explicitly: the
// compute is the same within a row or column of pixels.
import * as tf from '@tensorflow/tfjs';

type T = tf.SymbolicTensor;

export function buildMobileNetV2(o: { inputSize?: number; seed?: number } = {}): tf.LayersModel {
  const size = o.inputSize ?? 224;
  let seed = o.seed ?? 1;
  const init = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: seed++ });
  const bn = (x: T, name: string): T => tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name }).apply(x) as T;
  const relu6 = (x: T, name: string): T => tf.layers.reLU({ maxValue: 6, name }).apply(x) as T;
  const conv1x1 = (x: T, filters: number, name: string): T =>
    tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name }).apply(x) as T;

  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(), name: 'Conv1' }).apply(input) as T;
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  let channels = 32;
  let block = 0;
  const settings: [t: number, c: number, n: number, s: number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const prefix = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      const inp = x;
      let h = x;
      if (t !== 1) h = relu6(bn(conv1x1(h, channels * t, `${prefix}expand`), `${prefix}expand_BN`), `${prefix}expand_relu`);
      h = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init(), name: `${prefix}depthwise` }).apply(h) as T;
      h = relu6(bn(h, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
      h = bn(conv1x1(h, c, `${prefix}project`), `${prefix}project_BN`);
      x = stride === 1 && channels === c ? (tf.layers.add({ name: `${prefix}add` }).apply([inp, h]) as T) : h;
      channels = c;
      block++;
    }
  }
  x = relu6(bn(conv1x1(x, 1280, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenetv2_1.00' });
}
