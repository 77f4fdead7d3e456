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
import type { ImageFilter, ImageSort, PredictionInfo, SuspectMark } from '../../../shared/api.ts';
import { notFound } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import { judge, latestPredictedRun, runPredictions, type ImagePrediction, type RunPredictions } from '../runs/run-predictions.ts';
import { SuspectsStore, type SuspectLookup } from '../db/decision-store.ts';
import { countMatching, latestSplitId, matchingIds as matchingIdRows, pageOfMatching, rowsByIds, sqlFilter, type ImageListRow } from '../db/image-list-store.ts';
import { runExists } from '../db/run-store.ts';

/** Filters, a sort and a page. `sort: 'id'` is the import order. */
export interface ImageListQuery extends ImageFilter {
  sort?: ImageSort | 'id';
  order?: 'asc' | 'desc';
  offset?: number;
  /** Page size (default 100). */
  limit?: number;
}

/** A row of the list (db/image-list-store.ts) with its file, its prediction and its suspect mark. */
export interface ImageRecord extends ImageListRow {
  absPath: string;
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

type Row = ImageListRow;

function usesPredictions(q: ImageListQuery): boolean {
  return q.predictedClass !== undefined || q.correctness !== undefined || q.sort === 'confidence' || q.sort === 'loss';
}

function inMemory(q: ImageListQuery): boolean {
  return usesPredictions(q) || q.suspect === true;
}

/** The run asked for, else the latest finished run with predictions; null when it has none. */
function resolveRun(db: Db, q: ImageFilter): RunPredictions | null {
  if (q.runId !== undefined) {
    if (!runExists(db, q.runId)) throw notFound(`no run with id ${q.runId}`);
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
  // Judging right / wrong and the loss needs each image's current label.
  const judged = q.correctness !== undefined || q.sort === 'loss';
  const rows = matchingIdRows(db, sqlFilter(db, q), { byId: q.sort === 'id', withLabels: judged });
  const labelOf = new Map<number, string | null>(judged ? rows.map((r) => [r.id, r.label ?? null]) : []);
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

function storedSuspects(project: Project): SuspectLookup {
  return new SuspectsStore(project.db).lookup();
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
    const total = countMatching(db, f);
    return page(total, pageOfMatching(db, f, { byId: q.sort === 'id', desc: q.order === 'desc', limit, offset }));
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
