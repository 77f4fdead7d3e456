import type * as tf from '@tensorflow/tfjs';
import type { KerasLayerWeights } from '../keras-h5.ts';
import { buildXception } from '../xception.ts';
import { BUILTIN_FACTS, type BuiltinFacts, type BuiltinName } from '../../../shared/backbone-catalog.ts';
import { adaptEfficientNetFileLayer, buildEfficientNetB0, efficientNetB0BlockOf } from './efficientnet-b0.ts';
import type { BuildOptions } from './layers.ts';
import { buildMobileNetV2, mobileNetV2BlockOf } from './mobilenet-v2.ts';
import { buildResNet50, resNet50BlockOf } from './resnet50.ts';

export { BUILTIN_FACTS, BUILTIN_NAMES, isBuiltinName, type BuiltinFacts, type BuiltinName } from '../../../shared/backbone-catalog.ts';

/**
 * The built-in backbones: Keras applications rebuilt in tf.layers with
 * Keras' topology, layer names and weight order, so the official Keras HDF5
 * files load into them. backbone.ts, fine-tuning and the weights check go
 * through this list by name (catalog.ts holds the facts without TF.js).
 */
export interface BuiltinBackbone extends BuiltinFacts {
  build(o: BuildOptions): tf.LayersModel;
  /** The block a layer belongs to, for fineTune.trainableFrom; null for layers outside every block. */
  blockOf(layer: string): number | null;
  /** For Keras layers TF.js spells differently (see keras-h5 LoadOptions). */
  adaptFileLayer?(l: KerasLayerWeights, where: string): KerasLayerWeights;
}

export const BUILTIN_BACKBONES: Record<BuiltinName, BuiltinBackbone> = {
  xception: { ...BUILTIN_FACTS.xception, build: (o) => buildXception(o), blockOf: xceptionBlockOf },
  mobilenet_v2: { ...BUILTIN_FACTS.mobilenet_v2, build: buildMobileNetV2, blockOf: mobileNetV2BlockOf },
  resnet50: { ...BUILTIN_FACTS.resnet50, build: buildResNet50, blockOf: resNet50BlockOf },
  efficientnet_b0: { ...BUILTIN_FACTS.efficientnet_b0, build: buildEfficientNetB0, blockOf: efficientNetB0BlockOf, adaptFileLayer: adaptEfficientNetFileLayer },
};

export function builtinBackbone(name: BuiltinName): BuiltinBackbone {
  return BUILTIN_BACKBONES[name];
}
/** The first Xception block a layer belongs to (the residual convs/BNs by their generated names). */
const XCEPTION_RESIDUAL_BLOCKS = [2, 3, 4, 13];
export function xceptionBlockOf(layerName: string): number | null {
  const m = /^block(\d+)_/.exec(layerName);
  if (m) return Number(m[1]);
  const r = /^(conv2d|batch_normalization)_(\d+)$/.exec(layerName);
  if (r) return XCEPTION_RESIDUAL_BLOCKS[Number(r[2]) - 1] ?? null;
  return null;
}
