import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExportCheck } from '../../../shared/api.ts';
import type { PreprocessMode } from '../preprocess.ts';
import type { ExportMetadata } from '../../common/export-metadata.ts';

/**
 * What every model export carries beside the model: labels.txt (class names
 * in output order), README.md (loading and predicting with the format's usual
 * runtime, in about ten lines) and signature.json (input and output names,
 * shapes, dtype, value range, preprocessing, class order, backbone, run,
 * studio version, the self-check, and the SHA-256 of every other file).
 */
export type BundleFormat = 'tfjs' | 'keras' | 'onnx' | 'head';

export interface SignatureInput {
  format: BundleFormat;
  meta: ExportMetadata;
  inputName: string;
  outputName: string;
  studioVersion: string;
  check: ExportCheck | null;
}

// Keyed by string so a new preprocessing mode ('raw': scaling inside the model) reads as itself.
const FORMULA: Record<string, string> = {
  raw: 'none: RGB pixels 0–255 as they are (the model scales them itself)',
  tf: 'x / 127.5 - 1 (RGB)',
  unit: 'x / 255 (RGB)',
  torch: '(x / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225] (RGB)',
  caffe: 'RGB → BGR, then x - [103.939, 116.779, 123.68]',
};
const RANGE: Record<string, [number, number]> = { raw: [0, 255], tf: [-1, 1], unit: [0, 1], torch: [-2.1179, 2.64], caffe: [-123.68, 151.061] };

/** Python and JS expressions of the preprocessing, for the README examples. */
const PY_PRE: Record<string, string> = {
  raw: 'x',
  tf: 'x / 127.5 - 1',
  unit: 'x / 255',
  torch: '(x / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])',
  caffe: 'x[..., ::-1] - np.array([103.939, 116.779, 123.68])',
};
const JS_PRE: Record<string, string> = {
  raw: 'x',
  tf: 'x.div(127.5).sub(1)',
  unit: 'x.div(255)',
  torch: 'x.div(255).sub([0.485, 0.456, 0.406]).div([0.229, 0.224, 0.225])',
  caffe: 'x.reverse(-1).sub([103.939, 116.779, 123.68])',
};

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function labelsTxt(classes: string[]): string {
  return classes.map((c) => c.replace(/[\r\n]+/g, ' ')).join('\n') + '\n';
}

function imageInput(meta: ExportMetadata): { inputSize: number; mode: PreprocessMode } | null {
  return 'inputSize' in meta.input ? { inputSize: meta.input.inputSize, mode: meta.input.mode } : null;
}

export function signature(s: SignatureInput, files: Record<string, { sha256: string; bytes: number }>): unknown {
  const img = imageInput(s.meta);
  const C = s.meta.classes.length;
  const sigmoidOut = s.format !== 'onnx' && s.meta.output === 'sigmoid';
  const input = img
    ? {
        name: s.inputName,
        shape: [null, img.inputSize, img.inputSize, 3],
        dtype: 'float32',
        layout: 'NHWC',
        channelOrder: 'RGB',
        resize: { size: [img.inputSize, img.inputSize], interpolation: 'bilinear', halfPixelCenters: true, antialias: false },
        ...(s.format === 'onnx'
          ? { range: [0, 255], preprocessing: { mode: img.mode, formula: FORMULA[img.mode], where: 'inside the model: feed resized RGB pixels 0–255' } }
          : { range: RANGE[img.mode], preprocessing: { mode: img.mode, formula: FORMULA[img.mode], where: 'before the model: apply it to resized RGB pixels 0–255' } }),
      }
    : { name: s.inputName, shape: [null, (s.meta.input as { features: number }).features], dtype: 'float32', range: null, preprocessing: { where: 'the backbone’s pooled features, as the studio extracts them' } };
  return {
    format: s.format,
    input,
    outputs: [{
      name: s.outputName,
      shape: sigmoidOut ? [null, 1] : [null, C],
      dtype: 'float32',
      meaning: sigmoidOut ? `sigmoid: the probability of "${s.meta.classes[1]}" (1 − it is "${s.meta.classes[0]}")` : `${C === 2 && s.format === 'onnx' ? 'two' : 'softmax'} probabilities in class order`,
    }],
    classes: s.meta.classes,
    backbone: s.meta.backbone,
    run: s.meta.run,
    studioVersion: s.studioVersion,
    createdAt: s.meta.createdAt,
    check: s.check,
    files,
  };
}

