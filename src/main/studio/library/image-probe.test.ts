import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageBuffer, writeCorruptJpeg, writeNotAnImage, writePixelBomb, writeTruncatedImage, type TestImageFormat } from '../../../../test/helpers/make-images.ts';
import sharp from 'sharp';
import { decodeBmp } from './bmp.ts';
import { headerDimensions } from './header-dimensions.ts';
import { probeImage } from './image-probe.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-probe-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const formats: TestImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'bmp'];

describe('probeImage', () => {
  it.each(formats)('reads %s dimensions from the header', async (format) => {
    const r = await probeImage(await imageBuffer({ format, width: 37, height: 21 }));
    expect(r).toMatchObject({ ok: true, format, width: 37, height: 21 });
    expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(['jpeg', 'png', 'webp', 'gif', 'bmp', 'tiff'] as TestImageFormat[])('reports a truncated %s as failed', async (format) => {
    const file = await writeTruncatedImage(path.join(dir, `t.${format}`), format);
    const r = await probeImage(fs.readFileSync(file));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/truncated|unreadable/);
  });

  it('reports empty files, non-images and pixel bombs with reasons', async () => {
    expect(await probeImage(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty file (0 bytes)' });
    expect(await probeImage(fs.readFileSync(writeNotAnImage(path.join(dir, 'n.jpg'))))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not an image/) });
    const bomb = await probeImage(fs.readFileSync(writePixelBomb(path.join(dir, 'bomb.png'))));
    expect(bomb).toMatchObject({ ok: false, width: 50000, height: 50000, reason: expect.stringMatching(/2500 megapixels, over the limit of 100/) });
    const small = await probeImage(await imageBuffer({ width: 40, height: 30 }), 1000);
    expect(small).toMatchObject({ ok: false, reason: expect.stringMatching(/over the limit/) });
  });

  it('passes a JPEG damaged inside (only a full decode finds it)', async () => {
    const r = await probeImage(fs.readFileSync(await writeCorruptJpeg(path.join(dir, 'c.jpg'))));
    expect(r.ok).toBe(true);
  });

  it('decodes the BMPs it indexes', async () => {
    const { width, height, rgb } = decodeBmp(await imageBuffer({ format: 'bmp', width: 5, height: 3, color: [200, 100, 50] }));
    expect([width, height, rgb.length]).toEqual([5, 3, 45]);
  });
});

describe('headerDimensions', () => {
  it('agrees with sharp on baseline/progressive JPEG, PNG, GIF and lossy/lossless/alpha WebP', async () => {
    const raw = (w: number, h: number, channels: 3 | 4) => sharp(Buffer.alloc(w * h * channels, 128), { raw: { width: w, height: h, channels } });
    const cases: [Buffer, 'jpeg' | 'png' | 'gif' | 'webp'][] = [
      [await raw(301, 17, 3).jpeg().toBuffer(), 'jpeg'],
      [await raw(64, 999, 3).jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer(), 'jpeg'],
      [await raw(5, 7, 4).png().toBuffer(), 'png'],
      [await raw(130, 3, 3).gif().toBuffer(), 'gif'],
      [await raw(77, 55, 3).webp().toBuffer(), 'webp'],
      [await raw(77, 55, 3).webp({ lossless: true }).toBuffer(), 'webp'],
      [await raw(91, 33, 4).webp({ alphaQuality: 50 }).toBuffer(), 'webp'],
    ];
    for (const [buf, format] of cases) {
      const meta = await sharp(buf).metadata();
      expect(headerDimensions(buf, format)).toEqual({ width: meta.width, height: meta.height });
    }
  });
});
