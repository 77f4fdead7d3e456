/**
 * The path check shared by the browser-mode media route (server.ts) and the
 * Electron `xstudio-media:` protocol (index.ts): a media request names a
 * thumbnail by content hash, an image by id or a run's report by id — never a
 * path — and the file it resolves to must lie, after following symlinks,
 * inside one of the allowed folders (the project's root folders, its
 * thumbnail cache, its run artefacts). Anything else is refused.
 *
 * An image is the exception to the folder rule: a dataset assembled from
 * symlinks points outside its folder, and the import already read those
 * files. What makes serving one safe is its content: it must still be the
 * image format the import recorded (a link to an .html file was recorded as
 * "not an image" and is never served), and it is sent with that type, nosniff
 * and a CSP that allows nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sniffFormat, type ImageFormat } from './studio/library/image-formats.ts';

export type MediaRequest =
  | { kind: 'thumb'; hash: string }
  | { kind: 'image'; id: number }
  | { kind: 'report'; runId: number };

const HASH = /^[0-9a-f]{16,128}$/i;
const ID = /^[1-9][0-9]{0,15}$/;

/**
 * Parses the part of a media URL after its base ('thumb/<hash>',
 * 'image/<id>', 'report/<runId>'). Returns null for anything else, including
 * encoded slashes, dots and extra segments.
 */
export function parseMediaPath(rest: string): MediaRequest | null {
  const clean = rest.replace(/^\/+/, '').split(/[?#]/, 1)[0];
  const parts = clean.split('/');
  if (parts.length !== 2) return null;
  const [kind, key] = parts;
  if (kind === 'thumb' && HASH.test(key)) return { kind: 'thumb', hash: key.toLowerCase() };
  if (kind === 'image' && ID.test(key)) return { kind: 'image', id: Number(key) };
  if (kind === 'report' && ID.test(key)) return { kind: 'report', runId: Number(key) };
  return null;
}

/** True when `file` is `root` itself or below it (both absolute, already resolved). Pure. */
export function isInside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('..'));
}

/** True when a relative path has no '..' segment and is not absolute. Pure. */
export function isSafeRelative(rel: string): boolean {
  if (rel === '' || path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) return false;
  return !rel.split(/[\\/]/).some((seg) => seg === '..');
}

/** What the import recorded of an image file (the target's size and mtime, symlinks followed). */
export interface ImportedFile {
  size: number;
  mtimeMs: number;
}

/**
 * Resolves `file` through symlinks and returns the real path if it may be
 * served, else null. A file the studio wrote (thumbnail, report) must be
 * inside one of `allowedRoots`. An image (`imageFormat` given) must still be
 * that format by its bytes, and if it resolves outside its imported folder (a
 * dataset assembled from symlinks, which is common) it must also still be the
 * very file the import indexed — same size and mtime — so that a link swapped
 * in after the import cannot expose another file of the machine.
 */
export async function guardMediaFile(file: string, allowedRoots: readonly string[], imageFormat?: ImageFormat, imported?: ImportedFile): Promise<string | null> {
  let real: string;
  let st: fs.Stats;
  try {
    real = await fs.promises.realpath(file);
    st = await fs.promises.stat(real);
    if (!st.isFile()) return null;
  } catch {
    return null;
  }
  if (imageFormat && (await sniffFile(real)) !== imageFormat) return null;
  for (const root of allowedRoots) {
    let realRoot: string;
    try {
      realRoot = await fs.promises.realpath(root);
    } catch {
      continue;
    }
    if (isInside(real, realRoot)) return real;
  }
  if (imageFormat && imported && st.size === imported.size && Math.trunc(st.mtimeMs) === Math.trunc(imported.mtimeMs)) return real;
  return null;
}

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif',
  '.tif': 'image/tiff', '.tiff': 'image/tiff', '.bmp': 'image/bmp', '.html': 'text/html; charset=utf-8',
};


const FORMAT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', tiff: 'image/tiff', bmp: 'image/bmp',
};

/** The image format of a file by its first bytes (never its name), or undefined. */
export async function sniffFile(file: string): Promise<ImageFormat | undefined> {
  try {
    const fd = await fs.promises.open(file, 'r');
    try {
      const head = Buffer.alloc(16);
      const { bytesRead } = await fd.read(head, 0, head.length, 0);
      return sniffFormat(head.subarray(0, bytesRead));
    } finally {
      await fd.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The content type a media response carries, or null to refuse it: images
 * and thumbnails by their bytes (only image types ever), reports as HTML.
 */
export async function mediaResponseType(request: MediaRequest, file: string): Promise<string | null> {
  if (request.kind === 'report') return path.extname(file).toLowerCase() === '.html' ? TYPES['.html'] : null;
  const format = await sniffFile(file);
  return format ? FORMAT_TYPES[format] : null;
}

/** CSP for a served report: self-contained HTML with inline SVG, styles and data: images, no scripts. */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** CSP for an image or thumbnail: nothing may load or run, should a browser ever render it as a document. */
export const IMAGE_CSP = "default-src 'none'; sandbox";

/**
 * The headers of a media response, the same through both transports (browser
 * mode's /media/ and the desktop's xstudio-media:): the type of the format
 * sniffed from the bytes (never the file name), nosniff, a CSP under which
 * nothing runs, inline only for images. null: not servable (404).
 */
export async function mediaHeaders(request: MediaRequest, file: string): Promise<Record<string, string> | null> {
  const type = await mediaResponseType(request, file);
  if (!type) return null;
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'content-security-policy': request.kind === 'report' ? REPORT_CSP : IMAGE_CSP,
    // Thumbnails are named by content hash: they never change.
    'cache-control': request.kind === 'thumb' ? 'private, max-age=31536000, immutable' : 'private, no-cache',
  };
  if (request.kind !== 'report') headers['content-disposition'] = 'inline';
  return headers;
}
