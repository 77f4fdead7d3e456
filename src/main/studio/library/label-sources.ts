import fs from 'node:fs';
import path from 'node:path';
import { fieldError } from '../../../shared/errors.ts';
import { parseCsv } from './csv.ts';

/**
 * Where an import takes each image's label from:
 * - folder: the parent folder's name (Keras flow_from_directory, PyTorch ImageFolder);
 * - filename: the leading word of the file name (cat.123.jpg → cat, Kaggle Dogs vs Cats);
 * - none: no labels;
 * - csv: a file with path,label columns (paths relative to the imported folder, or absolute);
 * - pattern: a regular expression with one capture group, matched against the relative path.
 */
export type LabelSource =
  | { kind: 'folder' }
  | { kind: 'filename' }
  | { kind: 'none' }
  | { kind: 'csv'; file: string }
  | { kind: 'pattern'; pattern: string };

export function describeLabelSource(s: LabelSource): string {
  switch (s.kind) {
    case 'csv': return `csv:${s.file}`;
    case 'pattern': return `pattern:${s.pattern}`;
    default: return s.kind;
  }
}

export interface Labeler {
  /** The label for a relative path, or null when the source gives none. */
  labelFor(rel: string): string | null;
  /** CSV rows whose path matched no file of the import (CSV source only). */
  unmatched(seen: Set<string>): string[];
}

const LEADING_WORD = /^[\p{L}\p{M}]+/u;

export function makeLabeler(source: LabelSource, root: string): Labeler {
  const clean = (s: string | undefined | null): string | null => {
    const t = (s ?? '').trim();
    return t === '' ? null : t;
  };
  switch (source.kind) {
    case 'none':
      return { labelFor: () => null, unmatched: () => [] };
    case 'folder':
      return {
        labelFor: (rel) => {
          const slash = rel.lastIndexOf('/');
          if (slash < 0) return null;
          return clean(rel.slice(rel.lastIndexOf('/', slash - 1) + 1, slash));
        },
        unmatched: () => [],
      };
    case 'filename':
      return {
        labelFor: (rel) => clean(LEADING_WORD.exec(rel.slice(rel.lastIndexOf('/') + 1))?.[0]),
        unmatched: () => [],
      };
    case 'pattern': {
      const re = new RegExp(source.pattern, 'u');
      // The group named "label" when there is one, else the first group.
      return {
        labelFor: (rel) => {
          const m = re.exec(rel);
          return clean(m?.groups?.label ?? m?.[1]);
        },
        unmatched: () => [],
      };
    }
    case 'csv': {
      const { exact, slashed } = readLabelCsv(source.file, root);
      return {
        labelFor: (rel) => exact.get(rel) ?? slashed.get(rel) ?? null,
        unmatched: (seen) => [...exact.keys()].filter((k) => !seen.has(k) && !seen.has(k.replace(/\\/g, '/'))),
      };
    }
  }
}

/**
 * The labels of a CSV source: path → label. Paths are matched exactly as
 * written (a file name may start with a space or hold a backslash on POSIX);
 * a path written with Windows separators also matches through `/`.
 */
export interface CsvLabels {
  exact: Map<string, string>;
  /** Backslashes read as separators, for CSVs written on Windows; used only when no exact path matches. */
  slashed: Map<string, string>;
}

/** Reads path,label rows (header optional, columns found by name when present). */
export function readLabelCsv(file: string, root: string): CsvLabels {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fieldError('invalid-argument', 'csvFile', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const rows = parseCsv(text, file, 'csvFile');
  let pathCol = 0;
  let labelCol = 1;
  let first = 1;
  if (rows.length > 0) {
    const header = rows[0].map((h) => h.toLowerCase());
    const p = header.findIndex((h) => ['path', 'file', 'filename', 'image'].includes(h));
    const l = header.findIndex((h) => ['label', 'class', 'category'].includes(h));
    if (p >= 0 && l >= 0) {
      pathCol = p;
      labelCol = l;
      rows.shift();
      first = 2;
    }
  }
  const out: CsvLabels = { exact: new Map(), slashed: new Map() };
  rows.forEach((row, i) => {
    if (row.length <= Math.max(pathCol, labelCol)) {
      throw fieldError('invalid-argument', 'csvFile', `${file}: row ${i + first} has ${row.length} column(s), expected path,label`);
    }
    // Class names are trimmed wherever they are made; the path is kept as written.
    const label = row[labelCol].trim();
    const rel = relativeCsvPath(row[pathCol], root);
    if (rel === null || label === '') return;
    out.exact.set(rel, label);
    if (rel.includes('\\')) out.slashed.set(rel.replace(/\\/g, '/'), label);
  });
  return out;
}

function relativeCsvPath(p: string, root: string): string | null {
  let rel = p;
  if (path.isAbsolute(p)) {
    rel = path.relative(root, p).split(path.sep).join('/');
    if (rel === '..' || rel.startsWith('../')) return null;
  }
  return rel.replace(/^(\.\/)+/, '');
}
