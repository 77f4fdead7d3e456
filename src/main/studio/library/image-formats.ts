/**
 * What the library indexes: file extensions it looks at, the format a file's
 * bytes really are (by magic number, not by name), and cheap truncation checks
 * on bytes already in memory, so a cut-off file is reported at import without
 * decoding it.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bmp';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.dib',
]);

export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
}

/** The format of a file by its first bytes, or undefined when it is none we index. */
export function sniffFormat(buf: Uint8Array): ImageFormat | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47 && buf[4] === 0x0d && buf[5] === 0x0a && buf[6] === 0x1a && buf[7] === 0x0a) return 'png';
  if (buf.length >= 6 && ascii(buf, 0, 4) === 'GIF8' && (buf[4] === 0x37 || buf[4] === 0x39) && buf[5] === 0x61) return 'gif';
  if (buf.length >= 12 && ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 4 && ((buf[0] === 0x49 && buf[1] === 0x49 && buf[2] === 0x2a && buf[3] === 0x00) || (buf[0] === 0x4d && buf[1] === 0x4d && buf[2] === 0x00 && buf[3] === 0x2a))) return 'tiff';
  if (buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d) return 'bmp';
  return undefined;
}

function ascii(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/**
 * A reason when the bytes are visibly cut off, else undefined. Only looks at
 * the ends of the buffer; a full decode (thumbnails) finds damage inside.
 */
export function truncationReason(buf: Buffer, format: ImageFormat): string | undefined {
  const n = buf.length;
  switch (format) {
    case 'jpeg': {
      // The end-of-image marker FFD9 must come after the last start-of-scan
      // marker; a few trailing padding bytes after it are tolerated.
      const eoi = buf.lastIndexOf(EOI, n - 2);
      if (eoi < 0 || eoi < n - 4096) return 'truncated JPEG: no end-of-image marker (FFD9) at the end of the file';
      const sos = buf.lastIndexOf(SOS);
      if (sos > eoi) return 'truncated JPEG: the last scan has no end-of-image marker (FFD9)';
      return undefined;
    }
    case 'png':
      return buf.lastIndexOf(IEND, n - 8) >= Math.max(0, n - 64) ? undefined : 'truncated PNG: no IEND chunk at the end of the file';
    case 'gif': {
      let end = n - 1;
      while (end > 0 && buf[end] === 0x00) end--;
      return buf[end] === 0x3b ? undefined : 'truncated GIF: no trailer byte (0x3B) at the end of the file';
    }
    case 'webp': {
      const riffSize = n >= 8 ? buf.readUInt32LE(4) + 8 : Infinity;
      return riffSize <= n ? undefined : `truncated WebP: header says ${riffSize} bytes, file has ${n}`;
    }
    case 'bmp': {
      if (n < 26) return `truncated BMP: ${n} bytes, shorter than its header`;
      const declared = buf.readUInt32LE(2);
      return declared > n ? `truncated BMP: header says ${declared} bytes, file has ${n}` : undefined;
    }
    case 'tiff':
      return undefined; // no cheap end check; the header read and the full decode find it
  }
}

const EOI = Buffer.from([0xff, 0xd9]);
const SOS = Buffer.from([0xff, 0xda]);
const IEND = Buffer.from('IEND', 'latin1');
