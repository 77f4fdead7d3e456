import * as tf from '@tensorflow/tfjs';

/**
 * Inference of a frozen TF.js layers model with the work TF.js layers leaves
 * on the table done: every convolution (Conv2D, DepthwiseConv2D,
 * SeparableConv2D) followed by a BatchNormalization is one fused kernel with
 * the normalisation folded into its weights and bias (W·s, (b − μ)·s + β with
 * s = γ / √(σ² + ε)), and a ReLU or ReLU6 right after it runs inside the same
 * kernel (tf.fused.*: one pass over the output). Why: tfjs-layers runs
 * BatchNormalization as a separate op (12 % of Xception's time on wasm) and
 * ReLU(max_value=6) as minimum(6, relu(x)) — two ops, the Minimum alone 45 %
 * of MobileNetV2's time. A ReLU6 that cannot be fused runs as tf.relu6 (one op).
 * Every other layer runs as itself (layer.apply in inference mode).
 *
 * Folding only happens where it cannot change the graph: the convolution's
 * output feeds the BatchNormalization alone, and the normalisation's output
 * feeds the activation alone. Outputs equal the model's to ~1e-6 (float
 * rounding of the folded weights); fused-inference.test.ts checks 1e-5.
 * Returns null for graphs it does not walk (a layer called more than once):
 * the caller keeps model.predict.
 */
export interface FusedPredictor {
  predict(x: tf.Tensor4D): tf.Tensor;
  /** Layers folded away (for tests and messages). */
  folded: { batchNorms: number; activations: number };
  dispose(): void;
}

interface SymbolicLike {
  id: number;
  sourceLayer: tf.layers.Layer;
}
interface LayerInternals {
  inboundNodes: { inputTensors: SymbolicLike[] }[];
}

type Step =
  | { kind: 'layer'; layer: tf.layers.Layer; inputs: number[]; output: number }
  | {
      kind: 'conv';
      op: 'conv2d' | 'depthwise' | 'separable';
      input: number;
      output: number;
      depthwise?: tf.Tensor4D;
      filter: tf.Tensor4D;
      bias: tf.Tensor1D | null;
      strides: [number, number];
      pad: 'same' | 'valid';
      dilations: [number, number];
      activation: 'linear' | 'relu' | 'relu6';
    }
  | { kind: 'relu6'; input: number; output: number };

function weightOf(layer: tf.layers.Layer, short: string): tf.Tensor | undefined {
  return layer.weights.find((w) => w.originalName.split('/').pop() === short || w.name.split('/').pop()?.replace(/:0$/, '') === short)?.read();
}

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

/** 'relu' | 'relu6' when the layer is exactly that activation (else null). */
function activationLayerKind(layer: tf.layers.Layer): 'relu' | 'relu6' | null {
  const cls = layer.getClassName();
  const c = layer.getConfig() as Record<string, unknown>;
  if (cls === 'Activation') return c.activation === 'relu' ? 'relu' : c.activation === 'relu6' ? 'relu6' : null;
  if (cls === 'ReLU') {
    if ((c.negativeSlope as number | undefined) || (c.threshold as number | undefined)) return null;
    const max = c.maxValue as number | null | undefined;
    if (max == null) return 'relu';
    return max === 6 ? 'relu6' : null;
  }
  return null;
}

function convActivation(layer: tf.layers.Layer): 'linear' | 'relu' | 'relu6' | null {
  const a = (layer.getConfig() as { activation?: string }).activation ?? 'linear';
  return a === 'linear' || a === 'relu' || a === 'relu6' ? a : null;
}

