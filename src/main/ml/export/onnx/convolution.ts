import type * as tf from '@tensorflow/tfjs';
import { applyActivation } from './activations.ts';
import type { GraphBuilder } from './builder.ts';
import { pair, permute, requireChannelsLast, requireRank, requireWeight, weight, type ConvertArgs, type LayerConverter } from './convert-util.ts';
import { OnnxExportError } from './errors.ts';

/**
 * Convolutions, pools and padding: Conv2D, DepthwiseConv2D, SeparableConv2D,
 * ZeroPadding2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
 * GlobalMaxPooling2D. Inputs and outputs are NCHW (builder.ts). Keras 'same'
 * padding puts the odd pixel at the end; it is written as explicit pads.
 */
function spatialPads(a: ConvertArgs, kernel: [number, number], strides: [number, number], dilation: [number, number]): Record<string, number[] | string> {
  const padding = a.config.padding;
  if (padding === 'valid') return {};
  if (padding !== 'same') throw new OnnxExportError(`layer ${a.layer.name}: padding ${String(padding)} is not supported`);
  const [, h, w] = a.inputs[0].shape;
  if (h == null || w == null) return { auto_pad: 'SAME_UPPER' };
  const begin: number[] = [];
  const end: number[] = [];
  [h, w].forEach((size, i) => {
    const k = (kernel[i] - 1) * dilation[i] + 1;
    const out = Math.ceil(size / strides[i]);
    const total = Math.max((out - 1) * strides[i] + k - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return begin.concat(end).some((p) => p > 0) ? { pads: [...begin, ...end] } : {};
}

function convGeometry(a: ConvertArgs): { kernel: [number, number]; strides: [number, number]; dilation: [number, number] } {
  requireChannelsLast(a);
  requireRank(a, 4);
  return {
    kernel: pair(a.config.kernelSize, 'kernel size', a.layer),
    strides: pair(a.config.strides ?? 1, 'strides', a.layer),
    dilation: pair(a.config.dilationRate ?? 1, 'dilation rate', a.layer),
  };
}

function conv(g: GraphBuilder, layer: tf.layers.Layer, x: string, w: string, b: string | undefined, attrs: Record<string, number | number[] | string>, stem: string): string {
  return g.node('Conv', b ? [x, w, b] : [x, w], attrs, stem ?? layer.name);
}

const conv2d: LayerConverter = (a) => {
  const { kernel, strides, dilation } = convGeometry(a);
  const k = requireWeight(a.layer, 'kernel'); // [kh, kw, in, out]
  const [kh, kw, cin, cout] = k.shape;
  const groups = (a.config.groups as number | undefined) ?? 1;
  if (groups !== 1) throw new OnnxExportError(`layer ${a.layer.name}: grouped Conv2D (groups=${groups}) is not supported`);
  const w = a.g.floats(`${a.layer.name}/kernel`, [cout, cin, kh, kw], permute(k.data, k.shape, [3, 2, 0, 1]));
  const bias = weight(a.layer, 'bias');
  const b = bias ? a.g.floats(`${a.layer.name}/bias`, [cout], bias.data) : undefined;
  const y = conv(a.g, a.layer, a.inputs[0].name, w, b, { kernel_shape: kernel, strides, dilations: dilation, ...spatialPads(a, kernel, strides, dilation) }, a.layer.name);
  return applyActivation(a.g, a.layer, a.config.activation, y, 4);
};

/** A depthwise kernel [kh, kw, in, mult] as ONNX grouped-conv weights [in·mult, 1, kh, kw] (output channel c·mult + m, as TF orders them). */
function depthwiseWeights(a: ConvertArgs, kernel: { data: Float32Array; shape: number[] }, stem: string): { name: string; channels: number } {
  const [kh, kw, cin, mult] = kernel.shape;
  return { name: a.g.floats(stem, [cin * mult, 1, kh, kw], permute(kernel.data, kernel.shape, [2, 3, 0, 1])), channels: cin };
}

const depthwiseConv2d: LayerConverter = (a) => {
  const { kernel, strides, dilation } = convGeometry(a);
  const dw = depthwiseWeights(a, requireWeight(a.layer, 'depthwise_kernel'), `${a.layer.name}/depthwise_kernel`);
  const bias = weight(a.layer, 'bias');
  const b = bias ? a.g.floats(`${a.layer.name}/bias`, [bias.shape[0]], bias.data) : undefined;
  const y = conv(a.g, a.layer, a.inputs[0].name, dw.name, b, { kernel_shape: kernel, strides, dilations: dilation, group: dw.channels, ...spatialPads(a, kernel, strides, dilation) }, a.layer.name);
  return applyActivation(a.g, a.layer, a.config.activation, y, 4);
};

const separableConv2d: LayerConverter = (a) => {
  const { kernel, strides, dilation } = convGeometry(a);
  const dw = depthwiseWeights(a, requireWeight(a.layer, 'depthwise_kernel'), `${a.layer.name}/depthwise_kernel`);
  const y1 = conv(a.g, a.layer, a.inputs[0].name, dw.name, undefined, { kernel_shape: kernel, strides, dilations: dilation, group: dw.channels, ...spatialPads(a, kernel, strides, dilation) }, `${a.layer.name}_depthwise`);
  const pk = requireWeight(a.layer, 'pointwise_kernel'); // [1, 1, in·mult, out]
  const pw = a.g.floats(`${a.layer.name}/pointwise_kernel`, [pk.shape[3], pk.shape[2], 1, 1], permute(pk.data, pk.shape, [3, 2, 0, 1]));
  const bias = weight(a.layer, 'bias');
  const b = bias ? a.g.floats(`${a.layer.name}/bias`, [bias.shape[0]], bias.data) : undefined;
  const y = conv(a.g, a.layer, y1, pw, b, { kernel_shape: [1, 1] }, a.layer.name);
  return applyActivation(a.g, a.layer, a.config.activation, y, 4);
};

const zeroPadding2d: LayerConverter = (a) => {
  requireChannelsLast(a);
  requireRank(a, 4);
  const p = a.config.padding;
  let tb: [number, number];
  let lr: [number, number];
  if (typeof p === 'number') [tb, lr] = [[p, p], [p, p]];
  else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number')) [tb, lr] = [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
  else if (Array.isArray(p) && p.length === 2) [tb, lr] = [pair(p[0], 'padding', a.layer), pair(p[1], 'padding', a.layer)];
  else throw new OnnxExportError(`layer ${a.layer.name}: unsupported padding ${JSON.stringify(p)}`);
  const pads = a.g.int64s(`${a.layer.name}/pads`, [0, 0, tb[0], lr[0], 0, 0, tb[1], lr[1]]);
  return a.g.node('Pad', [a.inputs[0].name, pads], { mode: 'constant' }, a.layer.name);
};

function pool(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (a) => {
    requireChannelsLast(a);
    requireRank(a, 4);
    const kernel = pair(a.config.poolSize ?? 2, 'pool size', a.layer);
    const strides = pair(a.config.strides ?? kernel, 'strides', a.layer);
    // AveragePool's count_include_pad defaults to 0: padded cells are left out of the mean, as in TF.
    return a.g.node(op, [a.inputs[0].name], { kernel_shape: kernel, strides, ...spatialPads(a, kernel, strides, [1, 1]) }, a.layer.name);
  };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerConverter {
  return (a) => {
    requireChannelsLast(a);
    requireRank(a, 4);
    const y = a.g.node(op, [a.inputs[0].name], {}, `${a.layer.name}_nchw`);
    // keepdims: [N, 1, 1, C] in Keras is [N, C, 1, 1] held as NCHW: the pool's output as it is.
    if (a.config.keepDims === true || a.config.keepdims === true) return y;
    return a.g.node('Flatten', [y], { axis: 1 }, a.layer.name);
  };
}

export const convolutionConverters: Record<string, LayerConverter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  ZeroPadding2D: zeroPadding2d,
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
};
