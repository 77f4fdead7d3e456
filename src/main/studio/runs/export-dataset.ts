import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';

/**
 * Dataset export: a CSV manifest (path,label,split) and, on request, an
 * ImageFolder tree <out>/<split>/<class>/<file> of symbolic links or copies,
 * the layout torchvision's ImageFolder and Keras' image_dataset_from_directory read.
 */
export interface DatasetRow {
  path: string;
  label: string;
  split: string;
}

/** Quoted like the labels export (library/csv.ts): a field with outer whitespace must survive a trimming reader. */
export function manifestCsv(rows: DatasetRow[]): string {
  return stringify([['path', 'label', 'split'], ...rows.map((r) => [r.path, r.label, r.split])], { quoted_match: /^\s|\s$/, record_delimiter: '\n' });
}

/** A file or folder name that is safe on every platform. */
export function safeName(s: string): string {
  const noControl = Array.from(s, (ch) => (ch.charCodeAt(0) < 32 ? '_' : ch)).join('');
  const cleaned = noControl.replace(/[<>:"/\\|?*]/g, '_').replace(/^\.+/, '_').trim();
  return cleaned || '_';
}

export function writeDataset(dir: string, rows: DatasetRow[], tree: 'none' | 'link' | 'copy'): void {
  fs.writeFileSync(path.join(dir, 'manifest.csv'), manifestCsv(rows));
  if (tree === 'none') return;
  const used = new Set<string>();
  for (const r of rows) {
    const folder = path.join(dir, safeName(r.split), safeName(r.label));
    fs.mkdirSync(folder, { recursive: true });
    // Two images with the same file name in one class folder: number the second.
    const ext = path.extname(r.path);
    const base = safeName(path.basename(r.path, ext));
    let name = `${base}${ext}`;
    for (let k = 2; used.has(path.join(folder, name)); k++) name = `${base}_${k}${ext}`;
    const target = path.join(folder, name);
    used.add(target);
    if (tree === 'copy') fs.copyFileSync(r.path, target);
    else fs.symlinkSync(path.resolve(r.path), target);
  }
}
