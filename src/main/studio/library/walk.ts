import fs from 'node:fs';
import path from 'node:path';
import { isSideDirName } from '../paths.ts';
import { hasImageExtension } from './image-formats.ts';

export interface WalkedFile {
  /** Path relative to the root, '/' separated. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

export interface WalkFailure {
  /** Relative path (non-UTF-8 bytes shown as \xNN). */
  path: string;
  reason: string;
}

export interface WalkResult {
  files: WalkedFile[];
  /** Files that could not be indexed at all (broken links, bad names, unreadable entries). */
  failures: WalkFailure[];
  /** Folders skipped (loops, unreadable): reported, never fatal. */
  folderFailures: WalkFailure[];
  /** Files without an image extension, and hidden files, left alone. */
  ignored: number;
}

export interface WalkOptions {
  /** Absolute folders never entered (the project's own side folder, for instance). */
  skipDirs?: string[];
  signal?: AbortSignal;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Shows a raw name with its non-UTF-8 bytes escaped, for messages. */
export function displayName(raw: Buffer): string {
  let out = '';
  for (const byte of raw) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * Lists the image files under `root`, recursively, following symbolic links
 * but entering each real folder once (so loops end), and recording every
 * entry it cannot use with the reason instead of failing.
 */
export async function walkImages(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const result: WalkResult = { files: [], failures: [], folderFailures: [], ignored: 0 };
  const skip = new Set((options.skipDirs ?? []).map((d) => path.resolve(d)));
  const visited = new Set<string>();
  const rootReal = await fs.promises.realpath(root);
  visited.add(rootReal);

  const visit = async (absDir: string, relDir: string): Promise<void> => {
    if (options.signal?.aborted) return;
    let entries: fs.Dirent<Buffer>[];
    try {
      entries = await fs.promises.readdir(absDir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      result.folderFailures.push({ path: relDir || '.', reason: `cannot read folder: ${errText(err)}` });
      return;
    }
    const subdirs: [string, string][] = [];
    let sinceYield = 0;
    for (const entry of entries) {
      let name: string;
      try {
        name = utf8.decode(entry.name);
      } catch {
        const shown = joinRel(relDir, displayName(entry.name));
        const kind = entry.isDirectory() ? 'folder' : 'file';
        if (kind === 'folder' || hasImageExtension(entry.name.toString('latin1'))) {
          const reason = `${kind} name is not valid UTF-8; rename it to index ${kind === 'folder' ? 'its contents' : 'it'}`;
          (kind === 'folder' ? result.folderFailures : result.failures).push({ path: shown, reason });
        } else result.ignored++;
        continue;
      }
      if (name.startsWith('.')) {
        result.ignored++;
        continue;
      }
      const abs = path.join(absDir, name);
      const rel = joinRel(relDir, name);
      if (entry.isDirectory()) {
        // A project's side folder (thumbnails, run artefacts) is never an image folder.
        if (isSideDirName(name)) {
          result.ignored++;
          continue;
        }
        subdirs.push([abs, rel]);
        continue;
      }
      if (!entry.isSymbolicLink() && !hasImageExtension(name)) {
        result.ignored++;
        continue;
      }
      statEntry(abs, rel, entry.isSymbolicLink(), subdirs);
      // A synchronous stat costs a few microseconds, an async one a trip through
      // the thread pool; yield now and then so the event loop stays responsive.
      if (++sinceYield % 512 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    for (const [abs, rel] of subdirs.sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
      if (skip.has(abs)) continue;
      let real: string;
      try {
        real = await fs.promises.realpath(abs);
      } catch (err) {
        result.folderFailures.push({ path: rel, reason: `cannot resolve folder: ${errText(err)}` });
        continue;
      }
      if (skip.has(real) || isSideDirName(path.basename(real))) continue;
      if (visited.has(real)) {
        result.folderFailures.push({ path: rel, reason: `symbolic link loop: this folder is ${real}, already indexed through another path` });
        continue;
      }
      visited.add(real);
      await visit(abs, rel);
    }
  };

  const statEntry = (abs: string, rel: string, isLink: boolean, subdirs: [string, string][]): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!hasImageExtension(rel) && isLink && code !== 'ELOOP') {
        result.ignored++;
        return;
      }
      let reason = `cannot read: ${errText(err)}`;
      if (code === 'ENOENT' && isLink) reason = `broken symbolic link: target ${safeReadlink(abs)} does not exist`;
      else if (code === 'ELOOP') reason = 'symbolic link loop: the link points (through other links) back at itself';
      else if (code === 'ENAMETOOLONG') reason = `path is too long for the file system (${Buffer.byteLength(abs)} bytes)`;
      result.failures.push({ path: rel, reason });
      return;
    }
    if (st.isDirectory()) {
      subdirs.push([abs, rel]);
      return;
    }
    if (!hasImageExtension(rel)) {
      result.ignored++;
      return;
    }
    if (!st.isFile()) {
      result.failures.push({ path: rel, reason: 'not a regular file (a device, pipe or socket)' });
      return;
    }
    result.files.push({ rel, abs, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
  };

  await visit(root, '');
  result.files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return result;
}

function joinRel(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function safeReadlink(abs: string): string {
  try {
    return fs.readlinkSync(abs);
  } catch {
    return '(unknown)';
  }
}

export function errText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file',
    ENAMETOOLONG: 'name too long',
    EIO: 'input/output error',
    ELOOP: 'too many levels of symbolic links',
  };
  return (e.code && known[e.code]) ?? e.message ?? String(err);
}
