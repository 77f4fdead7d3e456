import type { PreprocessMode } from './preprocess-modes.ts';

/**
 * What the studio knows about each built-in backbone without building it:
 * sizes, preprocessing, Keras' published figures and the official weights
 * files. Pure data (no TF.js import), so the core process (weights cache,
 * feature store, CLI listings) can use it without loading the ML stack;
 * index.ts adds the builders.
 */
export const BUILTIN_NAMES = ['xception', 'mobilenet_v2', 'resnet50', 'efficientnet_b0'] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

export interface OfficialWeightsFile {
  fileName: string;
  url: string;
  /** As keras/applications publishes it; null when Keras checks no hash (MobileNetV2). */
  md5: string | null;
}

export interface BuiltinFacts {
  name: BuiltinName;
  displayName: string;
  /** Keras' default (native) input size. */
  defaultInput: number;
  /** The smallest input the network takes. */
  minInput: number;
  featureDim: number;
  /** The feature layer (average pooling) name in the no-top model. */
  featureLayer: string;
  /** Applied before the network ('raw' for EfficientNet, which scales inside the model). */
  preprocess: PreprocessMode;
  /** Keras' published parameter count, include_top=False. */
  kerasParamsNoTop: number;
  /** ImageNet top-1 accuracy as the Keras applications table publishes it. */
  imagenetTop1: number;
  weights: { notop: OfficialWeightsFile; top: OfficialWeightsFile };
  /** What fineTune.trainableFrom's block numbers mean. */
  blocks: { first: number; last: number; describe: string };
}

const KERAS = 'https://storage.googleapis.com/tensorflow/keras-applications/';

export const BUILTIN_FACTS: Record<BuiltinName, BuiltinFacts> = {
  xception: {
    name: 'xception', displayName: 'Xception', defaultInput: 299, minInput: 71, featureDim: 2048,
    featureLayer: 'avg_pool', preprocess: 'tf', kerasParamsNoTop: 20_861_480, imagenetTop1: 0.790,
    weights: {
      notop: { fileName: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5', url: `${KERAS}xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5`, md5: 'b0042744bf5b25fce3cb969f33bebb97' },
      top: { fileName: 'xception_weights_tf_dim_ordering_tf_kernels.h5', url: `${KERAS}xception/xception_weights_tf_dim_ordering_tf_kernels.h5`, md5: '0a58e3b7378bc2990ea3b43d5981f1f6' },
    },
    blocks: { first: 1, last: 14, describe: 'block1…block14 (residual convs with their block)' },
  },
  mobilenet_v2: {
    name: 'mobilenet_v2', displayName: 'MobileNetV2', defaultInput: 224, minInput: 32, featureDim: 1280,
    featureLayer: 'global_average_pooling2d', preprocess: 'tf', kerasParamsNoTop: 2_257_984, imagenetTop1: 0.713,
    weights: {
      notop: { fileName: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5', url: `${KERAS}mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5`, md5: null },
      top: { fileName: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5', url: `${KERAS}mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5`, md5: null },
    },
    blocks: { first: 0, last: 17, describe: '0 = Conv1 + expanded_conv, 1…16 = block_1…block_16, 17 = Conv_1' },
  },
  resnet50: {
    name: 'resnet50', displayName: 'ResNet50', defaultInput: 224, minInput: 32, featureDim: 2048,
    featureLayer: 'avg_pool', preprocess: 'caffe', kerasParamsNoTop: 23_587_712, imagenetTop1: 0.749,
    weights: {
      notop: { fileName: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', url: `${KERAS}resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`, md5: '4d473c1dd8becc155b73f8504c6f6626' },
      top: { fileName: 'resnet50_weights_tf_dim_ordering_tf_kernels.h5', url: `${KERAS}resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5`, md5: '2cb95161c43110f7111970584f804107' },
    },
    blocks: { first: 1, last: 5, describe: 'stages: 1 = conv1, 2…5 = conv2…conv5' },
  },
  efficientnet_b0: {
    name: 'efficientnet_b0', displayName: 'EfficientNetB0', defaultInput: 224, minInput: 32, featureDim: 1280,
    featureLayer: 'avg_pool', preprocess: 'raw', kerasParamsNoTop: 4_049_571, imagenetTop1: 0.771,
    weights: {
      // EfficientNet's files sit outside the tensorflow/ prefix.
      notop: { fileName: 'efficientnetb0_notop.h5', url: 'https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5', md5: '50bc09e76180e00e4465e1a485ddc09d' },
      top: { fileName: 'efficientnetb0.h5', url: 'https://storage.googleapis.com/keras-applications/efficientnetb0.h5', md5: '902e53a9f72be733fc0bcb005b3ebbac' },
    },
    blocks: { first: 0, last: 8, describe: '0 = stem, 1…7 = block1…block7, 8 = top_conv' },
  },
};

export function isBuiltinName(v: string): v is BuiltinName {
  return (BUILTIN_NAMES as readonly string[]).includes(v);
}
