import { fieldError } from './errors.ts';

/**
 * How pixels become network input. The same two steps are used by feature
 * extraction, fine-tuning and export, so a model always sees what it was
 * trained on:
 *   1. decodeImage: file → RGB, HWC, float 0..255 at size × size;
 *   2. applyPreprocess: Keras' `preprocess_input` modes, or plain x / 255.
 *
 * Bump PREPROCESS_VERSION whenever either step changes numerically: cached
 * features are keyed by it.
 */
export const PREPROCESS_VERSION = 1;

/**
 * - 'tf':    x / 127.5 − 1, range [-1, 1] (Xception, Inception, MobileNet)
 * - 'torch': x / 255, then per channel (x − [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
 * - 'caffe': RGB → BGR, then minus the ImageNet BGR means [103.939, 116.779, 123.68]
 * - 'unit':  x / 255, range [0, 1]
 * - 'raw':   0..255 unchanged, for networks that scale inside the model (EfficientNet)
 */
export type PreprocessMode = 'tf' | 'torch' | 'caffe' | 'unit' | 'raw';
export const PREPROCESS_MODES: readonly PreprocessMode[] = ['tf', 'torch', 'caffe', 'unit', 'raw'];

/**
 * Resize method, stated in export metadata: bilinear with half-pixel centres
 * and no antialiasing, exactly as `tf.image.resize(method='bilinear')` and so
 * Keras' `image_dataset_from_directory`. No resize when the image already has
 * the input size.
 */
export const INTERPOLATION = 'bilinear' as const;

export function isPreprocessMode(v: string): v is PreprocessMode {
  return (PREPROCESS_MODES as readonly string[]).includes(v);
}

export function parsePreprocessMode(v: string, field = 'preprocess'): PreprocessMode {
  if (!isPreprocessMode(v)) throw fieldError('invalid-argument', field, `expected one of ${PREPROCESS_MODES.join(', ')}, got "${v}"`);
  return v;
}

/** What export metadata states about the input pipeline. */
export function preprocessDescription(mode: PreprocessMode, inputSize: number): {
  mode: PreprocessMode;
  inputSize: number;
  interpolation: typeof INTERPOLATION;
  halfPixelCenters: true;
  antialias: false;
  channelOrder: 'RGB';
  layout: 'NHWC';
  preprocessVersion: number;
} {
  return { mode, inputSize, interpolation: INTERPOLATION, halfPixelCenters: true, antialias: false, channelOrder: 'RGB', layout: 'NHWC', preprocessVersion: PREPROCESS_VERSION };
}
