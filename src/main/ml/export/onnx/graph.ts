import type * as tf from '@tensorflow/tfjs';
import type { PreprocessMode } from '../../preprocess.ts';
import { activationConverters } from './activations.ts';
import { GraphBuilder, TO_NCHW, valueInfo, type OnnxValue } from './builder.ts';
import { convolutionConverters } from './convolution.ts';
import type { LayerConverter } from './convert-util.ts';
import { coreConverters } from './core.ts';
import { OnnxExportError } from './errors.ts';
import { encodeModel, ONNX_IR_VERSION, ONNX_OPSET } from './proto.ts';

/**
 * A TF.js layers model as one ONNX model, built in memory (no file I/O, no
 * project): the graph input is NHWC float RGB 0–255 (`image`), the
 * preprocessing the studio applies runs inside the graph, then every layer
 * converts by its class (convolution.ts, core.ts, activations.ts). The output
 * `probabilities` is n × C in class order (a sigmoid unit for two classes is
 * written as [1 − p, p]). Class names and any extra metadata go into the
 * model's metadata_props.
 */
export interface OnnxExportOptions {
  preprocess: PreprocessMode;
  classes: string[];
  /** Extra metadata_props entries (values are strings; JSON for structures). */
  metadata?: Record<string, string>;
  inputName?: string;
  outputName?: string;
  producerVersion?: string;
  docString?: string;
  /**
   * A feature extractor rather than a classifier (the ONNX inference engine,
   * onnx-engine.ts): the input is ALREADY preprocessed (the extraction
   * pipeline preprocesses while decoding), no preprocessing nodes are written,
   * and the output is the model's own rank-2 output, with no class mapping
   * (`classes` is then ignored).
   */
  features?: boolean;
}

export const ONNX_INPUT = 'image';
export const ONNX_OUTPUT = 'probabilities';

export const CONVERTERS: Record<string, LayerConverter> = { ...convolutionConverters, ...coreConverters, ...activationConverters };

/** The layer classes the writer converts (for messages and the README). */
export const SUPPORTED_LAYERS = Object.keys(CONVERTERS).sort();

// The studio's preprocessing (preprocess.ts applyPreprocess), op for op on NHWC RGB 0–255.
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

function preprocessNodes(g: GraphBuilder, x: string, mode: PreprocessMode): string {
  switch (mode) {
    case 'tf':
      return g.node('Sub', [g.node('Div', [x, g.floats('preprocess/127.5', [], [127.5])], {}, 'preprocess_div'), g.floats('preprocess/one', [], [1])], {}, 'preprocessed');
    case 'unit':
      return g.node('Div', [x, g.floats('preprocess/255', [], [255])], {}, 'preprocessed');
    case 'torch': {
      const unit = g.node('Div', [x, g.floats('preprocess/255', [], [255])], {}, 'preprocess_unit');
      const centred = g.node('Sub', [unit, g.floats('preprocess/mean', [3], TORCH_MEAN)], {}, 'preprocess_centred');
      return g.node('Div', [centred, g.floats('preprocess/std', [3], TORCH_STD)], {}, 'preprocessed');
    }
    case 'caffe': {
      const bgr = g.node('Gather', [x, g.int64s('preprocess/bgr', [2, 1, 0])], { axis: 3 }, 'preprocess_bgr');
      return g.node('Sub', [bgr, g.floats('preprocess/mean_bgr', [3], CAFFE_MEAN_BGR)], {}, 'preprocessed');
    }
    default:
      // 'raw' (networks that scale inside the model, such as EfficientNet): the pixels as they are.
      if ((mode as string) === 'raw') return g.node('Identity', [x], {}, 'preprocessed');
      throw new OnnxExportError(`unknown preprocessing ${String(mode)}`);
  }
}

interface SymbolicInternals {
  id: number;
  shape: (number | null)[];
  sourceLayer: tf.layers.Layer & { inboundNodes: { inputTensors: SymbolicInternals[] }[] };
  nodeIndex: number;
}

export function tfjsModelToOnnx(model: tf.LayersModel, o: OnnxExportOptions): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new OnnxExportError(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; one image input and one output convert`);
  }
  const g = new GraphBuilder();
  const inputName = o.inputName ?? ONNX_INPUT;
  const outputName = o.outputName ?? ONNX_OUTPUT;
  g.reserve(inputName);
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape[3] !== 3) throw new OnnxExportError(`the model's input [${inShape.join(',')}] is not an RGB image [batch, H, W, 3]`);
  g.inputs.push(valueInfo(inputName, ['batch', inShape[1] ?? 'height', inShape[2] ?? 'width', 3], o.features ? `RGB pixels preprocessed (${o.preprocess}), NHWC float32` : 'RGB pixels 0–255, NHWC float32, resized to the model input size'));
  const modelInput = g.node('Transpose', [o.features ? inputName : preprocessNodes(g, inputName, o.preprocess)], { perm: TO_NCHW }, 'preprocessed_nchw');

  const done = new Map<number, OnnxValue>();
  const visit = (t: SymbolicInternals): OnnxValue => {
    const known = done.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const cls = layer.getClassName();
    let value: OnnxValue;
    if (cls === 'InputLayer') {
      if (t.id !== (model.inputs[0] as unknown as SymbolicInternals).id) throw new OnnxExportError(`input layer ${layer.name} is not the model's input`);
      value = { name: modelInput, shape: t.shape };
    } else {
      const converter = CONVERTERS[cls];
      if (!converter) throw new OnnxExportError(`layer ${layer.name} is a ${cls}, which the ONNX writer does not convert (it converts ${SUPPORTED_LAYERS.join(', ')})`);
      const node = layer.inboundNodes[t.nodeIndex];
      const inputs = node.inputTensors.map(visit);
      const name = converter({ g, layer, config: layer.getConfig() as Record<string, unknown>, inputs, outShape: t.shape });
      value = { name, shape: t.shape };
    }
    done.set(t.id, value);
    return value;
  };
  // Depth-first from the output; deep models (Xception: ~130 layers) stay far from the stack limit.
  const out = visit(model.outputs[0] as unknown as SymbolicInternals);
  if (out.shape.length !== 2) throw new OnnxExportError(`the model's output has rank ${out.shape.length}; a classifier's is [batch, classes]`);
  const units = out.shape[1];
  const C = o.features ? (units ?? 0) : o.classes.length;
  let probs = out.name;
  if (o.features) {
    if (units == null) throw new OnnxExportError('the feature output has an unknown width');
  } else if (C === 2 && units === 1) {
    // One sigmoid unit = P(classes[1]): written as the two probabilities [1 − p, p].
    probs = g.node('Concat', [g.node('Sub', [g.floats('output/one', [], [1]), out.name], {}, 'p_first'), out.name], { axis: 1 }, 'two_probs');
  } else if (units !== C) {
    throw new OnnxExportError(`the model's output has ${units} units for ${C} classes`);
  }
  g.alias(probs, outputName);
  g.outputs.push(valueInfo(outputName, ['batch', C], o.features ? 'feature vector' : `class probabilities in the order of labels.txt: ${o.classes.join(', ')}`));

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    producerName: 'Xception Studio',
    producerVersion: o.producerVersion ?? '',
    docString: o.docString,
    modelVersion: 1,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [
      { key: 'classes', value: JSON.stringify(o.classes) },
      { key: 'preprocess', value: o.preprocess },
      ...Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    ],
    graph: {
      name: model.name || 'xstudio',
      node: g.nodes,
      initializer: g.initializers,
      input: g.inputs,
      output: g.outputs,
    },
  });
}
