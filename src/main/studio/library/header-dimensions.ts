import type { ImageFormat } from './image-formats.ts';

/**
 * Width and height straight from the header bytes of JPEG, PNG, GIF, WebP and
 * BMP files, in microseconds and without leaving JavaScript: the index reads
 * tens of thousands of files and a call into libvips per file costs more than
 * reading the file. Returns undefined when the header is not one it can walk
 * (TIFF, odd JPEGs); the caller then asks sharp, which also explains errors.
 */
export function headerDimensions(buf: Buffer, format: ImageFormat): { width: number; height: number } | undefined {
  const n = buf.length;
  switch (format) {
    case 'jpeg': {
      let i = 2;
      while (i + 4 <= n) {
        if (buf[i] !== 0xff) return undefined;
        const marker = buf[i + 1];
        if (marker === 0xff) {
          i++; // fill byte
          continue;
        }
        if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
          i += 2;
          continue;
        }
        if (marker === 0xda || marker === 0xd9) return undefined; // scan before any frame header
        const len = buf.readUInt16BE(i + 2);
        const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
        if (isFrame) {
          if (i + 9 > n) return undefined;
          return positive(buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5));
        }
        i += 2 + len;
      }
      return undefined;
    }
    case 'png':
      if (n < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') return undefined;
      return positive(buf.readUInt32BE(16), buf.readUInt32BE(20));
    case 'gif':
      if (n < 10) return undefined;
      return positive(buf.readUInt16LE(6), buf.readUInt16LE(8));
    case 'webp': {
      if (n < 30) return undefined;
      const chunk = buf.toString('latin1', 12, 16);
      if (chunk === 'VP8 ') return positive(buf.readUInt16LE(26) & 0x3fff, buf.readUInt16LE(28) & 0x3fff);
      if (chunk === 'VP8L') {
        if (buf[20] !== 0x2f) return undefined;
        const bits = buf.readUInt32LE(21);
        return positive((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
      }
      if (chunk === 'VP8X') return positive(1 + buf.readUIntLE(24, 3), 1 + buf.readUIntLE(27, 3));
      return undefined;
    }
    default:
      return undefined;
  }
}

function positive(width: number, height: number): { width: number; height: number } | undefined {
  return width > 0 && height > 0 ? { width, height } : undefined;
}
