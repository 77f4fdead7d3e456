// A small MobileNet-style TF.js layers model (conv → depthwise-separable
// blocks with BN and ReLU6 → global average pooling → dropout → softmax),
// saved to disk as model.json + one weight shard, optionally with uint8
// quantized weights (as tensorflowjs_converter --quantize_uint8 writes them).
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

export interface MobileNetLikeOptions {
  inputSize?: number;
  classes?: number;
  seed?: number;
}

export function buildMobileNetLike(o: MobileNetLikeOptions = {}): tf.LayersModel {
  const size = o.inputSize ?? 32;
  let seed = o.seed ?? 7;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const input = tf.input({ shape: [size, size, 3], name: 'input_image' });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1', kernelInitializer: init() }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ maxValue: 6, name: 'conv1_relu' }).apply(x) as tf.SymbolicTensor;
  const blocks: Array<[number, number]> = [[16, 1], [24, 2], [32, 2]];
  blocks.forEach(([filters, stride], i) => {
    const b = `block${i + 1}`;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, name: `${b}_dw`, depthwiseInitializer: init() }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `${b}_dw_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `${b}_dw_relu` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters, kernelSize: 1, useBias: false, name: `${b}_pw`, kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `${b}_pw_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6, name: `${b}_pw_relu` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'global_pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.2, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: o.classes ?? 5, activation: 'softmax', name: 'predictions', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'mobilenet_like' });
}

/** uint8 affine quantization per weight, as the tfjs converter does it. */
function quantizeUint8(data: Float32Array): { q: Uint8Array; scale: number; min: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const q = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) q[i] = Math.round((data[i] - min) / scale);
  return { q, scale, min };
}

/** Saves a layers model to dir/model.json + dir/group1-shard1of1.bin; returns the model.json path. */
export async function saveLayersModel(model: tf.LayersModel, dir: string, o: { quantize?: boolean } = {}): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    let specs = artifacts.weightSpecs ?? [];
    let data = Buffer.from(artifacts.weightData as ArrayBuffer);
    if (o.quantize) {
      const parts: Buffer[] = [];
      let offset = 0;
      specs = specs.map((s) => {
        const n = s.shape.reduce((a, b) => a * b, 1);
        const values = new Float32Array(data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + n * 4));
        offset += n * 4;
        const { q, scale, min } = quantizeUint8(values);
        parts.push(Buffer.from(q));
        return { ...s, quantization: { dtype: 'uint8' as const, scale, min } };
      });
      data = Buffer.concat(parts);
    }
    const shard = 'group1-shard1of1.bin';
    fs.writeFileSync(path.join(dir, shard), data);
    fs.writeFileSync(file, JSON.stringify({
      format: 'layers-model',
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [shard], weights: specs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return file;
}

/** Builds and saves a MobileNet-like model; returns model.json's path. */
export async function writeMobileNetLike(dir: string, o: MobileNetLikeOptions & { quantize?: boolean } = {}): Promise<string> {
  const model = buildMobileNetLike(o);
  try {
    return await saveLayersModel(model, dir, { quantize: o.quantize });
  } finally {
    model.dispose();
  }
}
