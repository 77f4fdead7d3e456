import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors.ts';

/**
 * Convolution backprop kernels for fine-tuning, composed from kernels every
 * backend has.
 *
 * tfjs 4.22's WebAssembly backend has no Conv2DBackpropFilter and no
 * depthwise backprop kernels, and the JavaScript backend's
 * Conv2DBackpropFilter is a naive loop taking 10–20 s per layer for Xception
 * at 71×71. The filter gradient of a convolution is a sum over the kernel's
 * offsets of (strided input window)ᵀ · (output gradient): one matMul per
 * offset. The depthwise filter gradient is Σ window ⊙ dy per offset; the
 * depthwise input gradient is dy, dilated by the stride and padded,
 * convolved with the 180°-rotated filter (MobileNetV2 and EfficientNet
 * downsample with stride-2 depthwise convolutions). Kernels are replaced on 'cpu' and 'wasm'; shapes these
 * forms do not cover use the backend's own kernel where it has one.
 */
type Info = tf.TensorInfo;
interface Backend {
  disposeData(dataId: unknown, force?: boolean): boolean;
}
type Attrs = Record<string, unknown>;

const pair = (v: unknown, d = 1): [number, number] => (v == null ? [d, d] : typeof v === 'number' ? [v, v] : (v as [number, number]));

function padding(pad: unknown, inSize: number, k: number, stride: number, outSize: number): [number, number] | null {
  if (pad === 'valid') return [0, 0];
  if (typeof pad === 'number') return [pad, pad];
  if (pad === 'same') {
    const total = Math.max((outSize - 1) * stride + k - inSize, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return null;
}

function kernels(backendName: string, backend: Backend) {
  const run = (name: string, inputs: unknown, attrs: Attrs = {}): Info => {
    const k = tf.getKernel(name, backendName);
    if (!k) throw new StudioError('unavailable', `the ${backendName} backend has no ${name} kernel, needed for fine-tuning`);
    return (k.kernelFunc as unknown as (a: { inputs: unknown; attrs: Attrs; backend: Backend }) => Info)({ inputs, attrs, backend });
  };
  const dispose = (...infos: Info[]): void => {
    for (const i of infos) backend.disposeData(i.dataId);
  };
  const slice = (x: Info, begin: number[], end: number[], strides: number[]): Info =>
    run('StridedSlice', { x }, { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 });
  /** Calls fn(window) for each kernel offset, window = [N, Ho, Wo, C] strided view of the padded input. */
  const windows = (x: Info, kh: number, kw: number, s: [number, number], outH: number, outW: number, ph: [number, number], pw: [number, number], fn: (win: Info) => Info): Info[] => {
    const padded = ph[0] || ph[1] || pw[0] || pw[1];
    const xp = padded ? run('PadV2', { x }, { paddings: [[0, 0], ph, pw, [0, 0]], constantValue: 0 }) : x;
    const out: Info[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const win = slice(xp, [0, i, j, 0], [x.shape[0], i + (outH - 1) * s[0] + 1, j + (outW - 1) * s[1] + 1, x.shape[3]], [1, s[0], s[1], 1]);
        out.push(fn(win));
        dispose(win);
      }
    }
    if (padded) dispose(xp);
    return out;
  };
  const stackAs = (parts: Info[], shape: number[]): Info => {
    const packed = run('Pack', parts, { axis: 0 });
    const out = run('Reshape', { x: packed }, { shape });
    dispose(packed, ...parts);
    return out;
  };
  return { run, dispose, windows, stackAs };
}

function conv2dBackpropFilter(backendName: string, fallback: tf.KernelConfig | undefined) {
  return ({ inputs, attrs, backend }: { inputs: Record<string, Info>; attrs: Attrs; backend: Backend }): Info => {
    const { x, dy } = inputs;
    const [kh, kw, ci, co] = attrs.filterShape as number[];
    const s = pair(attrs.strides);
    const ph = padding(attrs.pad, x.shape[1], kh, s[0], dy.shape[1]);
    const pw = padding(attrs.pad, x.shape[2], kw, s[1], dy.shape[2]);
    if (!ph || !pw || (attrs.dataFormat && attrs.dataFormat !== 'NHWC')) {
      if (fallback) return (fallback.kernelFunc as unknown as (a: unknown) => Info)({ inputs, attrs, backend });
      throw new StudioError('unavailable', `Conv2DBackpropFilter with padding ${JSON.stringify(attrs.pad)} is not supported on ${backendName}`);
    }
    const k = kernels(backendName, backend);
    const P = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const dy3 = k.run('Reshape', { x: dy }, { shape: [1, P, co] });
    const parts = k.windows(x, kh, kw, s, dy.shape[1], dy.shape[2], ph, pw, (win) => {
      const w3 = k.run('Reshape', { x: win }, { shape: [1, P, ci] });
      // Transpose first: wasm's BatchMatMul is ~10× slower with transposeA.
      const wt = k.run('Transpose', { x: w3 }, { perm: [0, 2, 1] });
      const mm = k.run('BatchMatMul', { a: wt, b: dy3 }, { transposeA: false, transposeB: false });
      k.dispose(w3, wt);
      return mm;
    });
    k.dispose(dy3);
    return k.stackAs(parts, [kh, kw, ci, co]);
  };
}

function depthwiseBackpropFilter(backendName: string, fallback: tf.KernelConfig | undefined) {
  return ({ inputs, attrs, backend }: { inputs: Record<string, Info>; attrs: Attrs; backend: Backend }): Info => {
    const { x, dy } = inputs;
    const [kh, kw, c, mult] = attrs.filterShape as number[];
    const s = pair(attrs.strides);
    const d = pair(attrs.dilations);
    const ph = padding(attrs.pad, x.shape[1], kh, s[0], dy.shape[1]);
    const pw = padding(attrs.pad, x.shape[2], kw, s[1], dy.shape[2]);
    if (mult !== 1 || d[0] !== 1 || d[1] !== 1 || !ph || !pw) {
      if (fallback) return (fallback.kernelFunc as unknown as (a: unknown) => Info)({ inputs, attrs, backend });
      throw new StudioError('unavailable', `DepthwiseConv2dNativeBackpropFilter (multiplier ${mult}, dilation ${d}) is not supported on ${backendName}`);
    }
    const k = kernels(backendName, backend);
    const parts = k.windows(x, kh, kw, s, dy.shape[1], dy.shape[2], ph, pw, (win) => {
      const prod = k.run('Multiply', { a: win, b: dy });
      const sum = k.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false });
      k.dispose(prod);
      return sum;
    });
    return k.stackAs(parts, [kh, kw, c, 1]);
  };
}

