import { describe, expect, it } from 'vitest';
import { augmentImage } from './augment.ts';
import { SeededRandom } from '../common/random.ts';
import { parseRunConfig } from '../../shared/run-config.ts';

const size = 8;
const image = Float32Array.from({ length: size * size * 3 }, (_, i) => (i * 7) % 256);
const off = { horizontalFlip: false, verticalFlip: false, rotation: 0, zoom: 0, widthShift: 0, heightShift: 0, brightness: null };

describe('augmentImage', () => {
  it('is the identity with every transform off', () => {
    expect(Array.from(augmentImage(image, size, off, new SeededRandom(1)))).toEqual(Array.from(image));
  });

  it('flips horizontally when asked (about half the time) and repeats with a seed', () => {
    let flips = 0;
    const rng = new SeededRandom(3);
    for (let k = 0; k < 40; k++) {
      const out = augmentImage(image, size, { ...off, horizontalFlip: true }, rng);
      if (out[0] !== image[0]) {
        flips++;
        // Pixel (0,0) comes from (0, size-1).
        expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(image.subarray((size - 1) * 3, size * 3)));
      } else expect(Array.from(out)).toEqual(Array.from(image));
    }
    expect(flips).toBeGreaterThan(10);
    expect(flips).toBeLessThan(30);
    const cfg = parseRunConfig({}).fineTune.augmentation!;
    expect(Array.from(augmentImage(image, size, cfg, new SeededRandom(9)))).toEqual(Array.from(augmentImage(image, size, cfg, new SeededRandom(9))));
  });

  it('scales brightness within its range and keeps values in 0..255', () => {
    const out = augmentImage(image, size, { ...off, brightness: [1.5, 1.5] }, new SeededRandom(1));
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(Math.min(255, image[i] * 1.5), 3);
  });
});
