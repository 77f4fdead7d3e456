import { applyActivation } from './activations.ts';
import { fromKerasLayout, onnxAxis, toKerasLayout } from './builder.ts';
import { requireWeight, weight, type LayerConverter } from './convert-util.ts';
import { OnnxExportError } from './errors.ts';

/**
 * Dense, BatchNormalization, Rescaling, Reshape, Flatten, the merges (Add,
 * Multiply, Subtract, Average, Maximum, Minimum, Concatenate) and the layers
 * that are the identity at inference (Dropout and the noise layers).
 */
const dense: LayerConverter = (a) => {
  const x = a.inputs[0];
  const k = requireWeight(a.layer, 'kernel'); // [in, units]
  const w = a.g.floats(`${a.layer.name}/kernel`, k.shape, k.data);
  const rank = x.shape.length;
  // Dense acts on the last Keras axis; a rank-4 input is held NCHW, so it goes through NHWC.
  let y = a.g.node('MatMul', [toKerasLayout(a.g, x), w], {}, `${a.layer.name}_matmul`);
  const bias = weight(a.layer, 'bias');
  if (bias) y = a.g.node('Add', [y, a.g.floats(`${a.layer.name}/bias`, bias.shape, bias.data)], {}, `${a.layer.name}_bias`);
  y = fromKerasLayout(a.g, y, rank, `${a.layer.name}_nchw`);
  return applyActivation(a.g, a.layer, a.config.activation, y, rank);
};

const batchNormalization: LayerConverter = (a) => {
  const x = a.inputs[0];
  const rank = x.shape.length;
  const axis = (Array.isArray(a.config.axis) ? a.config.axis : [a.config.axis ?? -1]) as number[];
  const k = axis.length === 1 ? (axis[0] < 0 ? axis[0] + rank : axis[0]) : -1;
  if (k !== rank - 1 || (rank !== 2 && rank !== 4)) {
    throw new OnnxExportError(`layer ${a.layer.name} (BatchNormalization): axis ${JSON.stringify(a.config.axis)} on a rank-${rank} input is not supported (the channel axis of rank 2 or 4 is)`);
  }
  const mean = requireWeight(a.layer, 'moving_mean');
  const variance = requireWeight(a.layer, 'moving_variance');
  const c = mean.shape[0];
  const gamma = weight(a.layer, 'gamma')?.data ?? new Float32Array(c).fill(1);
  const beta = weight(a.layer, 'beta')?.data ?? new Float32Array(c);
  const n = a.layer.name;
  return a.g.node(
    'BatchNormalization',
    [x.name, a.g.floats(`${n}/gamma`, [c], gamma), a.g.floats(`${n}/beta`, [c], beta), a.g.floats(`${n}/moving_mean`, [c], mean.data), a.g.floats(`${n}/moving_variance`, [c], variance.data)],
    { epsilon: { float: (a.config.epsilon as number | undefined) ?? 1e-3 } },
    n,
  );
};

const rescaling: LayerConverter = (a) => {
  const scale = a.g.floats(`${a.layer.name}/scale`, [], [Number(a.config.scale ?? 1)]);
  const offset = a.g.floats(`${a.layer.name}/offset`, [], [Number(a.config.offset ?? 0)]);
  return a.g.node('Add', [a.g.node('Mul', [a.inputs[0].name, scale], {}, `${a.layer.name}_scale`), offset], {}, a.layer.name);
};

const reshape: LayerConverter = (a) => {
  const target = a.config.targetShape as number[] | undefined;
  if (!Array.isArray(target)) throw new OnnxExportError(`layer ${a.layer.name} (Reshape) has no target shape`);
  const shape = a.g.int64s(`${a.layer.name}/shape`, [0, ...target]);
  const y = a.g.node('Reshape', [toKerasLayout(a.g, a.inputs[0]), shape], {}, `${a.layer.name}_keras`);
  return fromKerasLayout(a.g, y, target.length + 1, a.layer.name);
};

const flatten: LayerConverter = (a) => a.g.node('Flatten', [toKerasLayout(a.g, a.inputs[0])], { axis: 1 }, a.layer.name);

function sameRanks(a: Parameters<LayerConverter>[0]): number {
  const ranks = new Set(a.inputs.map((i) => i.shape.length));
  if (ranks.size !== 1) throw new OnnxExportError(`layer ${a.layer.name} (${a.layer.getClassName()}) merges inputs of different ranks (${[...ranks].join(', ')}); not supported`);
  return a.inputs[0].shape.length;
}

function merge(op: 'Sum' | 'Mul' | 'Sub' | 'Mean' | 'Max' | 'Min'): LayerConverter {
  return (a) => {
    sameRanks(a);
    const names = a.inputs.map((i) => i.name);
    if (op === 'Sub') {
      if (names.length !== 2) throw new OnnxExportError(`layer ${a.layer.name} (Subtract) needs exactly two inputs`);
      return a.g.node('Sub', names, {}, a.layer.name);
    }
    if (op === 'Mul') {
      let y = names[0];
      for (let i = 1; i < names.length; i++) y = a.g.node('Mul', [y, names[i]], {}, i === names.length - 1 ? a.layer.name : `${a.layer.name}_${i}`);
      return y;
    }
    // Two-input Add is the common op; Sum/Mean/Max/Min are variadic.
    if (op === 'Sum' && names.length === 2) return a.g.node('Add', names, {}, a.layer.name);
    return a.g.node(op, names, {}, a.layer.name);
  };
}

const concatenate: LayerConverter = (a) => {
  const rank = sameRanks(a);
  return a.g.node('Concat', a.inputs.map((i) => i.name), { axis: onnxAxis((a.config.axis as number | undefined) ?? -1, rank) }, a.layer.name);
};

const identity: LayerConverter = (a) => a.inputs[0].name;

export const coreConverters: Record<string, LayerConverter> = {
  Dense: dense,
  BatchNormalization: batchNormalization,
  Rescaling: rescaling,
  Reshape: reshape,
  Flatten: flatten,
  Add: merge('Sum'),
  Multiply: merge('Mul'),
  Subtract: merge('Sub'),
  Average: merge('Mean'),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  AlphaDropout: identity,
};
