import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../../shared/errors.ts';
import { applyPreprocess, decodeImage, decodeRgb, parsePreprocessMode, PREPROCESS_MODES, resizeBilinear, resizePreprocessInto } from './preprocess.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-preprocess-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** w×h image whose left half is `left` and right half `right`. */
function halves(w: number, h: number, left: number[], right: number[], channels = 3): Buffer {
  const b = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const c = x < w / 2 ? left : right;
    for (let k = 0; k < channels; k++) b[(y * w + x) * channels + k] = c[k];
  }
  return b;
}

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('applyPreprocess', () => {
  const rgb = Float32Array.from([0, 127.5, 255, 10, 20, 30]);
  it("'tf' scales to [-1, 1] as Keras' xception.preprocess_input", () => {
    expect(Array.from(applyPreprocess('tf', rgb))).toEqual([-1, 0, 1, 10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1].map(Math.fround));
  });
  it("'torch' scales to [0,1] and normalises per channel with the ImageNet mean/std", () => {
    const out = applyPreprocess('torch', rgb);
    expect(out[0]).toBeCloseTo((0 - 0.485) / 0.229, 5);
    expect(out[1]).toBeCloseTo((0.5 - 0.456) / 0.224, 5);
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5);
    expect(out[5]).toBeCloseTo((30 / 255 - 0.406) / 0.225, 5);
  });
  it("'caffe' swaps to BGR and subtracts the ImageNet BGR means, no scaling", () => {
    const out = applyPreprocess('caffe', rgb);
    expect(out[0]).toBeCloseTo(255 - 103.939, 4);
    expect(out[1]).toBeCloseTo(127.5 - 116.779, 4);
    expect(out[2]).toBeCloseTo(0 - 123.68, 4);
    expect(out[3]).toBeCloseTo(30 - 103.939, 4);
  });
  it("'unit' is x / 255 and the input is left unchanged", () => {
    expect(Array.from(applyPreprocess('unit', rgb))).toEqual(Array.from(rgb).map((v) => Math.fround(v / 255)));
    expect(rgb[2]).toBe(255);
  });
  it('rejects unknown modes naming the flag', () => {
    expect(() => parsePreprocessMode('inception')).toThrow('preprocess: expected one of tf, torch, caffe, unit, raw, got "inception"');
  });

  it("'raw' leaves 0..255 as is (EfficientNet scales inside the model)", () => {
    const px = Float32Array.of(0, 127.5, 255);
    const out = applyPreprocess('raw', px);
    expect(Array.from(out)).toEqual([0, 127.5, 255]);
    expect(out).not.toBe(px);
  });
});

describe('resizeBilinear', () => {
  it('uses half-pixel centres like tf.image.resize(bilinear)', () => {
    // 2×2 → 4×4 of one channel replicated: TF gives 0, 2.5, 7.5, 10 along a row.
    const data = new Uint8Array([0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30]);
    const out = resizeBilinear({ width: 2, height: 2, data }, 4);
    const row = (y: number) => [0, 1, 2, 3].map((x) => out[(y * 4 + x) * 3]);
    expect(row(0)).toEqual([0, 2.5, 7.5, 10]);
    expect(row(1)).toEqual([5, 7.5, 12.5, 15]);
    expect(row(3)).toEqual([20, 22.5, 27.5, 30]);
  });
  it('copies pixels exactly when the image already has the size', () => {
    const data = Uint8Array.from({ length: 5 * 5 * 3 }, (_, i) => (i * 37) % 256);
    expect(Array.from(resizeBilinear({ width: 5, height: 5, data }, 5))).toEqual(Array.from(data));
  });
});

describe('resizePreprocessInto', () => {
  // The extraction pipeline's fused pass must give the very numbers of the two steps
  // (features, the cache and exports depend on them): compared bit for bit.
  const image = (w: number, h: number, seed: number) => ({ width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => ((i + seed) * 2654435761) >>> 24) });
  const shapes: [number, number, number][] = [[500, 375, 224], [500, 375, 299], [375, 500, 299], [120, 90, 224], [7, 300, 31], [2, 2, 4], [33, 33, 33], [1, 1, 5], [640, 480, 1]];
  for (const mode of PREPROCESS_MODES) {
    it(`'${mode}': the same float32 bits as applyPreprocess(resizeBilinear), down, up, equal and odd shapes`, () => {
      for (const [w, h, size] of shapes) {
        const img = image(w, h, w * 31 + size);
        const expected = applyPreprocess(mode, resizeBilinear(img, size));
        const per = size * size * 3;
        const out = new Float32Array(3 * per).fill(Number.NaN);
        resizePreprocessInto(img, size, mode, out, per);
        const got = new Uint32Array(out.buffer, per * 4, per);
        const want = new Uint32Array(expected.buffer);
        let firstDiff = -1;
        for (let i = 0; i < per && firstDiff < 0; i++) if (got[i] !== want[i]) firstDiff = i;
        expect({ w, h, size, firstDiff }).toEqual({ w, h, size, firstDiff: -1 });
        expect(out.subarray(0, per).every(Number.isNaN) && out.subarray(2 * per).every(Number.isNaN)).toBe(true); // only its slot written
      }
    });
  }
  it('refuses a slot that does not fit', () => {
    expect(() => resizePreprocessInto(image(4, 4, 0), 4, 'tf', new Float32Array(4 * 4 * 3), 1)).toThrow(/do not fit/);
  });
});

