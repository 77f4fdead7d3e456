import protobuf from 'protobufjs';

/**
 * The part of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 7+)
 * the studio writes, declared through protobufjs's reflection API: the field
 * numbers and types below are onnx.proto's own, so protobufjs does the wire
 * encoding. Only the messages and fields a model of dense tensors needs.
 */
export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

type FieldSpec = [name: string, id: number, type: string, rule?: 'repeated'];

function message(name: string, fields: FieldSpec[]): protobuf.Type {
  const t = new protobuf.Type(name);
  for (const [fname, id, type, rule] of fields) t.add(new protobuf.Field(fname, id, type, rule));
  return t;
}

const root = new protobuf.Root();
const ns = root.define('onnx');
ns.add(message('StringStringEntryProto', [['key', 1, 'string'], ['value', 2, 'string']]));
ns.add(message('OperatorSetIdProto', [['domain', 1, 'string'], ['version', 2, 'int64']]));
ns.add(message('TensorProto', [
  ['dims', 1, 'int64', 'repeated'],
  ['dataType', 2, 'int32'],
  ['floatData', 4, 'float', 'repeated'],
  ['int32Data', 5, 'int32', 'repeated'],
  ['int64Data', 7, 'int64', 'repeated'],
  ['name', 8, 'string'],
  ['rawData', 9, 'bytes'],
  ['docString', 12, 'string'],
]));
ns.add(message('AttributeProto', [
  ['name', 1, 'string'],
  ['f', 2, 'float'],
  ['i', 3, 'int64'],
  ['s', 4, 'bytes'],
  ['t', 5, 'TensorProto'],
  ['floats', 7, 'float', 'repeated'],
  ['ints', 8, 'int64', 'repeated'],
  ['docString', 13, 'string'],
  ['type', 20, 'int32'],
]));
ns.add(message('NodeProto', [
  ['input', 1, 'string', 'repeated'],
  ['output', 2, 'string', 'repeated'],
  ['name', 3, 'string'],
  ['opType', 4, 'string'],
  ['attribute', 5, 'AttributeProto', 'repeated'],
  ['docString', 6, 'string'],
  ['domain', 7, 'string'],
]));
const dimension = new protobuf.Type('Dimension')
  .add(new protobuf.Field('dimValue', 1, 'int64'))
  .add(new protobuf.Field('dimParam', 2, 'string'));
dimension.add(new protobuf.OneOf('value', ['dimValue', 'dimParam']));
ns.add(message('TensorShapeProto', [['dim', 1, 'Dimension', 'repeated']]).add(dimension));
ns.add(message('TypeProto', [['tensorType', 1, 'Tensor'], ['denotation', 6, 'string']]).add(message('Tensor', [['elemType', 1, 'int32'], ['shape', 2, 'TensorShapeProto']])));
ns.add(message('ValueInfoProto', [['name', 1, 'string'], ['type', 2, 'TypeProto'], ['docString', 3, 'string']]));
ns.add(message('GraphProto', [
  ['node', 1, 'NodeProto', 'repeated'],
  ['name', 2, 'string'],
  ['initializer', 5, 'TensorProto', 'repeated'],
  ['docString', 10, 'string'],
  ['input', 11, 'ValueInfoProto', 'repeated'],
  ['output', 12, 'ValueInfoProto', 'repeated'],
  ['valueInfo', 13, 'ValueInfoProto', 'repeated'],
]));
ns.add(message('ModelProto', [
  ['irVersion', 1, 'int64'],
  ['producerName', 2, 'string'],
  ['producerVersion', 3, 'string'],
  ['domain', 4, 'string'],
  ['modelVersion', 5, 'int64'],
  ['docString', 6, 'string'],
  ['graph', 7, 'GraphProto'],
  ['opsetImport', 8, 'OperatorSetIdProto', 'repeated'],
  ['metadataProps', 14, 'StringStringEntryProto', 'repeated'],
]));
root.resolveAll();

const ModelProto = root.lookupType('onnx.ModelProto');

// Plain-object shapes of the messages, as protobufjs takes them (camelCase field names).
export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  int64Data?: number[];
}
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
}
export interface NodeProto {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  domain?: string;
}
export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
  docString?: string;
}
export interface ModelProtoInput {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  modelVersion?: number;
  opsetImport: { domain: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    name: string;
    node: NodeProto[];
    initializer: TensorProto[];
    input: ValueInfoProto[];
    output: ValueInfoProto[];
    docString?: string;
  };
}

export function encodeModel(model: ModelProtoInput): Uint8Array {
  const err = ModelProto.verify(model);
  if (err) throw new Error(`ONNX model does not fit onnx.proto: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Decodes a model (tests and `predict` read the metadata with it). */
export function decodeModel(bytes: Uint8Array): ModelProtoInput {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false }) as ModelProtoInput;
}
