import { invalidArgument, notFound, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import type { PartCounts, SplitInfo, SplitPreview, SplitRequest } from '../../../shared/api.ts';
import { PARTS, planSplit, type Part, type SizeRequest, type SplitCandidate } from './split-planner.ts';

export const DEFAULT_SPLIT_NAME = 'default';
export const DEFAULT_SEED = 42;

/** Labelled, healthy images of live classes: what a split draws from. */
export function splitCandidates(db: Db): SplitCandidate[] {
  return db.prepare(`SELECT i.id, i.hash, i.rel_path AS path, c.name AS className
      FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id
      WHERE i.status = 'ok' AND i.hash IS NOT NULL AND c.deleted = 0`).all() as SplitCandidate[];
}

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
    if (db.prepare('SELECT 1 FROM splits WHERE name = ?').get(name)) {
      throw new StudioError('conflict', `a split named "${name}" already exists and is frozen; choose another name${isLocked(db, name) ? '' : ' or delete that split first'}`, 'name');
    }
    const plan = planSplit(splitCandidates(db), { ...sizes, seed: req.seed, stratify: req.stratified });
    const classIds = new Map((db.prepare('SELECT id, name FROM classes WHERE deleted = 0').all() as { id: number; name: string }[]).map((c) => [c.name, c.id]));
    const id = Number(db.prepare('INSERT INTO splits (name, seed, stratified, request, test_locked, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, req.seed, req.stratified ? 1 : 0, JSON.stringify({ ...sizes, totals: plan.totals }), req.lockTest ? 1 : 0, Date.now()).lastInsertRowid);
    const insert = db.prepare('INSERT INTO split_members (split_id, image_id, part, class_id) VALUES (?, ?, ?, ?)');
    for (const m of plan.members) insert.run(id, m.id, m.part, classIds.get(m.className)!);
    return getSplit(project, name);
  }).immediate();
}

function isLocked(db: Db, name: string): boolean {
  return (db.prepare('SELECT test_locked FROM splits WHERE name = ?').get(name) as { test_locked: number } | undefined)?.test_locked === 1;
}

interface SplitRow {
  id: number;
  name: string;
  seed: number;
  stratified: number;
  request: string;
  test_locked: number;
  test_evaluations: number;
  created_at: number;
}

function summarise(db: Db, row: SplitRow): SplitInfo {
  const counts: PartCounts = { train: {}, val: {}, test: {} };
  const totals: Record<Part, number> = { train: 0, val: 0, test: 0 };
  const rows = db.prepare(`SELECT m.part, c.name, count(*) AS n FROM split_members m JOIN classes c ON c.id = m.class_id
      WHERE m.split_id = ? GROUP BY m.part, c.id ORDER BY c.position, c.id`).all(row.id) as { part: Part; name: string; n: number }[];
  for (const r of rows) {
    counts[r.part][r.name] = r.n;
    totals[r.part] += r.n;
  }
  const unavailable: Record<Part, number> = { train: 0, val: 0, test: 0 };
  for (const r of db.prepare(`SELECT m.part, count(*) AS n FROM split_members m JOIN images i ON i.id = m.image_id
      WHERE m.split_id = ? AND i.status != 'ok' GROUP BY m.part`).all(row.id) as { part: Part; n: number }[]) unavailable[r.part] = r.n;
  return {
    id: row.id, name: row.name, seed: row.seed, stratified: row.stratified === 1, testLocked: row.test_locked === 1,
    testEvaluations: row.test_evaluations, createdAt: row.created_at, ...partsOf(counts, totals), unavailable,
  };
}

export function getSplit(project: Project, name: string): SplitInfo {
  const row = project.db.prepare('SELECT * FROM splits WHERE name = ?').get(name) as SplitRow | undefined;
  if (!row) {
    const names = (project.db.prepare('SELECT name FROM splits ORDER BY created_at').all() as { name: string }[]).map((r) => `"${r.name}"`);
    throw notFound(`no split named "${name}"; the project has ${names.length ? names.join(', ') : 'no splits'}`);
  }
  return summarise(project.db, row);
}

export function listSplits(project: Pick<Project, 'db'>): SplitInfo[] {
  return (project.db.prepare('SELECT * FROM splits ORDER BY created_at, id').all() as SplitRow[]).map((r) => summarise(project.db, r));
}

/** Locks the test part: from then on the split cannot be deleted or changed. There is no unlock. */
export function lockSplit(project: Project, name: string): SplitInfo {
  const s = getSplit(project, name);
  if (!s.testLocked) project.db.prepare('UPDATE splits SET test_locked = 1 WHERE name = ?').run(name);
  return getSplit(project, name);
}

export function deleteSplit(project: Project, name: string): { deleted: string } {
  const s = getSplit(project, name);
  if (s.testLocked) {
    throw new StudioError('conflict', `split "${name}" has a locked test part (evaluated ${s.testEvaluations} time(s)) and cannot be deleted; create a new split under another name instead`);
  }
  project.db.prepare('DELETE FROM splits WHERE name = ?').run(name);
  return { deleted: name };
}

/**
 * Counts one evaluation on the test part of a split (runs code calls this each
 * time it scores the test images) and returns the split with its new count, so the studio can
 * say how often a locked test set has been looked at.
 */
export function recordTestEvaluation(project: Project, name: string): SplitInfo {
  getSplit(project, name);
  project.db.prepare('UPDATE splits SET test_evaluations = test_evaluations + 1 WHERE name = ?').run(name);
  return getSplit(project, name);
}

/** Image ids of one part of a split, for training and evaluation code. */
export function splitMembers(project: Project, name: string, part: Part): { imageId: number; className: string }[] {
  getSplit(project, name);
  if (!PARTS.includes(part)) throw invalidArgument(`part must be train, val or test, got "${part}"`);
  return project.db.prepare(`SELECT m.image_id AS imageId, c.name AS className FROM split_members m JOIN splits s ON s.id = m.split_id
      JOIN classes c ON c.id = m.class_id WHERE s.name = ? AND m.part = ? ORDER BY m.image_id`).all(name, part) as { imageId: number; className: string }[];
}