export function fusedPredictor(model: tf.LayersModel): FusedPredictor | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const layers = model.layers;
  const consumers = new Map<number, number>();
  const calls = new Map<tf.layers.Layer, SymbolicLike[]>();
  for (const layer of layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const nodes = (layer as unknown as LayerInternals).inboundNodes;
    // Only nodes inside this model count (a layer may also be called by a bigger model it came from).
    const inside = nodes.filter((n) => n.inputTensors.every((t) => layers.includes(t.sourceLayer)));
    if (inside.length !== 1) return null;
    if (Array.isArray(layer.output)) return null;
    calls.set(layer, inside[0].inputTensors);
    for (const t of inside[0].inputTensors) consumers.set(t.id, (consumers.get(t.id) ?? 0) + 1);
  }
  const outputId = (model.outputs[0] as unknown as SymbolicLike).id;
  consumers.set(outputId, (consumers.get(outputId) ?? 0) + 1);
  const idOf = (layer: tf.layers.Layer): number => (layer.output as unknown as SymbolicLike).id;
  const onlyConsumer = (id: number): tf.layers.Layer | null => {
    if (consumers.get(id) !== 1) return null;
    return layers.find((l) => calls.get(l)?.some((t) => t.id === id)) ?? null;
  };

  const steps: Step[] = [];
  const skip = new Set<tf.layers.Layer>();
  const kept: tf.Tensor[] = [];
  let batchNorms = 0;
  let activations = 0;
  for (const layer of layers) {
    if (layer.getClassName() === 'InputLayer' || skip.has(layer)) continue;
    const inputs = calls.get(layer)!;
    const cls = layer.getClassName();
    const c = layer.getConfig() as Record<string, unknown>;
    const isConv = cls === 'Conv2D' || cls === 'DepthwiseConv2D' || cls === 'SeparableConv2D';
    const channelsLast = (c.dataFormat ?? 'channelsLast') === 'channelsLast';
    const groupsOk = ((c.groups as number | undefined) ?? 1) === 1;
    const act = isConv ? convActivation(layer) : null;
    if (isConv && channelsLast && groupsOk && act) {
      let output = idOf(layer);
      let activation = act;
      // Conv (linear) → BatchNormalization (the channel axis) → folded.
      let scale: Float32Array | null = null;
      let shift: Float32Array | null = null;
      const next = activation === 'linear' ? onlyConsumer(output) : null;
      if (next && next.getClassName() === 'BatchNormalization') {
        const bc = next.getConfig() as { axis?: number | number[]; epsilon?: number };
        const axis = Array.isArray(bc.axis) ? bc.axis : [bc.axis ?? -1];
        if (axis.length === 1 && (axis[0] === -1 || axis[0] === 3)) {
          const mean = weightOf(next, 'moving_mean')!.dataSync() as Float32Array;
          const variance = weightOf(next, 'moving_variance')!.dataSync() as Float32Array;
          const gamma = weightOf(next, 'gamma')?.dataSync() as Float32Array | undefined;
          const beta = weightOf(next, 'beta')?.dataSync() as Float32Array | undefined;
          const eps = bc.epsilon ?? 1e-3;
          scale = Float32Array.from(mean, (_, i) => (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + eps));
          shift = Float32Array.from(mean, (m, i) => (beta ? beta[i] : 0) - m * scale![i]);
          skip.add(next);
          output = idOf(next);
          batchNorms++;
        }
      }
      // … → ReLU / ReLU6 → inside the kernel.
      const after = activation === 'linear' ? onlyConsumer(output) : null;
      const afterKind = after ? activationLayerKind(after) : null;
      if (after && afterKind) {
        activation = afterKind;
        skip.add(after);
        output = idOf(after);
        activations++;
      }
      const kernelName = cls === 'DepthwiseConv2D' ? 'depthwise_kernel' : cls === 'SeparableConv2D' ? 'pointwise_kernel' : 'kernel';
      const kernel = weightOf(layer, kernelName)!;
      const biasT = (c.useBias as boolean | undefined) !== false ? weightOf(layer, 'bias') : undefined;
      const outChannels = kernel.shape[3]!; // [kh, kw, in, out] (pointwise: [1, 1, in·mult, out])
      const filter = tf.tidy((): tf.Tensor4D => {
        if (!scale) return tf.clone(kernel as tf.Tensor4D);
        const sc = tf.tensor1d(scale);
        // Output channel o of a depthwise kernel [kh, kw, in, mult] is in · mult + m: the scale reshaped to match.
        return tf.mul(kernel, cls === 'DepthwiseConv2D' ? sc.reshape([1, 1, kernel.shape[2]!, kernel.shape[3]!]) : sc.reshape([1, 1, 1, outChannels]));
      });
      const bias = shift
        ? tf.tidy((): tf.Tensor1D => (biasT ? tf.add(tf.mul(biasT, tf.tensor1d(scale!)), tf.tensor1d(shift!)) : tf.tensor1d(shift!)))
        : biasT ? (tf.clone(biasT) as tf.Tensor1D) : null;
      const depthwise = cls === 'SeparableConv2D' ? (tf.clone(weightOf(layer, 'depthwise_kernel')!) as tf.Tensor4D) : undefined;
      const built = { filter, bias, depthwise };
      kept.push(built.filter, ...(built.bias ? [built.bias] : []), ...(built.depthwise ? [built.depthwise] : []));
      steps.push({
        kind: 'conv', op: cls === 'Conv2D' ? 'conv2d' : cls === 'DepthwiseConv2D' ? 'depthwise' : 'separable',
        input: inputs[0].id, output, filter: built.filter, bias: built.bias, depthwise: built.depthwise,
        strides: pair(c.strides, 1), pad: c.padding === 'same' ? 'same' : 'valid', dilations: pair(c.dilationRate, 1), activation,
      });
      continue;
    }
    if (activationLayerKind(layer) === 'relu6') {
      steps.push({ kind: 'relu6', input: inputs[0].id, output: idOf(layer) });
      continue;
    }
    steps.push({ kind: 'layer', layer, inputs: inputs.map((t) => t.id), output: idOf(layer) });
  }

  const inputId = (model.inputs[0] as unknown as SymbolicLike).id;
  // How many steps read each value: an intermediate is released after its
  // last reader, as tfjs-layers' executor does (holding every activation of
  // Xception until the end added ~440 MB to the WebAssembly heap).
  const readers = new Map<number, number>();
  for (const st of steps) for (const id of st.kind === 'layer' ? st.inputs : [st.input]) readers.set(id, (readers.get(id) ?? 0) + 1);
  return {
    folded: { batchNorms, activations },
    predict(x) {
      return tf.tidy(() => {
        const values = new Map<number, tf.Tensor>([[inputId, x]]);
        const left = new Map(readers);
        const release = (ids: number[]): void => {
          for (const id of ids) {
            const n = left.get(id)! - 1;
            left.set(id, n);
            if (n === 0 && id !== inputId && id !== outputId) {
              const t = values.get(id);
              values.delete(id);
              // A layer may pass its input through as its output (Dropout, identity layers): keep a tensor another value still is.
              if (t && ![...values.values()].includes(t)) t.dispose();
            }
          }
        };
        for (const s of steps) {
          if (s.kind === 'layer') {
            const ins = s.inputs.map((id) => values.get(id)!);
            values.set(s.output, s.layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor);
          } else if (s.kind === 'relu6') {
            values.set(s.output, tf.relu6(values.get(s.input)!));
          } else {
            const input = values.get(s.input)! as tf.Tensor4D;
            const common = { strides: s.strides, pad: s.pad, dilations: s.dilations, bias: s.bias ?? undefined, activation: s.activation } as const;
            let y: tf.Tensor4D;
            if (s.op === 'conv2d') y = tf.fused.conv2d({ x: input, filter: s.filter, dataFormat: 'NHWC', ...common });
            else if (s.op === 'depthwise') y = tf.fused.depthwiseConv2d({ x: input, filter: s.filter, dataFormat: 'NHWC', ...common });
            else {
              const d = tf.depthwiseConv2d(input, s.depthwise!, s.strides, s.pad, 'NHWC', s.dilations);
              y = tf.fused.conv2d({ x: d, filter: s.filter, strides: 1, pad: 'valid', dataFormat: 'NHWC', bias: s.bias ?? undefined, activation: s.activation });
            }
            values.set(s.output, y);
          }
          release(s.kind === 'layer' ? s.inputs : [s.input]);
        }
        return values.get(outputId)!;
      });
    },
    dispose: () => tf.dispose(kept),
  };
}
