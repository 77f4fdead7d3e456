import crypto from 'node:crypto';
import sharp from 'sharp';
import { readBmpHeader } from './bmp.ts';
import { headerDimensions } from './header-dimensions.ts';
import { sniffFormat, truncationReason, type ImageFormat } from './image-formats.ts';

/** Decompression-bomb guard: images above this many pixels are refused (configurable per import). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export type ProbeResult =
  | { ok: true; hash: string; width: number; height: number; format: ImageFormat }
  | { ok: false; hash: string | null; reason: string; width?: number; height?: number; format?: ImageFormat };

export function contentHash(buf: Uint8Array): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

/**
 * Hash, format, dimensions and a validity verdict for one file's bytes, from
 * the header only (no pixel decode): zero-byte files, non-images, truncated
 * files, unreadable headers and images over the pixel limit fail with a reason.
 */
export async function probeImage(buf: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<ProbeResult> {
  if (buf.length === 0) return { ok: false, hash: null, reason: 'empty file (0 bytes)' };
  const hash = contentHash(buf);
  const format = sniffFormat(buf);
  if (!format) return { ok: false, hash, reason: `not an image: content is not JPEG, PNG, WebP, GIF, TIFF or BMP (starts with ${buf.subarray(0, 4).toString('hex')})` };
  const truncated = truncationReason(buf, format);
  if (truncated) return { ok: false, hash, format, reason: truncated };
  let width: number;
  let height: number;
  try {
    const quick = format === 'bmp' ? readBmpHeader(buf) : headerDimensions(buf, format);
    if (quick) {
      ({ width, height } = quick);
    } else {
      // No pixel limit for the header read: the limit below gives the better message.
      const meta = await sharp(buf, { limitInputPixels: false }).metadata();
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
      reason: `${width}×${height} is ${megapixels(width * height)} megapixels, over the limit of ${megapixels(maxPixels)} (a possible decompression bomb; raise --max-pixels to accept it)`,
    };
  }
  return { ok: true, hash, width, height, format };
}

function megapixels(px: number): string {
  return String(Math.round((px / 1e6) * 10) / 10);
}
