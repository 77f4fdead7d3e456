import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Saves a tf.layers model as model.json + one binary shard, the format
 * tf.loadLayersModel reads (tfjs-node's file:// handler is not needed:
 * tfjs-core's IOHandler contract is written out directly).
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, userDefinedMetadata?: Record<string, object>): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
      const data = Buffer.concat(parts.map((b) => Buffer.from(b)));
      const shard = 'group1-shard1of1.bin';
      fs.writeFileSync(path.join(dir, shard), data);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (Xception Studio)`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs ?? [] }],
        ...(userDefinedMetadata ? { userDefinedMetadata } : {}),
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    }),
  );
}
