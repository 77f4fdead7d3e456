import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';

/**
 * A growing ONNX graph: nodes in topological order, initializers, unique
 * names. Converters add to it; assembly (graph.ts) encodes it.
 */
export type AttrValue = number | string | number[] | { floats: number[] } | { int: number } | { float: number };

/**
 * A tensor as converters see it: its ONNX name and its Keras (channels-last)
 * shape. Convention: every rank-4 tensor is held in ONNX as NCHW (Conv, pools
 * and BatchNormalization are NCHW in ONNX); every other rank as Keras holds it.
 */
export interface OnnxValue {
  name: string;
  /** Keras shape, batch first (null = unknown). */
  shape: (number | null)[];
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();

  /** A name not used yet, from a readable stem. */
  unique(stem: string): string {
    const base = stem.replace(/[^A-Za-z0-9_./:-]/g, '_') || 't';
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}__${k}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX name ${name} used twice`);
    this.used.add(name);
  }

  /** A float32 initializer. */
  floats(stem: string, dims: number[], data: Float32Array | number[]): string {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (f.length !== expected) throw new Error(`initializer ${stem}: ${f.length} values for dims [${dims.join(',')}]`);
    const name = this.unique(stem);
    // A view, not a copy: converters hand over arrays they made (weight() copies
    // out of TF.js, permute() makes new ones), and Xception's 83 MB of weights
    // are copied once less on the way to the encoded model. Little-endian
    // hosts only, as ONNX raw_data is (every platform the studio ships on).
    const raw = data instanceof Float32Array ? new Uint8Array(f.buffer, f.byteOffset, f.byteLength) : new Uint8Array(f.buffer);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: raw });
    return name;
  }

  /** An int64 initializer (shapes, pads, axes). */
  int64s(stem: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.unique(stem);
    this.initializers.push({ name, dims, dataType: DataType.INT64, int64Data: values });
    return name;
  }

  /** Adds a node; returns its (first) output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, stem = opType.toLowerCase(), output?: string): string {
    const out = output ?? this.unique(stem);
    if (output) this.reserve(output);
    this.nodes.push({ name: this.unique(`${stem}_node`), opType, input: inputs, output: [out], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out;
  }

  /** The ONNX Identity node naming a tensor for the graph's interface. */
  alias(input: string, output: string): string {
    return this.node('Identity', [input], {}, output, output);
  }
}

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  if ('int' in v) return { name, type: AttributeType.INT, i: v.int };
  return { name, type: AttributeType.FLOAT, f: v.float };
}

export function valueInfo(name: string, dims: (number | string)[], docString?: string): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    ...(docString ? { docString } : {}),
  };
}

/** ONNX Transpose perms between the Keras layout and the one held in ONNX, for rank-4 tensors. */
export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

/** The ONNX axis of a Keras axis (negative allowed) for a tensor of the given rank, under the NCHW convention. */
export function onnxAxis(kerasAxis: number, rank: number): number {
  const a = kerasAxis < 0 ? kerasAxis + rank : kerasAxis;
  if (rank !== 4) return a;
  return [0, 2, 3, 1][a];
}

/** The value in the Keras layout (a rank-4 tensor transposed back to NHWC). */
export function toKerasLayout(g: GraphBuilder, v: OnnxValue): string {
  return v.shape.length === 4 ? g.node('Transpose', [v.name], { perm: TO_NHWC }, `${v.name}_nhwc`) : v.name;
}

/** From the Keras layout back to the held one. */
export function fromKerasLayout(g: GraphBuilder, name: string, rank: number, stem: string): string {
  return rank === 4 ? g.node('Transpose', [name], { perm: TO_NCHW }, stem) : name;
}
