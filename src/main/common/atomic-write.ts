import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../shared/errors.ts';

/**
 * Writes an export under a temporary name beside the destination and renames
 * it when complete, so a reader never sees half an export and a failure
 * leaves nothing behind. An existing destination is refused unless
 * `overwrite` (then it is replaced only at the end).
 */
export async function writeAtomically<T>(dest: string, kind: 'file' | 'dir', write: (tmp: string) => Promise<T>, o: { overwrite?: boolean } = {}): Promise<T> {
  const abs = path.resolve(dest);
  refuseExisting(abs, o.overwrite ?? false);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  if (fs.existsSync(abs) && kind === 'dir' && !fs.statSync(abs).isDirectory()) {
    throw new StudioError('conflict', `--out ${abs} is a file; this export writes a folder`);
  }
  if (fs.existsSync(abs) && kind === 'file' && fs.statSync(abs).isDirectory()) {
    throw new StudioError('conflict', `--out ${abs} is a folder; this export writes one file`);
  }
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.partial-${process.pid}-${Date.now()}`);
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

/** Export never silently replaces a file or folder: 'conflict' naming the path, unless asked to overwrite. */
export function refuseExisting(dest: string, overwrite: boolean): void {
  const abs = path.resolve(dest);
  if (!overwrite && fs.existsSync(abs)) {
    throw new StudioError('conflict', `${abs} already exists: export does not replace it unless asked (--overwrite, or overwrite: true)`);
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