describe('decodeImage', () => {
  it('does not resize an image already at the input size (pixels exact, PNG)', async () => {
    const raw = Buffer.from(Uint8Array.from({ length: 7 * 7 * 3 }, (_, i) => (i * 53) % 256));
    const f = path.join(dir, 'exact.png');
    await sharp(raw, { raw: { width: 7, height: 7, channels: 3 } }).png().toFile(f);
    expect(Array.from(await decodeImage(f, 7))).toEqual(Array.from(raw));
  });

  it('applies the EXIF orientation', async () => {
    // Stored 64×32, left red / right blue; orientation 6 = display rotated 90° clockwise → 32×64, top red.
    const f = path.join(dir, 'rotated.jpg');
    await sharp(halves(64, 32, [255, 0, 0], [0, 0, 255]), { raw: { width: 64, height: 32, channels: 3 } })
      .jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(f);
    const img = await decodeRgb(f);
    expect([img.width, img.height]).toEqual([32, 64]);
    const top = px(img, 16, 8);
    const bottom = px(img, 16, 56);
    expect(top[0]).toBeGreaterThan(200);
    expect(top[2]).toBeLessThan(60);
    expect(bottom[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeLessThan(60);
  });

  it('makes greyscale RGB, drops alpha without compositing, reduces 16-bit, converts CMYK', async () => {
    const grey = path.join(dir, 'grey.png');
    await sharp(Buffer.alloc(8 * 8, 90), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(grey);
    expect(px(await decodeRgb(grey), 3, 3)).toEqual([90, 90, 90]);

    const alpha = path.join(dir, 'alpha.png');
    await sharp(halves(8, 8, [10, 20, 30, 0], [200, 100, 50, 255], 4), { raw: { width: 8, height: 8, channels: 4 } }).png().toFile(alpha);
    const a = await decodeRgb(alpha);
    expect(px(a, 1, 1)).toEqual([10, 20, 30]);
    expect(px(a, 6, 1)).toEqual([200, 100, 50]);

    const deep = path.join(dir, 'deep.png');
    await sharp(halves(8, 8, [40, 80, 120], [250, 5, 128]), { raw: { width: 8, height: 8, channels: 3 } }).toColourspace('rgb16').png().toFile(deep);
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const d = await decodeRgb(deep);
    expect(px(d, 1, 1)).toEqual([40, 80, 120]);
    expect(px(d, 6, 6)).toEqual([250, 5, 128]);

    const cmyk = path.join(dir, 'cmyk.jpg');
    await sharp(halves(16, 16, [200, 40, 40], [40, 40, 200]), { raw: { width: 16, height: 16, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 100 }).toFile(cmyk);
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const c = await decodeRgb(cmyk);
    const [r, g, b] = px(c, 2, 8);
    expect(r).toBeGreaterThan(150);
    expect(g).toBeLessThan(90);
    expect(b).toBeLessThan(90);
  });

  it('resizes any size to size × size and returns 0..255 floats', async () => {
    const f = path.join(dir, 'wide.jpg');
    await sharp(halves(120, 40, [255, 255, 255], [0, 0, 0]), { raw: { width: 120, height: 40, channels: 3 } }).jpeg().toFile(f);
    const out = await decodeImage(f, 71);
    expect(out.length).toBe(71 * 71 * 3);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(255);
    expect(out[(35 * 71 + 5) * 3]).toBeGreaterThan(200);
    expect(out[(35 * 71 + 65) * 3]).toBeLessThan(50);
  });

  it('a broken file is a StudioError naming it', async () => {
    const f = path.join(dir, 'broken.jpg');
    fs.writeFileSync(f, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const e = await decodeImage(f, 71).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StudioError);
    expect((e as Error).message).toContain(f);
  });
});
