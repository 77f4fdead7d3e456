/**
 * The image list, one query for every caller: the CLI (`xstudio images`) and
 * the UI's gallery (queryImages, queryImageIds, getImage) page through it.
 *
 * The library's filters (classes, split + part, status, duplicates, name
 * search) are SQL; a run's predictions (predicted class, right / wrong, sort
 * by confidence or loss) and the suspected-label list are applied in memory
 * to the matching ids (25,000 images take a few ms). Without those it pages
 * in SQL.
 *
 * Right / wrong and the loss are judged against the image's CURRENT label
 * (see judge()), so the "wrong" filter, the loss sort and the label shown
 * always agree, and relabelling an image to the predicted class makes it
 * "right" at once. (A run's own metrics stay those of its evaluation.)
 */
import path from 'node:path';
import type { ImageFilter, ImageSort, ImageStatus, LabelSource, Part, PredictionInfo, SuspectMark } from '../../../shared/api.ts';
import { notFound } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import { judge, latestPredictedRun, runPredictions, type ImagePrediction, type RunPredictions } from '../runs/run-predictions.ts';
import { SuspectsStore, type SuspectLookup } from '../runs/suspects-store.ts';

/** Filters, a sort and a page. `sort: 'id'` is the import order. */
export interface ImageListQuery extends ImageFilter {
  sort?: ImageSort | 'id';
  order?: 'asc' | 'desc';
  offset?: number;
  /** Page size (default 100). */
  limit?: number;
}

export interface ImageRecord {
  id: number;
  root: string;
  /** Path relative to its root, '/' separated. */
  path: string;
  absPath: string;
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
  /** The run's prediction, judged against the current label; null without one. */
  prediction: PredictionInfo | null;
  /** Its mark in the current suspected-label list, or null. */
  suspect: SuspectMark | null;
}

export interface ImagePage {
  total: number;
  offset: number;
  limit: number;
  /** The run whose predictions are shown, or null when no run has predictions. */
  runId: number | null;
  images: ImageRecord[];
}

const DEFAULT_LIMIT = 100;

type Row = Omit<ImageRecord, 'absPath' | 'prediction' | 'suspect'>;

interface SqlFilter {
  /** FROM … WHERE with every join a row needs. */
  from: string;
  /** FROM … WHERE joining only what the conditions use (counting, listing ids). */
  idsFrom: string;
  params: Record<string, unknown>;
  splitId: number | null;
}

