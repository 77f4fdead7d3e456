/**
 * BMP support. sharp's prebuilt libvips has no BMP loader, so the library reads
 * BMP headers and decodes the common uncompressed kinds (1/4/8-bit palette,
 * 24-bit, 32-bit) itself, and hands raw pixels to sharp for thumbnails.
 */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
  headerSize: number;
  topDown: boolean;
}

const COMPRESSION_NAMES: Record<number, string> = { 0: 'none', 1: 'RLE8', 2: 'RLE4', 3: 'bitfields', 4: 'JPEG', 5: 'PNG', 6: 'alpha bitfields' };

export function readBmpHeader(buf: Buffer): BmpHeader {
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new Error('not a BMP file (no "BM" signature)');
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  let width: number;
  let rawHeight: number;
  let bitsPerPixel: number;
  let compression = 0;
  if (headerSize === 12) {
    width = buf.readUInt16LE(18);
    rawHeight = buf.readUInt16LE(20);
    bitsPerPixel = buf.readUInt16LE(24);
  } else if (headerSize >= 40 && buf.length >= 14 + 40) {
    width = buf.readInt32LE(18);
    rawHeight = buf.readInt32LE(22);
    bitsPerPixel = buf.readUInt16LE(28);
    compression = buf.readUInt32LE(30);
  } else {
    throw new Error(`BMP info header of ${headerSize} bytes is not one this studio reads`);
  }
  if (width <= 0 || rawHeight === 0) throw new Error(`BMP has impossible dimensions ${width}×${rawHeight}`);
  return { width, height: Math.abs(rawHeight), bitsPerPixel, compression, dataOffset, headerSize, topDown: rawHeight < 0 };
}

/** Decodes an uncompressed BMP to packed RGB, or throws a reason. */
export function decodeBmp(buf: Buffer): { width: number; height: number; rgb: Buffer } {
  const h = readBmpHeader(buf);
  const supported = (h.compression === 0 && [1, 4, 8, 24, 32].includes(h.bitsPerPixel)) || (h.compression === 3 && h.bitsPerPixel === 32);
  if (!supported) {
    throw new Error(`BMP with ${h.bitsPerPixel}-bit pixels and ${COMPRESSION_NAMES[h.compression] ?? h.compression} compression is not supported`);
  }
  const stride = Math.ceil((h.width * h.bitsPerPixel) / 32) * 4;
  const needed = h.dataOffset + stride * h.height;
  if (buf.length < needed) throw new Error(`truncated BMP: pixel data needs ${needed} bytes, file has ${buf.length}`);
  const palette: number[][] = [];
  if (h.bitsPerPixel <= 8) {
    const entrySize = h.headerSize === 12 ? 3 : 4;
    const start = 14 + h.headerSize;
    const count = Math.min(1 << h.bitsPerPixel, Math.floor((h.dataOffset - start) / entrySize));
    for (let i = 0; i < count; i++) {
      const o = start + i * entrySize;
      palette.push([buf[o + 2], buf[o + 1], buf[o]]);
    }
  }
  const rgb = Buffer.alloc(h.width * h.height * 3);
  for (let y = 0; y < h.height; y++) {
    const row = h.dataOffset + stride * (h.topDown ? y : h.height - 1 - y);
    for (let x = 0; x < h.width; x++) {
      const out = (y * h.width + x) * 3;
      if (h.bitsPerPixel >= 24) {
        const o = row + x * (h.bitsPerPixel / 8);
        rgb[out] = buf[o + 2];
        rgb[out + 1] = buf[o + 1];
        rgb[out + 2] = buf[o];
      } else {
        const bit = x * h.bitsPerPixel;
        const byte = buf[row + (bit >> 3)];
        const index = (byte >> (8 - h.bitsPerPixel - (bit & 7))) & ((1 << h.bitsPerPixel) - 1);
        const c = palette[index] ?? [0, 0, 0];
        rgb[out] = c[0];
        rgb[out + 1] = c[1];
        rgb[out + 2] = c[2];
      }
    }
  }
  return { width: h.width, height: h.height, rgb };
}

/** Encodes packed RGB as a 24-bit bottom-up BMP (used by tests and by anyone exporting BMP). */
export function encodeBmp24(rgb: Uint8Array, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 24) / 32) * 4;
  const size = 54 + stride * height;
  const buf = Buffer.alloc(size);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(size, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  buf.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    const row = 54 + stride * (height - 1 - y);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      buf[row + x * 3] = rgb[i + 2];
      buf[row + x * 3 + 1] = rgb[i + 1];
      buf[row + x * 3 + 2] = rgb[i];
    }
  }
  return buf;
}
