import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { decodeBmp } from '../library/bmp.ts';
import { contentHash, hashFileSync, WHOLE_READ_LIMIT } from '../library/image-probe.ts';
import { sniffFormat } from '../library/image-formats.ts';
import type { Project } from '../project.ts';
import { distinctHealthyContents, markContentsFailed } from '../db/image-store.ts';
import { StudioError } from '../../../shared/errors.ts';
import { errText } from '../library/walk.ts';

/**
 * Thumbnails: a JPEG of at most THUMB_SIZE pixels a side per distinct content
 * hash, in the project's side folder (thumbs/ab/abcdef….jpg). Made after the
 * index, in the background, never in the import's critical path. This is the
 * first full decode of each image, so it also finds damage the header read
 * could not (corrupt scan data): such images are marked failed with the reason.
 */
export const THUMB_SIZE = 256;

export interface ThumbnailOptions {
  size?: number;
  concurrency?: number;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
  /**
   * Awaited before each image: the service holds the job here while the
   * gallery waits for thumbnails made on demand, which must not queue behind
   * the job's decodes in libuv's thread pool.
   */
  yieldTo?: () => Promise<void> | void;
}

export interface ThumbnailResult {
  dir: string;
  /** Distinct healthy contents considered. */
  total: number;
  made: number;
  /** Already in the cache. */
  existing: number;
  failed: { path: string; reason: string }[];
  /** Files changed or gone since the import (skipped, not marked failed; import the folder again). */
  stale: string[];
  cancelled: boolean;
}

export function thumbnailDir(project: Project): string {
  return project.sideDir('thumbs');
}

/** Where the thumbnail of content `hash` lives (it may not exist yet). */
export function thumbnailPath(project: Project, hash: string): string {
  return path.join(project.sideDir('thumbs'), hash.slice(0, 2), `${hash}.jpg`);
}

/** Decodes any indexed format (BMP through our own decoder) into a sharp pipeline; failOn warning catches corrupt data. */
export function openImage(input: Buffer | string): sharp.Sharp {
  if (typeof input === 'string') {
    // sharp reads every format but BMP from the path itself; a BMP goes through our decoder whole.
    return sniffFile(input) === 'bmp' ? openImage(fs.readFileSync(input)) : sharp(input, { failOn: 'warning' });
  }
  const buf = input;
  if (buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d) {
    const { width, height, rgb } = decodeBmp(buf);
    return sharp(rgb, { raw: { width, height, channels: 3 } });
  }
  return sharp(buf, { failOn: 'warning' });
}

/**
 * The one thumbnail pipeline, for the background job and for a tile asked for
 * before the job reached it: EXIF orientation applied, fitted inside size ×
 * size, transparency flattened on white (a JPEG has no alpha: without this a
 * transparent PNG's tile came out black), JPEG quality 80.
 */
export function renderThumbnail(input: Buffer | string, size = THUMB_SIZE): Promise<Buffer> {
  return openImage(input).rotate().resize(size, size, { fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer();
}

export async function makeThumbnails(project: Project, options: ThumbnailOptions = {}): Promise<ThumbnailResult> {
  const db = project.db;
  const size = options.size ?? THUMB_SIZE;
  const dir = thumbnailDir(project);
  const rows = distinctHealthyContents(db);
  const result: ThumbnailResult = { dir, total: rows.length, made: 0, existing: 0, failed: [], stale: [], cancelled: false };
  const broken: { hash: string; reason: string }[] = [];
  const todo = rows.filter((r) => {
    if (fs.existsSync(thumbnailPath(project, r.hash))) {
      result.existing++;
      return false;
    }
    return true;
  });
  let done = result.existing;
  let lastProgress = 0;
  const report = (force = false): void => {
    if (!options.onProgress) return;
    if (force || Date.now() - lastProgress > 250) {
      lastProgress = Date.now();
      options.onProgress({ done, total: rows.length });
    }
  };
  report(true);
  let writeFailure: StudioError | undefined;
  const makeOne = async (row: (typeof todo)[number]): Promise<void> => {
    if (writeFailure) return;
    if (options.yieldTo) await options.yieldTo();
    if (writeFailure) return;
    if (options.signal?.aborted) {
      result.cancelled = true;
      return;
    }
    const out = thumbnailPath(project, row.hash);
    try {
      // Synchronous file I/O on purpose: sharp's jobs run on libuv's small
      // thread pool, and async fs calls would queue behind them.
      // A large file is hashed by streaming and decoded by sharp from its path:
      // memory stays bounded whatever the file's size (issue 9).
      let input: Buffer | string | undefined;
      let hash: string | undefined;
      try {
        if (fs.statSync(row.abs).size > WHOLE_READ_LIMIT) {
          input = row.abs;
          hash = hashFileSync(row.abs);
        } else {
          input = fs.readFileSync(row.abs);
          hash = contentHash(input);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (!input || hash !== row.hash) {
        // Not broken, just newer than the index: the next import re-reads it.
        result.stale.push(row.rel);
        done++;
        return;
      }
      const jpeg = await renderThumbnail(input, size);
      try {
        writeFileAtomicSync(out, jpeg);
      } catch (err) {
        // A write that fails (disk full) says nothing about the image: never mark it failed for it.
        writeFailure ??= new StudioError('conflict', `cannot write thumbnail ${out}: ${errText(err)}. The ${result.made} thumbnails made before it are kept and no image was marked failed; free some space and run thumbnails again.`);
        return;
      }
      result.made++;
    } catch (err) {
      const reason = `cannot decode: ${decodeErrorText(err)}`;
      broken.push({ hash: row.hash, reason });
      result.failed.push({ path: row.rel, reason });
    }
    done++;
    report();
  };
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 256; i++) fs.mkdirSync(path.join(dir, i.toString(16).padStart(2, '0')), { recursive: true });
  // More jobs than cores: each sharp job is single-threaded here and waits on file I/O part of the time.
  const concurrency = options.concurrency ?? Math.max(4, os.availableParallelism() * 2);
  const limit = pLimit(Math.max(1, concurrency));
  await Promise.all(todo.map((row) => limit(() => makeOne(row))));
  if (writeFailure && broken.length === 0) throw writeFailure;
  markContentsFailed(db, broken);
  report(true);
  if (writeFailure) throw writeFailure;
  return result;
}

function sniffFile(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    return sniffFormat(head.subarray(0, fs.readSync(fd, head, 0, 16, 0)));
  } finally {
    fs.closeSync(fd);
  }
}

/** sharp's messages in words: one line, and "warning treated as error" said plainly. */
function decodeErrorText(err: unknown): string {
  const lines = String((err as Error).message ?? err).split('\n').map((l) => l.replace(/^Vips\w*: /, '').trim()).filter(Boolean);
  if (/failOn/.test(lines[0] ?? '')) return `corrupt image data${lines.length > 1 ? ` (${lines.slice(1, 3).join('; ')})` : ''}`;
  return lines.slice(0, 3).join('; ');
}
