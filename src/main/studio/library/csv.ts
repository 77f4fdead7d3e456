import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { fieldError, invalidArgument } from '../../../shared/errors.ts';

/**
 * All CSV the studio reads or writes goes through csv-parse / csv-stringify
 * (issue 9: a hand-rolled parser lost names with a leading space). Reading
 * strips a BOM, detects the delimiter from the first line, trims whitespace
 * around unquoted fields only, and reports a broken quote with its line.
 * Writing quotes any field a reader could trim or split, so a file written
 * here reads back exactly.
 */
const DELIMITERS = [',', ';', '\t', '|'] as const;

/** The delimiter that splits the first line most often, outside quotes (',' when none does). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const c of text.replace(/^\uFEFF/, '')) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/** The line (1-based) of the quote left open at the end of the text. */
function openQuoteLine(text: string): number {
  let line = 1;
  let openedAt = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (quoted && text[i + 1] === '"') i++;
      else {
        quoted = !quoted;
        if (quoted) openedAt = line;
      }
    } else if (c === '\n') line++;
  }
  return openedAt;
}

/** Parses CSV text; `where` names the file in errors, `field` the call's input field that named the file (importFolder's csvFile). */
export function parseCsv(text: string, where = 'CSV', field?: string): string[][] {
  const fail = (message: string) => (field ? fieldError('invalid-argument', field, message) : invalidArgument(message));
  try {
    const rows = parse(text, { bom: true, delimiter: detectDelimiter(text), trim: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
    return rows.filter((r) => !(r.length === 1 && r[0] === ''));
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw fail(`${where}: line ${openQuoteLine(text.replace(/^\uFEFF/, ''))}: a quoted field is never closed (expected a closing " before the end of the file)`);
    }
    const line = (err as CsvError & { lines?: number }).lines;
    throw fail(`${where}: line ${line ?? '?'}: ${err.message.replace(/,? at line \d+$/, '')}`);
  }
}

/** CSV text with a header row; fields with a delimiter, quote, line break or outer whitespace are quoted. */
export function csvText(rows: (string | number | null | undefined)[][]): string {
  return stringify(rows.map((r) => r.map((v) => (v === null || v === undefined ? '' : String(v)))), { quoted_match: /^\s|\s$/, record_delimiter: '\n' });
}
