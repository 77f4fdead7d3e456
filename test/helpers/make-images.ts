// Test images made at run time: valid JPEG/PNG/WebP/GIF/TIFF/BMP files of
// given sizes and colours, and every kind of bad input the importer must
// survive. Shared by the tests of every helper and by the benchmarks.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { encodeBmp24 } from '../../src/main/studio/library/bmp.ts';

export type TestImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bmp';
export type Rgb = [number, number, number];

export interface ImageSpec {
  format?: TestImageFormat;
  width?: number;
  height?: number;
  /** Base colour; the image is a gradient around it so that it has real content. Default: colorFor(0). */
  color?: Rgb;
  /** JPEG/WebP quality (default 85). */
  quality?: number;
}

/** A distinct colour for each index, so that images made from different indexes have different content. */
export function colorFor(i: number): Rgb {
  const x = (i * 2654435761) >>> 0;
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff];
}

/** Packed RGB pixels: a soft gradient around `color` (JPEG-friendly, never blank). */
export function gradientPixels(width: number, height: number, color: Rgb): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const d = Math.round(((x / Math.max(1, width - 1)) - 0.5) * 60 + ((y / Math.max(1, height - 1)) - 0.5) * 40);
      px[o] = clamp(color[0] + d);
      px[o + 1] = clamp(color[1] - d);
      px[o + 2] = clamp(color[2] + (d >> 1));
    }
  }
  return px;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

export async function imageBuffer(spec: ImageSpec = {}): Promise<Buffer> {
  const { format = 'jpeg', width = 32, height = 24, color = colorFor(0), quality = 85 } = spec;
  const px = gradientPixels(width, height, color);
  if (format === 'bmp') return encodeBmp24(px, width, height);
  const img = sharp(px, { raw: { width, height, channels: 3 } });
  switch (format) {
    case 'jpeg': return img.jpeg({ quality }).toBuffer();
    case 'png': return img.png().toBuffer();
    case 'webp': return img.webp({ quality }).toBuffer();
    case 'gif': return img.gif().toBuffer();
    case 'tiff': return img.tiff().toBuffer();
  }
}

/** Writes a valid image (creating folders); returns the path. */
export async function writeImage(file: string, spec: ImageSpec = {}): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await imageBuffer(spec));
  return file;
}

/**
 * Writes many images under `root`, e.g. `{ 'cat/1.jpg': {}, 'dog/2.png': { format: 'png' } }`.
 * Images without a colour get a distinct one each.
 */
export async function writeImages(root: string, files: Record<string, ImageSpec>): Promise<string[]> {
  const out: string[] = [];
  let i = 1;
  for (const [rel, spec] of Object.entries(files)) {
    out.push(await writeImage(path.join(root, rel), { color: colorFor(i++), ...spec }));
  }
  return out;
}

/**
 * Packed RGB pixels with the detail of a photo: value noise in octaves from
 * 96 px blobs down to single-pixel grain (amplitude roughly ∝ scale, as the
 * 1/f spectrum of natural images), around `color`. A 500 × 375 JPEG of it at
 * quality 90 is ~25–35 KB (1.1–1.5 bits per pixel), like the originals of
 * Kaggle's dogs-vs-cats photos, where a gradient is ~3 KB: what a decoder
 * costs depends on that entropy. Deterministic in `seed`.
 */
export function photoPixels(width: number, height: number, color: Rgb, seed = 1): Buffer {
  let state = (seed * 2654435761) >>> 0 || 1;
  const rand = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const acc = new Float32Array(width * height * 3);
  for (const [cell, amp] of [[96, 70], [32, 40], [8, 22], [2, 12], [1, 7]] as const) {
    const gw = Math.ceil(width / cell) + 2;
    const gh = Math.ceil(height / cell) + 2;
    const grid = Float32Array.from({ length: gw * gh * 3 }, rand);
    for (let y = 0; y < height; y++) {
      const gy = y / cell;
      const y0 = Math.floor(gy);
      const ty = gy - y0;
      for (let x = 0; x < width; x++) {
        const gx = x / cell;
        const x0 = Math.floor(gx);
        const tx = gx - x0;
        const a = (y0 * gw + x0) * 3;
        const b = a + gw * 3;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          const top = grid[a + c] + (grid[a + 3 + c] - grid[a + c]) * tx;
          const bottom = grid[b + c] + (grid[b + 3 + c] - grid[b + c]) * tx;
          acc[o + c] += amp * (top + (bottom - top) * ty);
        }
      }
    }
  }
  const px = Buffer.alloc(width * height * 3);
  for (let i = 0; i < px.length; i++) px[i] = clamp(Math.round(color[i % 3] + acc[i]));
  return px;
}

