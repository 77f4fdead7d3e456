import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbone.ts';
import { assignHeadWeights, headToLayers, type HeadWeights } from '../head.ts';

/**
 * The whole classifier as one tf.layers model: the backbone's image input →
 * its feature → the head's Dense/Dropout layers → class probabilities (one
 * sigmoid unit for two classes, softmax over N). The input is the
 * preprocessed image (NHWC); the export metadata says how to preprocess.
 */
export function buildClassifier(backbone: Backbone, head: HeadWeights, name = 'xstudio_classifier'): tf.LayersModel {
  let x = backbone.model.outputs[0];
  if (x.shape.length !== 2) x = tf.layers.flatten({ name: 'head_flatten' }).apply(x) as tf.SymbolicTensor;
  const layers = headToLayers(head);
  for (const l of layers) x = l.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: backbone.model.inputs, outputs: x, name });
  tf.tidy(() => assignHeadWeights(layers, head));
  return model;
}

/** Converts the model's output (n × 1 sigmoid, or n × C softmax) into n × C probabilities. */
export function outputToProbs(out: Float32Array | Int32Array | Uint8Array, n: number, numClasses: number): Float32Array {
  const probs = new Float32Array(n * numClasses);
  if (numClasses === 2 && out.length === n) {
    for (let i = 0; i < n; i++) {
      probs[i * 2] = 1 - out[i];
      probs[i * 2 + 1] = out[i];
    }
  } else probs.set(out);
  return probs;
}
