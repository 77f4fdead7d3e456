import type * as tf from '@tensorflow/tfjs';
import { OnnxExportError } from './errors.ts';
import { GraphBuilder, type OnnxValue } from './builder.ts';

/** What a layer converter gets: the graph, the layer, its inputs, its Keras output shape. */
export interface ConvertArgs {
  g: GraphBuilder;
  layer: tf.layers.Layer;
  config: Record<string, unknown>;
  inputs: OnnxValue[];
  outShape: (number | null)[];
}

/** Returns the ONNX name of the layer's output (held per the NCHW convention of builder.ts). */
export type LayerConverter = (a: ConvertArgs) => string;

/** A layer's weight by its short name ('kernel', 'bias', 'gamma', …), as float32 values and shape; undefined when absent. */
export function weight(layer: tf.layers.Layer, short: string): { data: Float32Array; shape: number[] } | undefined {
  const v = layer.weights.find((w) => w.originalName.split('/').pop() === short || w.name.split('/').pop() === short);
  if (!v) return undefined;
  const t = v.read();
  return { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape };
}

export function requireWeight(layer: tf.layers.Layer, short: string): { data: Float32Array; shape: number[] } {
  const w = weight(layer, short);
  if (!w) throw new OnnxExportError(`layer ${layer.name} (${layer.getClassName()}) has no ${short} weight`);
  return w;
}

/** Reorders an array of the given shape by a permutation of its axes (like numpy.transpose). */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  const permStrides = perm.map((p) => strides[p]);
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += idx[i] * permStrides[i];
    out[o] = data[src];
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** A pair from a Keras int-or-tuple config value. */
export function pair(v: unknown, name: string, layer: tf.layers.Layer): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
  throw new OnnxExportError(`layer ${layer.name}: unsupported ${name} ${JSON.stringify(v)}`);
}

export function requireChannelsLast(a: ConvertArgs): void {
  const df = a.config.dataFormat ?? a.config.data_format;
  if (df !== undefined && df !== 'channelsLast' && df !== 'channels_last') {
    throw new OnnxExportError(`layer ${a.layer.name} (${a.layer.getClassName()}) uses data format ${String(df)}; only channels-last models convert`);
  }
}

export function requireRank(a: ConvertArgs, rank: number): void {
  const r = a.inputs[0].shape.length;
  if (r !== rank) throw new OnnxExportError(`layer ${a.layer.name} (${a.layer.getClassName()}) has an input of rank ${r}; the converter handles rank ${rank}`);
}
