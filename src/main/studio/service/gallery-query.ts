/**
 * The gallery's query: the library's filters (classes, split + part, status,
 * duplicates, name search) in SQL, joined with a run's predictions
 * (predicted class, correct / wrong, sort by confidence or loss) and the
 * suspected-label list. Without prediction filters or sorts it pages in SQL;
 * with them it filters the matching ids in memory (25,000 images take a few ms).
 *
 * Right / wrong and the loss are judged against the image's CURRENT label,
 * not the label it had when the run was evaluated: that is the label the user
 * sees on the tile and fixes, so the "Wrong" filter, the loss sort and the
 * tiles always agree, and relabelling an image to the predicted class makes
 * it "right" at once. (The run's own metrics stay those of its evaluation.)
 */
import type { GalleryItem, GalleryPage, ImageFilter, ImageQuery, Part } from '../../../shared/api.ts';
import { notFound } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import { latestPredictedRun, runPredictions, type ImagePrediction, type RunPredictions } from './run-predictions.ts';

export interface SuspectLookup {
  get(imageId: number): { rank: number; score: number; suggested: string } | undefined;
  ids(): number[];
}

const DEFAULT_LIMIT = 200;

interface Row {
  id: number;
  name: string;
  hash: string | null;
  width: number | null;
  height: number | null;
  status: GalleryItem['status'];
  error: string | null;
  label: string | null;
  labelSource: GalleryItem['labelSource'];
  copies: number;
  part: Part | null;
}

