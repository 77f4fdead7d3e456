import type { ImageFilter, ImageStatus, LabelSource, Part } from '../../../shared/api.ts';
import { notFound } from '../../../shared/errors.ts';
import type { Db } from './project-db.ts';
import { latestSplit, splitByName } from './split-store.ts';

/**
 * The image list's SQL (reads over images, roots, labels, classes and
 * split_members): the library's filters (classes, split + part, status,
 * duplicates, name search) as one WHERE, counted, paged or listed as ids.
 * What is judged in memory (predictions, suspects) stays in library/image-query.ts.
 */

/** An image as the list's SQL gives it (its file path, prediction and suspect mark are added by the caller). */
export interface ImageListRow {
  id: number;
  root: string;
  /** Path relative to its root, '/' separated. */
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  status: ImageStatus;
  error: string | null;
  class: string | null;
  labelSource: LabelSource | null;
  /** Part in the split asked for (or the latest split), null when not a member. */
  part: Part | null;
  /** How many healthy images (including this one) share its content; 0 for an unreadable one. */
  copies: number;
}

export interface SqlFilter {
  /** FROM … WHERE with every join a row needs. */
  from: string;
  /** FROM … WHERE joining only what the conditions use (counting, listing ids). */
  idsFrom: string;
  params: Record<string, unknown>;
  splitId: number | null;
}

/** The split whose parts the list shows when none is asked for: the newest. */
export function latestSplitId(db: Db): number | null {
  return latestSplit(db)?.id ?? null;
}

/** The filter as SQL; an unknown split is not-found. */
export function sqlFilter(db: Db, f: ImageFilter): SqlFilter {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let splitId: number | null;
  if (f.split) {
    const s = splitByName(db, f.split);
    if (!s) throw notFound(`no split named "${f.split}"`);
    splitId = s.id;
    where.push('m.split_id IS NOT NULL');
  } else {
    splitId = latestSplitId(db);
  }
  params.splitId = splitId ?? -1;
  if (f.part) {
    where.push('m.part = @part');
    params.part = f.part;
  }
  const classConds: string[] = [];
  if (f.classes?.length) {
    classConds.push(`c.name IN (${f.classes.map((_, i) => `@class${i}`).join(', ')})`);
    f.classes.forEach((c, i) => (params[`class${i}`] = c));
  }
  if (f.unlabelled) classConds.push('l.image_id IS NULL');
  if (classConds.length) where.push(`(${classConds.join(' OR ')})`);
  if (f.status) {
    where.push('i.status = @status');
    params.status = f.status;
  } else {
    // Removed from the project: in no view, though its row stays for undo, splits and runs.
    where.push("i.status != 'removed'");
  }
  if (f.duplicates) where.push(`i.status = 'ok' AND i.hash IN (SELECT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING count(*) > 1)`);
  if (f.search) {
    where.push("i.rel_path LIKE @search ESCAPE '\\'");
    params.search = `%${f.search.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
  }
  const whereSql = where.length ? 'WHERE ' + where.join(' AND ') : '';
  const splitJoin = 'LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId';
  const labelJoin = 'LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id';
  // Counting and listing ids join only what the conditions use: SQLite does not
  // drop these LEFT JOINs itself, and three lookups per image add up at 25,000.
  const usesSplit = f.split !== undefined || f.part !== undefined;
  return {
    from: `FROM images i JOIN roots r ON r.id = i.root_id ${splitJoin} ${labelJoin} ${whereSql}`,
    idsFrom: `FROM images i ${usesSplit ? splitJoin : ''} ${classConds.length ? labelJoin : ''} ${whereSql}`,
    params,
    splitId,
  };
}

const ROW_COLUMNS = `i.id, r.path AS root, i.rel_path AS path, i.size, i.mtime_ms AS mtimeMs, i.hash, i.width, i.height, i.format, i.status, i.error,
  c.name AS class, l.source AS labelSource, m.part AS part,
  CASE WHEN i.hash IS NULL OR i.status != 'ok' THEN 0 ELSE (SELECT count(*) FROM images d WHERE d.hash = i.hash AND d.status = 'ok') END AS copies`;

/** Matching images, counted. */
export function countMatching(db: Db, f: SqlFilter): number {
  return db.prepare(`SELECT count(*) ${f.idsFrom}`).pluck().get(f.params) as number;
}

/** SQL order of the list: import order, or natural name order. */
function orderBy(byId: boolean, desc: boolean): string {
  const d = desc ? ' DESC' : '';
  return byId ? `i.id${d}` : `natural_key(i.rel_path)${d}, i.rel_path${d}, i.id${d}`;
}

/** One page of matching rows, in import or name order. */
export function pageOfMatching(db: Db, f: SqlFilter, o: { byId: boolean; desc: boolean; limit: number; offset: number }): ImageListRow[] {
  return db.prepare(`SELECT ${ROW_COLUMNS} ${f.from} ORDER BY ${orderBy(o.byId, o.desc)} LIMIT @limit OFFSET @offset`).all({ ...f.params, limit: o.limit, offset: o.offset }) as ImageListRow[];
}

/** Every matching id in import or name order (ascending), with its current label when `withLabels`. */
export function matchingIds(db: Db, f: SqlFilter, o: { byId: boolean; withLabels: boolean }): { id: number; label?: string | null }[] {
  const order = orderBy(o.byId, false);
  return o.withLabels
    ? (db.prepare(`SELECT i.id, c.name AS label ${f.from} ORDER BY ${order}`).all(f.params) as { id: number; label: string | null }[])
    : (db.prepare(`SELECT i.id ${f.idsFrom} ORDER BY ${order}`).all(f.params) as { id: number }[]);
}

/** Rows of the given images, in the order of `ids` (ids with no image left out). */
export function rowsByIds(db: Db, ids: readonly number[], splitId: number | null): ImageListRow[] {
  if (ids.length === 0) return [];
  const rows = db.prepare(`SELECT ${ROW_COLUMNS} FROM images i JOIN roots r ON r.id = i.root_id
      LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId
      LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id
    WHERE i.id IN (SELECT value FROM json_each(@ids))`).all({ splitId: splitId ?? -1, ids: JSON.stringify(ids) }) as ImageListRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is ImageListRow => !!r);
}