function latestSplitId(db: Db): number | null {
  return (db.prepare('SELECT id FROM splits ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: number } | undefined)?.id ?? null;
}

function sqlFilter(db: Db, f: ImageFilter): SqlFilter {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let splitId: number | null;
  if (f.split) {
    const s = db.prepare('SELECT id FROM splits WHERE name = ?').get(f.split) as { id: number } | undefined;
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

function usesPredictions(q: ImageListQuery): boolean {
  return q.predictedClass !== undefined || q.correctness !== undefined || q.sort === 'confidence' || q.sort === 'loss';
}

function inMemory(q: ImageListQuery): boolean {
  return usesPredictions(q) || q.suspect === true;
}

/** The run asked for, else the latest finished run with predictions; null when it has none. */
function resolveRun(db: Db, q: ImageFilter): RunPredictions | null {
  if (q.runId !== undefined) {
    if (!db.prepare('SELECT 1 FROM runs WHERE id = ?').get(q.runId)) throw notFound(`no run with id ${q.runId}`);
    return runPredictions(db, q.runId);
  }
  const latest = latestPredictedRun(db);
  return latest === null ? null : runPredictions(db, latest);
}

function toRecord(r: Row, preds: RunPredictions | null, suspects: SuspectLookup): ImageRecord {
  const p = preds?.byImage.get(r.id);
  return {
    ...r,
    absPath: path.join(r.root, ...r.path.split('/')),
    prediction: p && preds ? { runId: p.runId, className: p.className, confidence: p.confidence, ...judge(p, r.class, preds.classes) } : null,
    suspect: suspects.get(r.id) ?? null,
  };
}

/** Ids matching the filter, in the order asked for. */
function matchingIds(db: Db, q: ImageListQuery, preds: RunPredictions | null, suspects: SuspectLookup): number[] {
  const { from, idsFrom, params } = sqlFilter(db, q);
  const base = q.sort === 'id' ? 'i.id' : 'natural_key(i.rel_path), i.rel_path, i.id';
  // Judging right / wrong and the loss needs each image's current label.
  const judged = q.correctness !== undefined || q.sort === 'loss';
  const rows = judged
    ? (db.prepare(`SELECT i.id, c.name AS label ${from} ORDER BY ${base}`).all(params) as { id: number; label: string | null }[])
    : (db.prepare(`SELECT i.id ${idsFrom} ORDER BY ${base}`).all(params) as { id: number }[]);
  const labelOf = new Map<number, string | null>(judged ? (rows as { id: number; label: string | null }[]).map((r) => [r.id, r.label]) : []);
  const verdict = (id: number, p: ImagePrediction): { correct: boolean | null; loss: number | null } => judge(p, labelOf.get(id) ?? null, preds!.classes);
  let ids = rows.map((r) => r.id);
  if (q.suspect) {
    const s = new Set(suspects.ids());
    ids = ids.filter((id) => s.has(id));
  }
  if (q.predictedClass !== undefined || q.correctness !== undefined) {
    ids = ids.filter((id) => {
      const p = preds?.byImage.get(id);
      if (!p) return false;
      if (q.predictedClass !== undefined && p.className !== q.predictedClass) return false;
      if (q.correctness !== undefined) {
        const { correct } = verdict(id, p);
        if (q.correctness === 'correct' && correct !== true) return false;
        if (q.correctness === 'wrong' && correct !== false) return false;
      }
      return true;
    });
  }
  const dir = q.order === 'desc' ? -1 : 1;
  if (q.sort === 'confidence' || q.sort === 'loss') {
    const keys = new Map<number, number | null>();
    for (const id of ids) {
      const p = preds?.byImage.get(id);
      keys.set(id, !p ? null : q.sort === 'confidence' ? p.confidence : verdict(id, p).loss);
    }
    // Images without the figure go last whatever the order; ties keep name order.
    const rank = new Map(ids.map((id, i) => [id, i]));
    ids.sort((a, b) => {
      const ka = keys.get(a) ?? null;
      const kb = keys.get(b) ?? null;
      if (ka === null || kb === null) return ka === null && kb === null ? rank.get(a)! - rank.get(b)! : ka === null ? 1 : -1;
      return ka === kb ? rank.get(a)! - rank.get(b)! : (ka - kb) * dir;
    });
  } else if (q.order === 'desc') ids.reverse();
  return ids;
}

function rowsByIds(db: Db, ids: number[], splitId: number | null): Row[] {
  if (ids.length === 0) return [];
  const rows = db.prepare(`SELECT ${ROW_COLUMNS} FROM images i JOIN roots r ON r.id = i.root_id
      LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId
      LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id
    WHERE i.id IN (SELECT value FROM json_each(@ids))`).all({ splitId: splitId ?? -1, ids: JSON.stringify(ids) }) as Row[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is Row => !!r);
}

function storedSuspects(project: Project): SuspectLookup {
  return new SuspectsStore(project).lookup();
}

/**
 * One page of the images matching `q`. `suspects` is the current suspected-label
 * list (default: the one stored with the project).
 */
export function queryImages(project: Project, q: ImageListQuery = {}, suspects: SuspectLookup = storedSuspects(project)): ImagePage {
  const db = project.db;
  const preds = resolveRun(db, q);
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.max(0, q.limit ?? DEFAULT_LIMIT);
  const page = (total: number, rows: Row[]): ImagePage => ({ total, offset, limit, runId: preds?.runId ?? null, images: rows.map((r) => toRecord(r, preds, suspects)) });
  const f = sqlFilter(db, q);
  if (!inMemory(q)) {
    const total = (db.prepare(`SELECT count(*) AS n ${f.idsFrom}`).get(f.params) as { n: number }).n;
    const desc = q.order === 'desc' ? ' DESC' : '';
    const order = q.sort === 'id' ? `i.id${desc}` : `natural_key(i.rel_path)${desc}, i.rel_path${desc}, i.id${desc}`;
    const rows = db.prepare(`SELECT ${ROW_COLUMNS} ${f.from} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({ ...f.params, limit, offset }) as Row[];
    return page(total, rows);
  }
  const ids = matchingIds(db, q, preds, suspects);
  return page(ids.length, rowsByIds(db, ids.slice(offset, offset + limit), f.splitId));
}

/** Every id matching the filter, in name order (the gallery's select-all). */
export function queryImageIds(project: Project, f: ImageFilter, suspects: SuspectLookup = storedSuspects(project)): { ids: number[]; total: number } {
  const q: ImageListQuery = { ...f, sort: 'name' };
  const preds = usesPredictions(q) ? resolveRun(project.db, q) : null;
  const ids = matchingIds(project.db, q, preds, suspects);
  return { ids, total: ids.length };
}

/** One image as the list shows it (part in the latest split, prediction of the latest run with predictions), or null. */
export function imageRecord(project: Project, id: number, suspects: SuspectLookup = storedSuspects(project)): ImageRecord | null {
  const db = project.db;
  const [row] = rowsByIds(db, [id], latestSplitId(db));
  if (!row) return null;
  const run = latestPredictedRun(db);
  return toRecord(row, run === null ? null : runPredictions(db, run), suspects);
}
