import sharp from 'sharp';
import { StudioError } from '../../shared/errors.ts';

// The modes, their version and what export metadata says of them are plain facts shared
// with the core (src/shared/preprocess-modes.ts); the pixels are worked on here.
export { INTERPOLATION, PREPROCESS_MODES, PREPROCESS_VERSION, isPreprocessMode, parsePreprocessMode, preprocessDescription, type PreprocessMode } from '../../shared/preprocess-modes.ts';
import type { PreprocessMode } from '../../shared/preprocess-modes.ts';

/** Decoded 8-bit RGB pixels, HWC, before resizing. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes any image sharp reads into 8-bit RGB: EXIF orientation applied,
 * alpha dropped (not composited, like PIL's convert('RGB')), greyscale and
 * CMYK converted to sRGB, 16-bit reduced to 8-bit. Embedded ICC profiles are
 * ignored, as TensorFlow's and PIL's decoders do.
 */
export async function decodeRgb(file: string): Promise<RgbImage> {
  try {
    // ignoreIcc: TF's decode_jpeg/png and PIL ignore embedded colour profiles,
    // so the numbers match what Keras would compute from the same file.
    // failOn 'warning', as the thumbnailer: a truncated or lying file ("premature end
    // of JPEG") must get no features rather than those of a grey half-decode.
    const { data, info } = await sharp(file, { failOn: 'warning', ignoreIcc: true })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new StudioError('invalid-argument', `${file}: expected 3 colour channels after decoding, found ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError('invalid-argument', `cannot decode image ${file}: ${(e as Error).message}`);
  }
}

/**
 * Bilinear resize of HWC uint8 RGB to size × size floats, with TF's
 * half-pixel centres: src = (dst + 0.5) · scale − 0.5, clamped at the edges.
 */
export function resizeBilinear(img: RgbImage, size: number): Float32Array {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(size * size * 3);
  if (w === size && h === size) {
    for (let i = 0; i < out.length; i++) out[i] = data[i];
    return out;
  }
  const sy = h / size;
  const sx = w / size;
  // Precompute the horizontal taps once per column.
  const x0s = new Int32Array(size);
  const x1s = new Int32Array(size);
  const fxs = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const fx = Math.max(0, (x + 0.5) * sx - 0.5);
    const x0 = Math.min(Math.floor(fx), w - 1);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, w - 1);
    fxs[x] = fx - x0;
  }
  for (let y = 0; y < size; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), h - 1);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    const row0 = y0 * w * 3;
    const row1 = y1 * w * 3;
    for (let x = 0; x < size; x++) {
      const a = row0 + x0s[x] * 3;
      const b = row0 + x1s[x] * 3;
      const c = row1 + x0s[x] * 3;
      const d = row1 + x1s[x] * 3;
      const dx = fxs[x];
      const o = (y * size + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = data[a + ch] + (data[b + ch] - data[a + ch]) * dx;
        const bottom = data[c + ch] + (data[d + ch] - data[c + ch]) * dx;
        out[o + ch] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

/** File → RGB HWC float 0..255 at size × size (see INTERPOLATION). */
export async function decodeImage(file: string, size: number): Promise<Float32Array> {
  return resizeBilinear(await decodeRgb(file), size);
}

const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];
const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];

/**
 * Applies a preprocessing mode to RGB HWC 0..255 pixels (any number of
 * images back to back). Returns a new array; the input is left unchanged.
 */
export function applyPreprocess(mode: PreprocessMode, pixels: Float32Array): Float32Array {
  const out = new Float32Array(pixels.length);
  switch (mode) {
    case 'tf':
      for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 127.5 - 1;
      break;
    case 'raw':
      out.set(pixels);
      break;
    case 'unit':
      for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
      break;
    case 'torch':
      for (let i = 0; i < pixels.length; i += 3) {
        for (let c = 0; c < 3; c++) out[i + c] = (pixels[i + c] / 255 - TORCH_MEAN[c]) / TORCH_STD[c];
      }
      break;
    case 'caffe':
      for (let i = 0; i < pixels.length; i += 3) {
        out[i] = pixels[i + 2] - CAFFE_MEAN_BGR[0];
        out[i + 1] = pixels[i + 1] - CAFFE_MEAN_BGR[1];
        out[i + 2] = pixels[i] - CAFFE_MEAN_BGR[2];
      }
      break;
    default: {
      const never: never = mode;
      throw new StudioError('invalid-argument', `unknown preprocess mode ${String(never)}`);
    }
  }
  return out;
}

