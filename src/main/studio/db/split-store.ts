import type { ImageDetail } from '../../../shared/api.ts';
import type { Part, SplitCandidate } from '../splits/split-planner.ts';
import type { Db } from './project-db.ts';

/**
 * The split store: tables splits and split_members (migration 001). A split's
 * membership is written once, when it is made, with the label each image had
 * then; it never changes after.
 */

export interface SplitRow {
  id: number;
  name: string;
  seed: number;
  stratified: number;
  request: string;
  test_locked: number;
  test_evaluations: number;
  created_at: number;
}

/** Labelled, healthy images of live classes: what a split draws from. */
export function splitCandidates(db: Db): SplitCandidate[] {
  return db.prepare(`SELECT i.id, i.hash, i.rel_path AS path, c.name AS className
      FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id
      WHERE i.status = 'ok' AND i.hash IS NOT NULL AND c.deleted = 0`).all() as SplitCandidate[];
}

/** Stores a split and its frozen membership; returns its id. Run inside an immediate transaction. */
export function insertSplit(
  db: Db,
  split: { name: string; seed: number; stratified: boolean; request: string; testLocked: boolean },
  members: readonly { imageId: number; part: Part; classId: number }[],
): number {
  const id = Number(db.prepare('INSERT INTO splits (name, seed, stratified, request, test_locked, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(split.name, split.seed, split.stratified ? 1 : 0, split.request, split.testLocked ? 1 : 0, Date.now()).lastInsertRowid);
  const insert = db.prepare('INSERT INTO split_members (split_id, image_id, part, class_id) VALUES (?, ?, ?, ?)');
  for (const m of members) insert.run(id, m.imageId, m.part, m.classId);
  return id;
}

export function splitByName(db: Db, name: string): SplitRow | undefined {
  return db.prepare('SELECT * FROM splits WHERE name = ?').get(name) as SplitRow | undefined;
}

/** The newest split, or undefined when there is none. */
export function latestSplit(db: Db): SplitRow | undefined {
  return db.prepare('SELECT * FROM splits ORDER BY created_at DESC, id DESC LIMIT 1').get() as SplitRow | undefined;
}

/** Every split, oldest first. */
export function listSplitRows(db: Db): SplitRow[] {
  return db.prepare('SELECT * FROM splits ORDER BY created_at, id').all() as SplitRow[];
}

export function splitTestState(db: Db, splitId: number): { test_locked: number; test_evaluations: number } | undefined {
  return db.prepare('SELECT test_locked, test_evaluations FROM splits WHERE id = ?').get(splitId) as { test_locked: number; test_evaluations: number } | undefined;
}

export function lockSplitTest(db: Db, name: string): void {
  db.prepare('UPDATE splits SET test_locked = 1 WHERE name = ?').run(name);
}

export function deleteSplitNamed(db: Db, name: string): void {
  db.prepare('DELETE FROM splits WHERE name = ?').run(name);
}

export function countTestEvaluation(db: Db, name: string): void {
  db.prepare('UPDATE splits SET test_evaluations = test_evaluations + 1 WHERE name = ?').run(name);
}

/** Images per part and class of a split, in class order. */
export function splitClassCounts(db: Db, splitId: number): { part: Part; name: string; n: number }[] {
  return db.prepare(`SELECT m.part, c.name, count(*) AS n FROM split_members m JOIN classes c ON c.id = m.class_id
      WHERE m.split_id = ? GROUP BY m.part, c.id ORDER BY c.position, c.id`).all(splitId) as { part: Part; name: string; n: number }[];
}

/** The members of one part with their frozen labels, in image id order. */
/** Members per part whose image runs now leave out: removed from the project, missing or failed. */
export function unusableMemberCounts(db: Db, splitId: number): { part: Part; n: number }[] {
  return db.prepare(`SELECT m.part, count(*) AS n FROM split_members m JOIN images i ON i.id = m.image_id
      WHERE m.split_id = ? AND i.status != 'ok' GROUP BY m.part`).all(splitId) as { part: Part; n: number }[];
}

export function membersOfPart(db: Db, name: string, part: Part): { imageId: number; className: string }[] {
  return db.prepare(`SELECT m.image_id AS imageId, c.name AS className FROM split_members m JOIN splits s ON s.id = m.split_id
      JOIN classes c ON c.id = m.class_id WHERE s.name = ? AND m.part = ? ORDER BY m.image_id`).all(name, part) as { imageId: number; className: string }[];
}

/** Healthy members of a split with their CURRENT labels (null when unlabelled or of a deleted class), in image id order. */
export function membersWithCurrentLabels(db: Db, splitId: number): { imageId: number; part: Part; classId: number | null; name: string | null; position: number | null }[] {
  return db.prepare(`SELECT m.image_id AS imageId, m.part, l.class_id AS classId, c.name, c.position
       FROM split_members m
       JOIN images i ON i.id = m.image_id AND i.status = 'ok'
       LEFT JOIN labels l ON l.image_id = m.image_id
       LEFT JOIN classes c ON c.id = l.class_id AND c.deleted = 0
       WHERE m.split_id = ? ORDER BY m.image_id`).all(splitId) as { imageId: number; part: Part; classId: number | null; name: string | null; position: number | null }[];
}

/** The splits an image belongs to, oldest first, with its part and frozen label. */
export function splitsOfImage(db: Db, imageId: number): ImageDetail['splits'] {
  return db.prepare(`SELECT s.name AS split, m.part, c.name AS frozenLabel FROM split_members m JOIN splits s ON s.id = m.split_id
                     JOIN classes c ON c.id = m.class_id WHERE m.image_id = ? ORDER BY s.created_at`).all(imageId) as ImageDetail['splits'];
}
