// Floating-point operations of one image through a TF.js layers model
// (2 per multiply-add, convolutions and dense layers only: the rest is a few
// per cent), so a rate in photos/s reads as a share of the machine's peak.
import type * as tf from '@tensorflow/tfjs';

export function modelFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as (number | null)[];
    if (!/^(Conv2D|DepthwiseConv2D|SeparableConv2D|Dense)$/.test(cls)) continue;
    const inShape = (layer.input as tf.SymbolicTensor).shape;
    const cin = Number(inShape[inShape.length - 1]);
    const c = layer.getConfig() as { kernelSize?: number[]; filters?: number; depthMultiplier?: number; units?: number };
    const spatial = out.length === 4 ? Number(out[1]) * Number(out[2]) : 1;
    const k = c.kernelSize ? c.kernelSize[0] * c.kernelSize[1] : 1;
    if (cls === 'Conv2D') flops += 2 * spatial * k * cin * Number(out[3]);
    else if (cls === 'DepthwiseConv2D') flops += 2 * spatial * k * Number(out[3]);
    else if (cls === 'SeparableConv2D') flops += 2 * spatial * (k * cin * (c.depthMultiplier ?? 1) + cin * (c.depthMultiplier ?? 1) * Number(out[3]));
    else if (cls === 'Dense') flops += 2 * cin * Number(out[out.length - 1]);
  }
  return flops;
}
