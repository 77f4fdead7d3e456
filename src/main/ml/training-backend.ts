import * as tf from '@tensorflow/tfjs';
import { selectBackend, useBackend, type BackendInfo } from './backend.ts';
import { installConvGradients } from './conv-gradients.ts';

/**
 * The backend for training the whole network. tfjs 4.22's WebAssembly
 * backend lacks the convolution backprop kernels; installConvGradients
 * expresses those gradients with ops it has (matMul, stridedSlice,
 * depthwiseConv2d), so fine-tuning runs on wasm. Should some other gradient
 * kernel be missing, fall back to the JavaScript 'cpu' backend and say so.
 */
const NEEDED = ['Conv2D', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', 'MaxPoolGrad', 'BatchMatMul', 'StridedSlice', 'PadV2', 'Reverse'];

export async function fineTuneBackend(): Promise<BackendInfo & { note: string | null }> {
  installConvGradients();
  const chosen = await selectBackend();
  if (chosen.name !== 'wasm') return { ...chosen, note: null };
  const missing = NEEDED.filter((k) => tf.getKernel(k, 'wasm') === undefined);
  if (missing.length === 0) return { ...chosen, note: null };
  const cpu = await useBackend('cpu');
  return { ...cpu, note: `the wasm backend lacks ${missing.join(', ')}: fine-tuning runs on the JavaScript cpu backend (slow; a GPU is the place for it)` };
}