/** A photo-like JPEG (photoPixels), quality 90 by default. */
export async function photoJpeg(width: number, height: number, color: Rgb, seed = 1, quality = 90): Promise<Buffer> {
  return sharp(photoPixels(width, height, color, seed), { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/**
 * `n` valid, distinct JPEGs from one encoded image: each copy carries its index
 * in a JPEG comment segment, so the content hash differs but decoding costs
 * nothing extra. Fast enough to make 25,000 files for a benchmark.
 */
export function jpegVariant(jpeg: Buffer, n: number): Buffer {
  const text = Buffer.from(`xstudio test image ${n}`, 'latin1');
  const segment = Buffer.alloc(4 + text.length);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(text.length + 2, 2);
  text.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

// ---- bad inputs -------------------------------------------------------------

export function writeEmptyFile(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.alloc(0));
  return file;
}

/** A text file with an image extension. */
export function writeNotAnImage(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'this is a text file pretending to be an image\n'.repeat(20));
  return file;
}

/** A valid image of `format` cut off after `keep` of its bytes. */
export async function writeTruncatedImage(file: string, format: TestImageFormat = 'jpeg', keep = 0.6): Promise<string> {
  const full = await imageBuffer({ format, width: 64, height: 48, color: [200, 60, 30] });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, full.subarray(0, Math.floor(full.length * keep)));
  return file;
}

/**
 * A JPEG whose header and end marker are intact but whose scan data lost its
 * middle: the cheap end check passes, only a full decode finds the damage.
 */
export async function writeCorruptJpeg(file: string): Promise<string> {
  const full = await imageBuffer({ format: 'jpeg', width: 96, height: 96, color: [10, 120, 240], quality: 95 });
  const sos = full.indexOf(Buffer.from([0xff, 0xda]));
  const cutFrom = sos + Math.floor((full.length - sos) * 0.3);
  const damaged = Buffer.concat([full.subarray(0, cutFrom), Buffer.from([0xff, 0xd9])]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, damaged);
  return file;
}

/** A tiny PNG whose header claims `width`×`height` pixels: a decompression bomb as far as the header goes. */
export function writePixelBomb(file: string, width = 50_000, height = 50_000): string {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(width * 3 + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return file;
}

/** A symbolic link to a file that does not exist. */
export function makeBrokenSymlink(link: string): string {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.join(path.dirname(link), 'no-such-target.jpg'), link);
  return link;
}

/** A symbolic link inside `dir` pointing back at `dir` itself (a loop for a naive walker). */
export function makeSymlinkLoop(dir: string, name = 'loop'): string {
  const link = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(dir, link, 'dir');
  return link;
}

/** Writes a valid JPEG under a name that is not valid UTF-8 (bytes FF FE); returns the raw path. */
export async function writeNonUtf8Name(dir: string, prefix = 'bad-'): Promise<Buffer> {
  fs.mkdirSync(dir, { recursive: true });
  const raw = Buffer.concat([Buffer.from(path.join(dir, prefix)), Buffer.from([0xff, 0xfe]), Buffer.from('.jpg')]);
  fs.writeFileSync(raw, await imageBuffer({ color: [1, 2, 3] }));
  return raw;
}

/** A file name of `length` characters (Linux allows 255 bytes per name). */
export function longName(length = 240, ext = '.jpg'): string {
  return 'l'.repeat(length - ext.length) + ext;
}