/**
 * dx of a depthwise convolution, any stride: dy with (stride − 1) zeros
 * between its pixels, padded so a 'valid' stride-1 depthwise convolution
 * with the 180°-rotated filter gives back the input's size (rows the forward
 * pass never read get zeros through the extra bottom/right padding).
 */
function depthwiseBackpropInput(backendName: string, fallback: tf.KernelConfig | undefined) {
  return ({ inputs, attrs, backend }: { inputs: Record<string, Info>; attrs: Attrs; backend: Backend }): Info => {
    const { dy, filter } = inputs;
    const [kh, kw, , mult] = filter.shape;
    const inShape = attrs.inputShape as number[];
    const s = pair(attrs.strides);
    const d = pair(attrs.dilations);
    const ph = padding(attrs.pad, inShape[1], kh, s[0], dy.shape[1]);
    const pw = padding(attrs.pad, inShape[2], kw, s[1], dy.shape[2]);
    if (mult !== 1 || d[0] !== 1 || d[1] !== 1 || !ph || !pw) {
      if (fallback) return (fallback.kernelFunc as unknown as (a: unknown) => Info)({ inputs, attrs, backend });
      throw new StudioError('unavailable', `DepthwiseConv2dNativeBackpropInput (stride ${s}, multiplier ${mult}, dilation ${d}) is not supported on ${backendName}`);
    }
    const k = kernels(backendName, backend);
    const dilated = dilate(k, dy, s);
    const [, hd, wd] = dilated.shape;
    const top = kh - 1 - ph[0];
    const left = kw - 1 - pw[0];
    const gp = k.run('PadV2', { x: dilated }, { paddings: [[0, 0], [top, inShape[1] + kh - 1 - hd - top], [left, inShape[2] + kw - 1 - wd - left], [0, 0]], constantValue: 0 });
    if (dilated !== dy) k.dispose(dilated);
    const rot = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const out = k.run('DepthwiseConv2dNative', { x: gp, filter: rot }, { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined });
    k.dispose(gp, rot);
    return out;
  };
}

