import type * as tf from '@tensorflow/tfjs';
import type { GraphBuilder } from './builder.ts';
import type { LayerConverter } from './convert-util.ts';
import { OnnxExportError } from './errors.ts';

/**
 * Keras activations as ONNX ops: relu, relu6, sigmoid, softmax, tanh, swish
 * (silu), elu, selu, softplus, softsign, hard_sigmoid, linear; and the
 * Activation, ReLU (max_value, negative_slope 0, threshold 0), LeakyReLU and
 * Softmax layers. `rank` is the Keras rank of x (softmax's last Keras axis is
 * ONNX axis 1 for rank-4 tensors held NCHW).
 */
function clip(g: GraphBuilder, x: string, lo: number, hi: number | undefined, stem: string): string {
  const min = g.floats(`${stem}/min`, [], [lo]);
  const inputs = hi === undefined ? [x, min] : [x, min, g.floats(`${stem}/max`, [], [hi])];
  return g.node('Clip', inputs, {}, stem);
}

export function activation(g: GraphBuilder, name: string, x: string, rank: number, stem: string, where: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], {}, stem);
    case 'relu6':
      return clip(g, x, 0, 6, stem);
    case 'sigmoid':
      return g.node('Sigmoid', [x], {}, stem);
    case 'tanh':
      return g.node('Tanh', [x], {}, stem);
    case 'softmax':
      return g.node('Softmax', [x], { axis: rank === 4 ? 1 : -1 }, stem);
    case 'swish':
    case 'silu':
      return g.node('Mul', [x, g.node('Sigmoid', [x], {}, `${stem}_sigmoid`)], {}, stem);
    case 'elu':
      return g.node('Elu', [x], { alpha: { float: 1 } }, stem);
    case 'selu':
      return g.node('Selu', [x], {}, stem);
    case 'softplus':
      return g.node('Softplus', [x], {}, stem);
    case 'softsign':
      return g.node('Softsign', [x], {}, stem);
    case 'hardSigmoid':
    case 'hard_sigmoid':
      return g.node('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } }, stem);
    default:
      throw new OnnxExportError(`${where}: activation "${name}" is not supported (supported: linear, relu, relu6, sigmoid, softmax, tanh, swish, elu, selu, softplus, softsign, hard_sigmoid)`);
  }
}

/** The `activation` setting of a layer (Conv2D, Dense…) applied to its output. */
export function applyActivation(g: GraphBuilder, layer: tf.layers.Layer, act: unknown, x: string, rank: number): string {
  if (act === undefined || act === null) return x;
  if (typeof act !== 'string') throw new OnnxExportError(`layer ${layer.name}: activation ${JSON.stringify(act)} is not supported`);
  return activation(g, act, x, rank, `${layer.name}_${act}`, `layer ${layer.name} (${layer.getClassName()})`);
}

const activationLayer: LayerConverter = (a) => {
  const rank = a.inputs[0].shape.length;
  const y = activation(a.g, String(a.config.activation), a.inputs[0].name, rank, a.layer.name, `layer ${a.layer.name} (Activation)`);
  return y === a.inputs[0].name ? a.g.node('Identity', [y], {}, a.layer.name) : y;
};

const reluLayer: LayerConverter = (a) => {
  const max = a.config.maxValue as number | null | undefined;
  for (const k of ['negativeSlope', 'threshold'] as const) {
    const v = a.config[k];
    if (v !== undefined && v !== null && v !== 0) throw new OnnxExportError(`layer ${a.layer.name} (ReLU): ${k}=${String(v)} is not supported`);
  }
  return max == null ? a.g.node('Relu', [a.inputs[0].name], {}, a.layer.name) : clip(a.g, a.inputs[0].name, 0, max, a.layer.name);
};

const leakyReluLayer: LayerConverter = (a) => a.g.node('LeakyRelu', [a.inputs[0].name], { alpha: { float: (a.config.alpha as number | undefined) ?? 0.3 } }, a.layer.name);

const softmaxLayer: LayerConverter = (a) => {
  const rank = a.inputs[0].shape.length;
  const axis = (Array.isArray(a.config.axis) ? a.config.axis : [a.config.axis ?? -1]) as number[];
  if (axis.length !== 1) throw new OnnxExportError(`layer ${a.layer.name} (Softmax): softmax over several axes is not supported`);
  const k = axis[0] < 0 ? axis[0] + rank : axis[0];
  const onnx = rank === 4 ? [0, 2, 3, 1][k] : k;
  return a.g.node('Softmax', [a.inputs[0].name], { axis: onnx }, a.layer.name);
};

export const activationConverters: Record<string, LayerConverter> = {
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyReluLayer,
  Softmax: softmaxLayer,
};