function sqlFilter(db: Db, f: ImageFilter): { from: string; countFrom: string; params: Record<string, unknown>; splitId: number | null } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let splitId: number | null = null;
  if (f.split) {
    const s = db.prepare('SELECT id FROM splits WHERE name = ?').get(f.split) as { id: number } | undefined;
    if (!s) throw notFound(`no split named "${f.split}"`);
    splitId = s.id;
  } else {
    const latest = db.prepare('SELECT id FROM splits ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: number } | undefined;
    splitId = latest?.id ?? null;
  }
  params.splitId = splitId ?? -1;
  if (f.split) where.push('m.split_id IS NOT NULL');
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
  }
  if (f.duplicates) where.push(`i.status = 'ok' AND i.hash IN (SELECT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING count(*) > 1)`);
  if (f.search) {
    where.push("i.rel_path LIKE @search ESCAPE '\\'");
    params.search = `%${f.search.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
  }
  const from = `FROM images i LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId
    LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id
    ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`;
  // Counting and listing ids join only what the conditions use: SQLite does not
  // drop these LEFT JOINs itself, and three lookups per image add up at 25,000.
  const usesSplit = f.split !== undefined || f.part !== undefined;
  const usesLabels = classConds.length > 0;
  const countFrom = `FROM images i${usesSplit ? ' LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId' : ''}
    ${usesLabels ? 'LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id' : ''}
    ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`;
  return { from, countFrom, params, splitId };
}

const ROW_COLUMNS = `i.id, i.rel_path AS name, i.hash, i.width, i.height, i.status, i.error, c.name AS label, l.source AS labelSource, m.part AS part,
  CASE WHEN i.hash IS NULL OR i.status != 'ok' THEN 1 ELSE (SELECT count(*) FROM images d WHERE d.hash = i.hash AND d.status = 'ok') END AS copies`;

function needsMemory(q: ImageFilter & { sort?: string }): boolean {
  return q.predictedClass !== undefined || q.correctness !== undefined || q.suspect === true || q.sort === 'confidence' || q.sort === 'loss';
}

function resolveRun(db: Db, q: ImageFilter): RunPredictions | null {
  if (q.runId !== undefined) {
    const exists = db.prepare('SELECT 1 FROM runs WHERE id = ?').get(q.runId);
    if (!exists) throw notFound(`no run with id ${q.runId}`);
    return runPredictions(db, q.runId);
  }
  const latest = latestPredictedRun(db);
  return latest === null ? null : runPredictions(db, latest);
}

function toItem(r: Row, preds: RunPredictions | null, suspects: SuspectLookup): GalleryItem {
  const p = preds?.byImage.get(r.id);
  return {
    id: r.id, name: r.name, hash: r.hash, width: r.width, height: r.height, status: r.status, error: r.error,
    label: r.label, labelSource: r.labelSource, duplicates: Math.max(0, r.copies - 1), part: r.part,
    prediction: p && preds ? { runId: p.runId, className: p.className, confidence: p.confidence, ...judge(p, r.label, preds.classes) } : null,
    suspect: suspects.get(r.id) ?? null,
  };
}

/**
 * Right / wrong and loss of a prediction against `label`, the image's current
 * label: null both when unlabelled; a label the run never saw (a class made
 * after it) is wrong, with no loss (the run has no probability for it).
 */
export function judge(p: ImagePrediction, label: string | null, classes: string[]): { correct: boolean | null; loss: number | null } {
  if (label === null) return { correct: null, loss: null };
  const k = classes.indexOf(label);
  return { correct: p.className === label, loss: k < 0 ? null : -Math.log(Math.max(p.probabilities[k] ?? 0, 1e-7)) };
}

/** Ids matching the filter, ordered as the gallery sorts them. */
function matchingIds(db: Db, q: ImageQuery, preds: RunPredictions | null, suspects: SuspectLookup): number[] {
  const { from, countFrom, params } = sqlFilter(db, q);
  const judged = q.correctness !== undefined || q.sort === 'loss';
  // Judging right / wrong and the loss needs each image's current label.
  const rows = judged
    ? (db.prepare(`SELECT i.id, c.name AS label ${from} ORDER BY i.rel_path, i.id`).all(params) as { id: number; label: string | null }[])
    : (db.prepare(`SELECT i.id ${countFrom} ORDER BY i.rel_path, i.id`).all(params) as { id: number }[]);
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
    // Images without the figure go last whatever the order.
    const rank = new Map(ids.map((id, i) => [id, i]));
    ids.sort((a, b) => {
      const ka = keys.get(a) ?? null;
      const kb = keys.get(b) ?? null;
      if (ka === null || kb === null) return ka === null && kb === null ? rank.get(a)! - rank.get(b)! : ka === null ? 1 : -1;
      return ka === kb ? rank.get(a)! - rank.get(b)! : (ka - kb) * dir;
    });
  } else if (q.sort === 'name' && q.order === 'desc') ids.reverse();
  return ids;
}

function rowsByIds(db: Db, ids: number[], splitId: number | null): Row[] {
  if (ids.length === 0) return [];
  const stmt = db.prepare(`SELECT ${ROW_COLUMNS} FROM images i LEFT JOIN split_members m ON m.image_id = i.id AND m.split_id = @splitId
    LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id WHERE i.id IN (SELECT value FROM json_each(@ids))`);
  const rows = stmt.all({ splitId: splitId ?? -1, ids: JSON.stringify(ids) }) as Row[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is Row => !!r);
}

export function queryGallery(db: Db, q: ImageQuery, suspects: SuspectLookup): GalleryPage {
  const preds = resolveRun(db, q);
  const offset = q.offset ?? 0;
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!needsMemory(q)) {
    const { from, countFrom, params } = sqlFilter(db, q);
    const total = (db.prepare(`SELECT count(*) AS n ${countFrom}`).get(params) as { n: number }).n;
    const order = q.order === 'desc' ? 'i.rel_path DESC, i.id DESC' : 'i.rel_path, i.id';
    const rows = db.prepare(`SELECT ${ROW_COLUMNS} ${from} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({ ...params, limit, offset }) as Row[];
    return { total, offset, items: rows.map((r) => toItem(r, preds, suspects)), runId: preds?.runId ?? null };
  }
  const ids = matchingIds(db, q, preds, suspects);
  const { splitId } = sqlFilter(db, q);
  const rows = rowsByIds(db, ids.slice(offset, offset + limit), splitId);
  return { total: ids.length, offset, items: rows.map((r) => toItem(r, preds, suspects)), runId: preds?.runId ?? null };
}

export function queryGalleryIds(db: Db, f: ImageFilter, suspects: SuspectLookup): { ids: number[]; total: number } {
  const preds = needsMemory(f) ? resolveRun(db, f) : null;
  const ids = matchingIds(db, { ...f, sort: 'name' }, preds, suspects);
  return { ids, total: ids.length };
}

export function galleryItem(db: Db, id: number, suspects: SuspectLookup, splitId: number | null = null): GalleryItem | null {
  const latestSplit = splitId ?? ((db.prepare('SELECT id FROM splits ORDER BY created_at DESC, id DESC LIMIT 1').get() as { id: number } | undefined)?.id ?? null);
  const [row] = rowsByIds(db, [id], latestSplit);
  if (!row) return null;
  const run = latestPredictedRun(db);
  return toItem(row, run === null ? null : runPredictions(db, run), suspects);
}
