import type { SeededRandom } from '../common/random.ts';
import type { AugmentationConfig } from '../../shared/run-config.ts';

/**
 * Random image augmentation like Keras' ImageDataGenerator, on one RGB HWC
 * image of 0..255 floats (before preprocessing): one affine transform
 * (rotation, zoom, shifts) sampled bilinearly with fill_mode 'nearest'
 * (coordinates clamped to the edge), then flips and a brightness factor.
 * Every random draw comes from the given SeededRandom.
 */
export function augmentImage(src: Float32Array, size: number, cfg: AugmentationConfig, rng: SeededRandom): Float32Array {
  const theta = cfg.rotation > 0 ? (rng.uniform(-cfg.rotation, cfg.rotation) * Math.PI) / 180 : 0;
  const zx = cfg.zoom > 0 ? rng.uniform(1 - cfg.zoom, 1 + cfg.zoom) : 1;
  const zy = cfg.zoom > 0 ? rng.uniform(1 - cfg.zoom, 1 + cfg.zoom) : 1;
  const tx = cfg.widthShift > 0 ? rng.uniform(-cfg.widthShift, cfg.widthShift) * size : 0;
  const ty = cfg.heightShift > 0 ? rng.uniform(-cfg.heightShift, cfg.heightShift) * size : 0;
  const flipH = cfg.horizontalFlip && rng.next() < 0.5;
  const flipV = cfg.verticalFlip && rng.next() < 0.5;
  const bright = cfg.brightness ? rng.uniform(cfg.brightness[0], cfg.brightness[1]) : 1;

  const out = new Float32Array(src.length);
  const c = (size - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const clamp = (v: number): number => (v < 0 ? 0 : v > size - 1 ? size - 1 : v);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ox = flipH ? size - 1 - x : x;
      const oy = flipV ? size - 1 - y : y;
      // Output → input coordinates (Keras composes rotation · shift · zoom about the centre).
      const dx = (x - c) * zx;
      const dy = (y - c) * zy;
      const sx = clamp(c + cos * dx - sin * dy + tx);
      const sy = clamp(c + sin * dx + cos * dy + ty);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(size - 1, x0 + 1);
      const y1 = Math.min(size - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (oy * size + ox) * 3;
      const a = (y0 * size + x0) * 3;
      const b = (y0 * size + x1) * 3;
      const d = (y1 * size + x0) * 3;
      const e = (y1 * size + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch] + (src[b + ch] - src[a + ch]) * fx;
        const bottom = src[d + ch] + (src[e + ch] - src[d + ch]) * fx;
        const v = (top + (bottom - top) * fy) * bright;
        out[o + ch] = v > 255 ? 255 : v;
      }
    }
  }
  return out;
}
