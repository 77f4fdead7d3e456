/**
 * The official Keras Xception weights files, as published with the Keras
 * applications (md5 sums as in keras/applications/xception.py).
 */
export interface KnownWeights {
  id: 'xception-notop' | 'xception-top';
  fileName: string;
  url: string;
  md5: string;
  includeTop: boolean;
  description: string;
}

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications/xception/';

export const KNOWN_WEIGHTS: readonly KnownWeights[] = [
  {
    id: 'xception-notop',
    fileName: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: BASE + 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    md5: 'b0042744bf5b25fce3cb969f33bebb97',
    includeTop: false,
    description: 'Xception, ImageNet weights, without the top (feature extraction)',
  },
  {
    id: 'xception-top',
    fileName: 'xception_weights_tf_dim_ordering_tf_kernels.h5',
    url: BASE + 'xception_weights_tf_dim_ordering_tf_kernels.h5',
    md5: '0a58e3b7378bc2990ea3b43d5981f1f6',
    includeTop: true,
    description: 'Xception, ImageNet weights, with the 1000-class top',
  },
];

export function knownWeights(top: boolean): KnownWeights {
  return KNOWN_WEIGHTS.find((k) => k.includeTop === top)!;
}

export function knownByMd5(md5: string): KnownWeights | undefined {
  return KNOWN_WEIGHTS.find((k) => k.md5 === md5.toLowerCase());
}
