import * as tf from '@tensorflow/tfjs';
import { kerasWeightsOf, writeKerasModel } from '../keras-h5.ts';

/**
 * A tf.layers model as a Keras 2 HDF5 model file (model.save layout): root
 * attributes keras_version, backend and model_config (the model's Keras JSON
 * config, as tfjs serializes it for Keras), weights in model_weights.
 */
export async function saveKerasModel(model: tf.LayersModel, file: string): Promise<void> {
  const modelConfig = model.toJSON(null, false) as { config?: unknown; class_name?: string };
  await writeKerasModel(file, { modelConfig: { class_name: modelConfig.class_name, config: modelConfig.config }, layers: kerasWeightsOf(model) });
}