function readme(s: SignatureInput, modelFile: string): string {
  const img = imageInput(s.meta);
  const n = img?.inputSize ?? 0;
  const classes = s.meta.classes.join(', ');
  const sigmoid = s.meta.output === 'sigmoid';
  const pre = img ? FORMULA[img.mode] : '';
  const title = `# ${s.meta.run.name || `run ${s.meta.run.id}`} — ${s.format} export from Xception Studio\n\n`;
  const head = `Classes (labels.txt, in output order): ${classes}. signature.json lists the input and output names, shapes, preprocessing and the SHA-256 of every file; its \`check\` says on how many validation images this export was run after writing and how far it was from the studio's probabilities.\n\n`;
  const resize = `Resize to ${n}×${n} with bilinear interpolation, half-pixel centres, no antialiasing (tf.image.resize's default) to get the studio's numbers exactly.\n\n`;
  switch (s.format) {
    case 'tfjs':
      return `${title}${head}A TF.js layers model (\`${modelFile}\`). Input: NHWC float32, preprocessed as ${pre}. Output: ${sigmoid ? `one sigmoid unit, the probability of "${s.meta.classes[1]}"` : 'softmax probabilities'}. ${resize}With TensorFlow.js in Node:

\`\`\`js
import * as tf from '@tensorflow/tfjs-node';
import fs from 'node:fs';
const labels = fs.readFileSync('labels.txt', 'utf8').trim().split('\\n');
const model = await tf.loadLayersModel('file://${modelFile}');
const img = tf.node.decodeImage(fs.readFileSync('photo.jpg'), 3);
const x = tf.image.resizeBilinear(img, [${n}, ${n}], false, true).toFloat();
const p = await model.predict(${JS_PRE[img!.mode]}.expandDims(0)).data();
${sigmoid ? `console.log({ [labels[0]]: 1 - p[0], [labels[1]]: p[0] });` : `console.log(Object.fromEntries(labels.map((l, i) => [l, p[i]])));`}
\`\`\`
`;
    case 'keras':
      return `${title}${head}A Keras 2 HDF5 model (\`${modelFile}\`, model.save layout). Input: NHWC float32, preprocessed as ${pre}. Output: ${sigmoid ? `one sigmoid unit, the probability of "${s.meta.classes[1]}"` : 'softmax probabilities'}. ${resize}With Keras (TensorFlow 2, Python):

\`\`\`python
import numpy as np, tensorflow as tf
labels = open('labels.txt').read().splitlines()
model = tf.keras.models.load_model('${modelFile}', compile=False)
img = tf.io.decode_image(open('photo.jpg', 'rb').read(), channels=3, expand_animations=False)
x = tf.image.resize(tf.cast(img, tf.float32), [${n}, ${n}], method='bilinear').numpy()
x = ${PY_PRE[img!.mode]}
p = model.predict(x[None], verbose=0)[0]
${sigmoid ? 'print({labels[0]: 1 - p[0], labels[1]: p[0]})' : 'print(dict(zip(labels, p)))'}
\`\`\`
`;
    case 'onnx':
      return `${title}${head}One ONNX model (\`${modelFile}\`, opset 13): backbone, pooling, head and ${sigmoid ? 'sigmoid' : 'softmax'}. Input \`${s.inputName}\`: NHWC float32 RGB pixels **0–255** (the preprocessing, ${pre}, is inside the graph). Output \`${s.outputName}\`: [batch, ${s.meta.classes.length}] probabilities in labels.txt order. ${resize}With ONNX Runtime in Python:

\`\`\`python
import numpy as np, onnxruntime as ort, tensorflow as tf  # tf only for the resize; PIL's differs slightly
labels = open('labels.txt').read().splitlines()
session = ort.InferenceSession('${modelFile}')
img = tf.io.decode_image(open('photo.jpg', 'rb').read(), channels=3, expand_animations=False)
x = tf.image.resize(tf.cast(img, tf.float32), [${n}, ${n}], method='bilinear').numpy()
p = session.run(['${s.outputName}'], {'${s.inputName}': x[None]})[0][0]
print(labels[int(p.argmax())], float(p.max()))
\`\`\`

With ONNX Runtime in Node (sharp's resize is close to, not exactly, the studio's):

\`\`\`js
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import fs from 'node:fs';
const labels = fs.readFileSync('labels.txt', 'utf8').trim().split('\\n');
const session = await ort.InferenceSession.create('${modelFile}');
const raw = await sharp('photo.jpg').removeAlpha().resize(${n}, ${n}, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
const x = new ort.Tensor('float32', Float32Array.from(raw), [1, ${n}, ${n}, 3]);
const p = (await session.run({ ${s.inputName}: x })).${s.outputName}.data;
console.log(Object.fromEntries(labels.map((l, i) => [l, p[i]])));
\`\`\`
`;
    case 'head':
      return `${title}${head}The head alone (\`${modelFile}\`, a Keras 2 HDF5 Sequential model): it takes the backbone's ${(s.meta.input as { features?: number }).features ?? ''}-d pooled features (${s.meta.backbone.name ?? s.meta.backbone.kind}), not images. Output: ${sigmoid ? `one sigmoid unit, the probability of "${s.meta.classes[1]}"` : 'softmax probabilities'}. With Keras (Python):

\`\`\`python
import numpy as np, tensorflow as tf
labels = open('labels.txt').read().splitlines()
head = tf.keras.models.load_model('${modelFile}', compile=False)
features = np.load('features.npy')  # n × ${(s.meta.input as { features?: number }).features ?? 'd'}, from the same backbone and preprocessing
p = head.predict(features, verbose=0)
${sigmoid ? 'print([{labels[0]: 1 - q[0], labels[1]: q[0]} for q in p])' : 'print([dict(zip(labels, q)) for q in p])'}
\`\`\`
`;
  }
}

/** Writes labels.txt and README.md into dir (the files around the model). */
export function writeCarriers(dir: string, s: SignatureInput, modelFile: string): void {
  fs.writeFileSync(path.join(dir, 'labels.txt'), labelsTxt(s.meta.classes));
  fs.writeFileSync(path.join(dir, 'README.md'), readme(s, modelFile));
}

/** Writes signature.json last: the checksums of every other file in dir, and the self-check. */
export function writeSignature(dir: string, s: SignatureInput): void {
  const files: Record<string, { sha256: string; bytes: number }> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (r !== 'signature.json') files[r] = { sha256: sha256(path.join(d, e.name)), bytes: fs.statSync(path.join(d, e.name)).size };
    }
  };
  walk(dir, '');
  fs.writeFileSync(path.join(dir, 'signature.json'), JSON.stringify(signature(s, files), null, 2) + '\n');
}
