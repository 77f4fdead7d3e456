import { invalidArgument, notFound, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import { liveClassIds } from '../db/label-store.ts';
import { countTestEvaluation, deleteSplitNamed, insertSplit, listSplitRows, lockSplitTest, membersOfPart, splitByName, splitCandidates, splitClassCounts, type SplitRow, unusableMemberCounts } from '../db/split-store.ts';
import type { Project } from '../project.ts';
import type { PartCounts, SplitInfo, SplitPreview, SplitRequest } from '../../../shared/api.ts';
import { PARTS, planSplit, type Part, type SizeRequest } from './split-planner.ts';

export const DEFAULT_SPLIT_NAME = 'default';
export const DEFAULT_SEED = 42;

export { splitCandidates };

/** Per-part class counts as the contract gives them, in both shapes (a list of parts for charts, a map for scripts). */
function partsOf(counts: PartCounts, totals: Record<Part, number>): Pick<SplitInfo, 'parts' | 'counts' | 'totals'> {
  return { parts: PARTS.map((part) => ({ part, total: totals[part], byClass: { ...counts[part] } })), counts, totals };
}

/**
 * Counts per part and class without creating anything (the UI's live chart).
 * Never throws for a request that cannot be met: it says why, naming the field.
 */
export function previewSplit(project: Project, req: SplitRequest): SplitPreview {
  const candidates = splitCandidates(project.db);
  try {
    const plan = planSplit(candidates, { unit: req.unit, sizes: req.sizes, seed: req.seed, stratify: req.stratified });
    return { ok: true, problem: null, problemField: null, available: plan.available.total, availableByClass: plan.available.byClass, ...partsOf(plan.counts, plan.totals) };
  } catch (err) {
    if (!(err instanceof StudioError) || err.code !== 'invalid-argument') throw err;
    const byClass: Record<string, number> = {};
    for (const c of candidates) byClass[c.className] = (byClass[c.className] ?? 0) + 1;
    return {
      ok: false, problem: err.message, problemField: err.field ?? null, available: candidates.length, availableByClass: byClass,
      ...partsOf({ train: {}, val: {}, test: {} }, { train: 0, val: 0, test: 0 }),
    };
  }
}

/** Plans and stores a named split; its membership is frozen from then on. */
export function createSplit(project: Project, req: SplitRequest): SplitInfo {
  const db = project.db;
  const name = req.name.trim();
  if (!name) throw invalidArgument('name: a split name cannot be empty', 'name');
  const sizes: SizeRequest = { unit: req.unit, sizes: req.sizes };
  return db.transaction(() => {
    if (splitByName(db, name)) {
      throw new StudioError('conflict', `a split named "${name}" already exists and is frozen; choose another name${isLocked(db, name) ? '' : ' or delete that split first'}`, 'name');
    }
    const plan = planSplit(splitCandidates(db), { ...sizes, seed: req.seed, stratify: req.stratified });
    const classIds = liveClassIds(db);
    insertSplit(db, { name, seed: req.seed, stratified: req.stratified, request: JSON.stringify({ ...sizes, totals: plan.totals }), testLocked: req.lockTest ?? false },
      plan.members.map((m) => ({ imageId: m.id, part: m.part, classId: classIds.get(m.className)! })));
    return getSplit(project, name);
  }).immediate();
}

function isLocked(db: Db, name: string): boolean {
  return splitByName(db, name)?.test_locked === 1;
}

function summarise(db: Db, row: SplitRow): SplitInfo {
  const counts: PartCounts = { train: {}, val: {}, test: {} };
  const totals: Record<Part, number> = { train: 0, val: 0, test: 0 };
  const rows = splitClassCounts(db, row.id);
  for (const r of rows) {
    counts[r.part][r.name] = r.n;
    totals[r.part] += r.n;
  }
  const unavailable: Record<Part, number> = { train: 0, val: 0, test: 0 };
  for (const r of unusableMemberCounts(db, row.id)) unavailable[r.part] = r.n;
  return {
    id: row.id, name: row.name, seed: row.seed, stratified: row.stratified === 1, testLocked: row.test_locked === 1,
    testEvaluations: row.test_evaluations, createdAt: row.created_at, ...partsOf(counts, totals), unavailable,
  };
}

export function getSplit(project: Project, name: string): SplitInfo {
  const row = splitByName(project.db, name);
  if (!row) {
    const names = listSplitRows(project.db).map((r) => `"${r.name}"`);
    throw notFound(`no split named "${name}"; the project has ${names.length ? names.join(', ') : 'no splits'}`);
  }
  return summarise(project.db, row);
}

export function listSplits(project: Pick<Project, 'db'>): SplitInfo[] {
  return listSplitRows(project.db).map((r) => summarise(project.db, r));
}

/** Locks the test part: from then on the split cannot be deleted or changed. There is no unlock. */
export function lockSplit(project: Project, name: string): SplitInfo {
  const s = getSplit(project, name);
  if (!s.testLocked) lockSplitTest(project.db, name);
  return getSplit(project, name);
}

export function deleteSplit(project: Project, name: string): { deleted: string } {
  const s = getSplit(project, name);
  if (s.testLocked) {
    throw new StudioError('conflict', `split "${name}" has a locked test part (evaluated ${s.testEvaluations} time(s)) and cannot be deleted; create a new split under another name instead`);
  }
  deleteSplitNamed(project.db, name);
  return { deleted: name };
}

/**
 * Counts one evaluation on the test part of a split (runs code calls this each
 * time it scores the test images) and returns the split with its new count, so the studio can
 * say how often a locked test set has been looked at.
 */
export function recordTestEvaluation(project: Project, name: string): SplitInfo {
  getSplit(project, name);
  countTestEvaluation(project.db, name);
  return getSplit(project, name);
}

/** Image ids of one part of a split, for training and evaluation code. */
export function splitMembers(project: Project, name: string, part: Part): { imageId: number; className: string }[] {
  getSplit(project, name);
  if (!PARTS.includes(part)) throw invalidArgument(`part must be train, val or test, got "${part}"`);
  return membersOfPart(project.db, name, part);
}
