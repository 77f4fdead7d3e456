import fs from 'node:fs';
import path from 'node:path';
import { fieldError, StudioError } from '../../shared/errors.ts';

let partials = 0;

/**
 * The one temporary-name scheme of the studio: a hidden file beside the
 * destination, named for the process and a counter, so concurrent writers
 * (workers, the CLI beside the app) never share one.
 */
export function partialNameFor(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.partial-${process.pid}-${++partials}`);
}

/**
 * Every small file the studio writes (JSON, CSV, HTML, thumbnails, copied
 * weights): written under a partial name beside it and renamed, so a reader
 * never sees half a file and a failure (disk full) keeps the previous one
 * whole. `data` may be a function that writes the partial file itself.
 */
export function writeFileAtomicSync(file: string, data: string | Uint8Array | ((tmp: string) => void)): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = partialNameFor(file);
  try {
    if (typeof data === 'function') data(tmp);
    else fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = partialNameFor(file);
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes an export under a temporary name beside the destination and renames
 * it when complete, so a reader never sees half an export and a failure
 * leaves nothing behind. An existing destination is refused unless
 * `overwrite` (then it is replaced only at the end).
 */
export async function writeAtomically<T>(dest: string, kind: 'file' | 'dir', write: (tmp: string) => Promise<T>, o: { overwrite?: boolean; field?: string } = {}): Promise<T> {
  const abs = path.resolve(dest);
  refuseExisting(abs, o.overwrite ?? false, o.field);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  if (fs.existsSync(abs) && kind === 'dir' && !fs.statSync(abs).isDirectory()) {
    throw destinationError(o.field, `${abs} is a file, and a folder is written there`);
  }
  if (fs.existsSync(abs) && kind === 'file' && fs.statSync(abs).isDirectory()) {
    throw destinationError(o.field, `${abs} is a folder, and one file is written there`);
  }
  const tmp = partialNameFor(abs);
  if (kind === 'dir') fs.mkdirSync(tmp);
  try {
    const r = await write(tmp);
    if (fs.existsSync(abs)) fs.rmSync(abs, { recursive: true, force: true });
    fs.renameSync(tmp, abs);
    return r;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A conflict at the destination, about the call's field that named it when there is one ("out"). */
function destinationError(field: string | undefined, message: string): StudioError {
  return field ? fieldError('conflict', field, message) : new StudioError('conflict', message);
}

/** Export never silently replaces a file or folder: 'conflict' naming the path, unless asked to overwrite. */
export function refuseExisting(dest: string, overwrite: boolean, field?: string): void {
  const abs = path.resolve(dest);
  if (!overwrite && fs.existsSync(abs)) {
    throw destinationError(field, `${abs} already exists; it is replaced only when overwrite is asked for`);
  }
}

/** Every file under a folder (or the file itself), with total bytes. */
export function listOutput(p: string): { files: string[]; bytes: number } {
  const files: string[] = [];
  let bytes = 0;
  const walk = (f: string): void => {
    const st = fs.lstatSync(f);
    if (st.isDirectory()) for (const e of fs.readdirSync(f).sort()) walk(path.join(f, e));
    else {
      files.push(f);
      bytes += st.isSymbolicLink() ? 0 : st.size;
    }
  };
  walk(path.resolve(p));
  return { files, bytes };
}
