import crypto from 'node:crypto';
import fs from 'node:fs';
import sharp from 'sharp';
import { readBmpHeader } from './bmp.ts';
import { headerDimensions } from './header-dimensions.ts';
import { sniffFormat, truncationReason, type ImageFormat } from './image-formats.ts';
import { jpegSizeLie } from './jpeg-plausible.ts';

/** Decompression-bomb guard: images above this many pixels are refused (configurable per import). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/**
 * Files up to this size are read whole (one synchronous read is the fastest
 * way through many small files); larger ones are hashed by streaming and
 * probed from their first and last bytes, so memory per file is bounded
 * whatever its size (issue 9: two 1 GB files took 2.2 GB; a 2.2 GiB file
 * could not be read at all).
 */
export const WHOLE_READ_LIMIT = 4 * 1024 * 1024;
/** Enough for the frame header behind large EXIF / ICC blocks; beyond it sharp reads the header from the file. */
const HEAD_BYTES = 512 * 1024;
/** The end checks of truncationReason look at most this far back. */
const TAIL_BYTES = 8 * 1024;
const STREAM_CHUNK = 256 * 1024;

export type ProbeResult =
  | { ok: true; hash: string; width: number; height: number; format: ImageFormat }
  | { ok: false; hash: string | null; reason: string; width?: number; height?: number; format?: ImageFormat };

export function contentHash(buf: Uint8Array): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/**
 * Hash, format, dimensions and a validity verdict for one file's bytes, from
 * the header only (no pixel decode): zero-byte files, non-images, truncated
 * files, unreadable headers, headers that claim more pixels than the bytes
 * can hold and images over the pixel limit fail with a reason.
 */
export async function probeImage(buf: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<ProbeResult> {
  if (buf.length === 0) return { ok: false, hash: null, reason: 'empty file (0 bytes)' };
  return judge({ hash: contentHash(buf), head: buf, tailCheck: buf, size: buf.length, sharpInput: buf }, maxPixels);
}

/** The same verdict for a file on disk, reading it in bounded memory. */
export async function probeFile(file: string, size: number, maxPixels = DEFAULT_MAX_PIXELS): Promise<ProbeResult> {
  if (size <= WHOLE_READ_LIMIT) return probeImage(fs.readFileSync(file), maxPixels);
  const [hash, ends] = await Promise.all([hashFile(file), readEnds(file)]);
  if (ends.size === 0) return { ok: false, hash: null, reason: 'empty file (0 bytes)' };
  return judge({ hash, head: ends.head, tailCheck: ends.tail, size: ends.size, sharpInput: file }, maxPixels);
}

interface Parts {
  hash: string;
  head: Buffer;
  /** A buffer ending where the file ends (the whole file, or its tail). */
  tailCheck: Buffer;
  size: number;
  sharpInput: Buffer | string;
}

async function judge({ hash, head, tailCheck, size, sharpInput }: Parts, maxPixels: number): Promise<ProbeResult> {
  const format = sniffFormat(head);
  if (!format) return { ok: false, hash, reason: `not an image: content is not JPEG, PNG, WebP, GIF, TIFF or BMP (starts with ${head.subarray(0, 4).toString('hex')})` };
  const truncated = format === 'webp' || format === 'bmp' ? truncationBySize(head, size, format) : truncationReason(tailCheck, format);
  if (truncated) return { ok: false, hash, format, reason: truncated };
  let width: number;
  let height: number;
  try {
    const quick = format === 'bmp' ? readBmpHeader(head) : headerDimensions(head, format);
    if (quick) {
      ({ width, height } = quick);
    } else {
      // No pixel limit for the header read: the limit below gives the better message.
      const meta = await sharp(sharpInput, { limitInputPixels: false }).metadata();
      width = meta.width ?? 0;
      height = meta.pageHeight ?? meta.height ?? 0;
      if (!width || !height) return { ok: false, hash, format, reason: `${format.toUpperCase()} header has no dimensions` };
    }
  } catch (err) {
    return { ok: false, hash, format, reason: `unreadable ${format.toUpperCase()} header: ${(err as Error).message}` };
  }
  if (width * height > maxPixels) {
    return {
      ok: false, hash, format, width, height,
      reason: `${width}×${height} is ${megapixels(width * height)} megapixels, over the limit of ${megapixels(maxPixels)} (a possible decompression bomb; import with a higher maxPixels to accept it)`,
    };
  }
  const lie = format === 'jpeg' ? jpegSizeLie(head, size) : undefined;
  if (lie) return { ok: false, hash, format, width, height, reason: lie };
  return { ok: true, hash, width, height, format };
}

/** WebP and BMP state their length in the header: compare with the file's size, not the bytes in memory. */
function truncationBySize(head: Buffer, size: number, format: 'webp' | 'bmp'): string | undefined {
  if (format === 'webp') {
    const riffSize = head.length >= 8 ? head.readUInt32LE(4) + 8 : Infinity;
    return riffSize <= size ? undefined : `truncated WebP: header says ${riffSize} bytes, file has ${size}`;
  }
  if (size < 26 || head.length < 26) return `truncated BMP: ${size} bytes, shorter than its header`;
  const declared = head.readUInt32LE(2);
  return declared > size ? `truncated BMP: header says ${declared} bytes, file has ${size}` : undefined;
}

/** sha256 of a file read in fixed chunks: for synchronous callers, any file size in bounded memory. */
export function hashFileSync(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(STREAM_CHUNK);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: STREAM_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readEnds(file: string): Promise<{ head: Buffer; tail: Buffer; size: number }> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const size = (await fd.stat()).size;
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await fd.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    await fd.read(tail, 0, tail.length, size - tail.length);
    return { head, tail, size };
  } finally {
    await fd.close();
  }
}

function megapixels(px: number): string {
  return String(Math.round((px / 1e6) * 10) / 10);
}