/** [N, H, W, C] → [N, (H−1)·s+1, (W−1)·s+1, C] with s − 1 zeros between neighbours (reshape, pad, reshape, slice). */
function dilate(k: ReturnType<typeof kernels>, x: Info, s: [number, number]): Info {
  if (s[0] === 1 && s[1] === 1) return x;
  const [n, h, w, c] = x.shape;
  const x6 = k.run('Reshape', { x }, { shape: [n, h, 1, w, 1, c] });
  const p6 = k.run('PadV2', { x: x6 }, { paddings: [[0, 0], [0, 0], [0, s[0] - 1], [0, 0], [0, s[1] - 1], [0, 0]], constantValue: 0 });
  const x4 = k.run('Reshape', { x: p6 }, { shape: [n, h * s[0], w * s[1], c] });
  const out = k.run('Slice', { x: x4 }, { begin: [0, 0, 0, 0], size: [n, (h - 1) * s[0] + 1, (w - 1) * s[1] + 1, c] });
  k.dispose(x6, p6, x4);
  return out;
}

/** Stride-1 convolutions: 1×1 (Xception's pointwise convs) as dy · Wᵀ, k×k as a convolution of dy with the rotated filter. Others: the backend's kernel. */
function conv2dBackpropInput(backendName: string, fallback: tf.KernelConfig | undefined) {
  return ({ inputs, attrs, backend }: { inputs: Record<string, Info>; attrs: Attrs; backend: Backend }): Info => {
    const { dy, filter } = inputs;
    const [kh, kw, ci, co] = filter.shape;
    const s = pair(attrs.strides);
    const inShape = attrs.inputShape as number[];
    const ph = padding(attrs.pad, inShape[1], kh, s[0], dy.shape[1]);
    const pw = padding(attrs.pad, inShape[2], kw, s[1], dy.shape[2]);
    if (s[0] !== 1 || s[1] !== 1 || !ph || !pw || (attrs.dataFormat && attrs.dataFormat !== 'NHWC')) {
      if (fallback) return (fallback.kernelFunc as unknown as (a: unknown) => Info)({ inputs, attrs, backend });
      throw new StudioError('unavailable', `Conv2DBackpropInput ${kh}×${kw} stride ${s} is not supported on ${backendName}`);
    }
    const k = kernels(backendName, backend);
    if (kh !== 1 || kw !== 1) {
      // Stride 1: dx = dy padded by (k − 1 − pad), convolved with the rotated filter, channels swapped.
      const gp = k.run('PadV2', { x: dy }, { paddings: [[0, 0], [kh - 1 - ph[0], kh - 1 - ph[1]], [kw - 1 - pw[0], kw - 1 - pw[1]], [0, 0]], constantValue: 0 });
      const rot = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = k.run('Transpose', { x: rot }, { perm: [0, 1, 3, 2] });
      const out = k.run('Conv2D', { x: gp, filter: swapped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined });
      k.dispose(gp, rot, swapped);
      return out;
    }
    const P = dy.shape[0] * dy.shape[1] * dy.shape[2];
    const dy3 = k.run('Reshape', { x: dy }, { shape: [1, P, co] });
    const w3 = k.run('Reshape', { x: filter }, { shape: [1, ci, co] });
    // Transposing explicitly keeps wasm's BatchMatMul on its fast path.
    const wt = k.run('Transpose', { x: w3 }, { perm: [0, 2, 1] });
    const mm = k.run('BatchMatMul', { a: dy3, b: wt }, { transposeA: false, transposeB: false });
    const out = k.run('Reshape', { x: mm }, { shape: inShape });
    k.dispose(dy3, w3, wt, mm);
    return out;
  };
}

const installedOn = new Set<string>();

/** Replaces the four backprop kernels on the given backends (idempotent). */
export function installConvGradients(backends: string[] = ['cpu', 'wasm']): void {
  for (const b of backends) {
    if (installedOn.has(b) || !tf.findBackendFactory(b)) continue;
    installedOn.add(b);
    const make: [string, (name: string, fb: tf.KernelConfig | undefined) => unknown][] = [
      ['Conv2DBackpropFilter', conv2dBackpropFilter],
      ['Conv2DBackpropInput', conv2dBackpropInput],
      ['DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter],
      ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput],
    ];
    for (const [name, factory] of make) {
      const existing = tf.getKernel(name, b);
      if (existing) tf.unregisterKernel(name, b);
      tf.registerKernel({ kernelName: name, backendName: b, kernelFunc: factory(b, existing) as tf.KernelFunc });
    }
  }
}
