import type { Db } from './project-db.ts';

/**
 * The label store: tables classes, labels, label_history, label_changes and
 * class_changes (migration 001). The invariant it keeps: every change of a
 * label is recorded in label_changes under a history entry, and `labels` is
 * written only from those recorded rows, by writeLabelChanges — for an
 * import, a relabel, a class merge or delete, and undo / redo alike. All of it
 * is set-based SQL: ten thousand images are one statement, not a loop.
 */

/** A live class as the store counts it (the contract's ClassInfo adds its position). */
export interface ClassCounts {
  id: number;
  name: string;
  /** Healthy (status ok) images with this label. */
  count: number;
  /** Images of the project with this label, whatever their status (removed ones left out). */
  labelled: number;
}

export interface HistoryEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  description: string;
  undone: boolean;
  labelChanges: number;
  classChanges: number;
  /** Images the entry removed from the project. */
  imagesRemoved: number;
}

export interface ImageLabelEvent {
  historyId: number;
  at: number;
  actor: string;
  action: string;
  description: string;
  undone: boolean;
  from: string | null;
  to: string | null;
  fromSource: string | null;
  toSource: string | null;
}

export interface ClassChange {
  oldName: string | null;
  newName: string | null;
  oldDeleted: number | null;
  newDeleted: number | null;
}

export type LabelSource = 'import' | 'user';

/**
 * What writeLabelChanges records and applies for one history entry.
 * - `targets`: the images loaded with fillTargetImages get class `classId`
 *   set by hand (source 'user'), or are cleared when `classId` is null; images
 *   that already have that label by hand are left out.
 * - `ofClass`: every image labelled `classId` moves to `into` (keeping its
 *   label source), or is cleared when `into` is null (class merge, delete).
 * - `rows`: each image gets the class given (an import): unlabelled images
 *   and images labelled otherwise by an import; a label set by hand is kept.
 * - `replay`: no new rows: the entry's recorded rows are written again, their
 *   old side (undo) or their new side (redo).
 */
export type LabelChanges =
  | { targets: true; classId: number | null }
  | { ofClass: number; into: number | null }
  | { rows: readonly { imageId: number; classId: number }[]; source: LabelSource }
  | { replay: 'undo' | 'redo' };

const INSERT_CHANGES = 'INSERT INTO label_changes (history_id, image_id, old_class_id, new_class_id, old_source, new_source)';

/** Rows as a JSON array of [imageId, classId] pairs, expanded by SQLite (one statement for any number of rows). */
const WANTED_ROWS = `(SELECT json_extract(value, '$[0]') AS image_id, json_extract(value, '$[1]') AS class_id FROM json_each(@rows))`;

function recordChanges(db: Db, historyId: number, change: Exclude<LabelChanges, { replay: unknown }>): number {
  if ('targets' in change) {
    return change.classId === null
      ? db.prepare(`${INSERT_CHANGES} SELECT @h, t.image_id, l.class_id, NULL, l.source, NULL
          FROM temp.target_images t JOIN labels l ON l.image_id = t.image_id`).run({ h: historyId }).changes
      : db.prepare(`${INSERT_CHANGES} SELECT @h, t.image_id, l.class_id, @c, l.source, 'user'
          FROM temp.target_images t LEFT JOIN labels l ON l.image_id = t.image_id
          WHERE l.class_id IS NOT @c OR l.source IS NOT 'user'`).run({ h: historyId, c: change.classId }).changes;
  }
  if ('ofClass' in change) {
    return db.prepare(`${INSERT_CHANGES} SELECT @h, image_id, class_id, @into, source, CASE WHEN @into IS NULL THEN NULL ELSE source END
        FROM labels WHERE class_id = @c`).run({ h: historyId, c: change.ofClass, into: change.into }).changes;
  }
  if (change.rows.length === 0) return 0;
  return db.prepare(`${INSERT_CHANGES} SELECT @h, w.image_id, l.class_id, w.class_id, l.source, @source
      FROM ${WANTED_ROWS} w LEFT JOIN labels l ON l.image_id = w.image_id
      WHERE l.image_id IS NULL OR (l.class_id != w.class_id AND l.source != 'user')`)
    .run({ h: historyId, source: change.source, rows: JSON.stringify(change.rows.map((r) => [r.imageId, r.classId])) }).changes;
}

/**
 * THE way labels change: records the changes of history entry `historyId` in
 * label_changes (from a set-based SELECT or from the rows given) and then
 * writes `labels` from the rows it recorded; for undo / redo it writes the
 * entry's recorded rows again, old or new side. Runs inside the caller's
 * transaction. Returns how many images' labels changed.
 */
export function writeLabelChanges(db: Db, historyId: number, change: LabelChanges): number {
  let side: 'old' | 'new' = 'new';
  // Which recorded rows to write: all of the entry's (replay), or those just recorded
  // (an import records one entry's rows over several transactions).
  let after = -1;
  let n: number;
  if ('replay' in change) {
    side = change.replay === 'undo' ? 'old' : 'new';
    n = entryLabelChangeCount(db, historyId);
  } else {
    after = db.prepare('SELECT coalesce(max(rowid), 0) FROM label_changes').pluck().get() as number;
    n = recordChanges(db, historyId, change);
  }
  if (n === 0) return 0;
  const rows = `FROM label_changes WHERE history_id = @h AND rowid > @after`;
  db.prepare(`DELETE FROM labels WHERE image_id IN (SELECT image_id ${rows} AND ${side}_class_id IS NULL)`).run({ h: historyId, after });
  db.prepare(`INSERT INTO labels (image_id, class_id, source, updated_at)
      SELECT image_id, ${side}_class_id, ${side}_source, @now ${rows} AND ${side}_class_id IS NOT NULL
      ON CONFLICT (image_id) DO UPDATE SET class_id = excluded.class_id, source = excluded.source, updated_at = excluded.updated_at`)
    .run({ h: historyId, after, now: Date.now() });
  return n;
}

/** Of the rows an import wants, how many differ from a label set by hand (which the import keeps). */
export function countKeptUserLabels(db: Db, rows: readonly { imageId: number; classId: number }[]): number {
  if (rows.length === 0) return 0;
  return db.prepare(`SELECT count(*) FROM ${WANTED_ROWS} w JOIN labels l ON l.image_id = w.image_id WHERE l.source = 'user' AND l.class_id != w.class_id`)
    .pluck().get({ rows: JSON.stringify(rows.map((r) => [r.imageId, r.classId])) }) as number;
}

/** Loads image ids into temp.target_images (one statement); returns up to five ids that name no image. */
export function fillTargetImages(db: Db, ids: readonly number[]): number[] {
  db.prepare('CREATE TEMP TABLE IF NOT EXISTS target_images (image_id INTEGER PRIMARY KEY)').run();
  db.prepare('DELETE FROM temp.target_images').run();
  db.prepare('INSERT OR IGNORE INTO temp.target_images (image_id) SELECT value FROM json_each(?)').run(JSON.stringify(ids));
  return (db.prepare('SELECT t.image_id FROM temp.target_images t LEFT JOIN images i ON i.id = t.image_id WHERE i.id IS NULL LIMIT 5').pluck().all() as number[]);
}

/** Image ids whose label an entry changed. */
export function changedImageIds(db: Db, historyId: number): number[] {
  return db.prepare('SELECT image_id FROM label_changes WHERE history_id = ?').pluck().all(historyId) as number[];
}

function entryLabelChangeCount(db: Db, historyId: number): number {
  return db.prepare('SELECT count(*) FROM label_changes WHERE history_id = ?').pluck().get(historyId) as number;
}

// ---- classes ----

export function findLiveClass(db: Db, name: string): { id: number; name: string } | undefined {
  return db.prepare('SELECT id, name FROM classes WHERE name = ? AND deleted = 0').get(name) as { id: number; name: string } | undefined;
}

/** Live class names in class order. */
export function liveClassNames(db: Db): string[] {
  return db.prepare('SELECT name FROM classes WHERE deleted = 0 ORDER BY position, id').pluck().all() as string[];
}

/** Live classes by name. */
export function liveClassIds(db: Db): Map<string, number> {
  return new Map((db.prepare('SELECT id, name FROM classes WHERE deleted = 0').all() as { id: number; name: string }[]).map((c) => [c.name, c.id]));
}

/** The newest deleted class of that name (revived instead of a new one, so its id stays stable). */
export function findDeletedClass(db: Db, name: string): number | undefined {
  return db.prepare('SELECT id FROM classes WHERE name = ? AND deleted = 1 ORDER BY id DESC LIMIT 1').pluck().get(name) as number | undefined;
}

/** A new class after every other; returns its id. */
export function insertClass(db: Db, name: string): number {
  const pos = db.prepare('SELECT coalesce(max(position), -1) + 1 FROM classes').pluck().get() as number;
  return Number(db.prepare('INSERT INTO classes (name, position, created_at) VALUES (?, ?, ?)').run(name, pos, Date.now()).lastInsertRowid);
}

export function setClassDeleted(db: Db, classId: number, deleted: boolean): void {
  db.prepare('UPDATE classes SET deleted = ? WHERE id = ?').run(deleted ? 1 : 0, classId);
}

export function setClassName(db: Db, classId: number, name: string): void {
  db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(name, classId);
}

/**
 * Live classes in creation order, with image counts. Counted from the
 * labels_class index (labels per class) minus the few labelled images that are
 * not healthy (found through images_status), instead of joining every label to
 * its image: this runs after every relabel, so it must stay cheap at 25,000+.
 */
export function listClasses(db: Db): ClassCounts[] {
  return db.prepare(`
    SELECT c.id, c.name, coalesce(n.labelled, 0) - coalesce(b.unhealthy, 0) - coalesce(b.removed, 0) AS count,
           coalesce(n.labelled, 0) - coalesce(b.removed, 0) AS labelled
    FROM classes c
    LEFT JOIN (SELECT class_id, count(*) AS labelled FROM labels GROUP BY class_id) n ON n.class_id = c.id
    LEFT JOIN (SELECT l.class_id, sum(i.status != 'removed') AS unhealthy, sum(i.status = 'removed') AS removed FROM images i JOIN labels l ON l.image_id = i.id
               WHERE i.status IN ('failed', 'missing', 'removed') GROUP BY l.class_id) b ON b.class_id = c.id
    WHERE c.deleted = 0 ORDER BY c.position, c.id`).all() as ClassCounts[];
}

/** Healthy labelled images per live class, in class order. */
export function classCounts(db: Db): Record<string, number> {
  const rows = db.prepare(`
    SELECT c.name, count(i.id) AS n FROM classes c
    LEFT JOIN labels l ON l.class_id = c.id LEFT JOIN images i ON i.id = l.image_id AND i.status = 'ok'
    WHERE c.deleted = 0 GROUP BY c.id ORDER BY c.position, c.id`).all() as { name: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/** The current labels for a CSV export (path relative to its root), missing and removed images left out. */
export function labelsForExport(db: Db, includeUnlabelled: boolean): { path: string; label: string | null; source: string | null; root: string }[] {
  return db.prepare(`SELECT i.rel_path AS path, c.name AS label, l.source, r.path AS root
      FROM images i JOIN roots r ON r.id = i.root_id LEFT JOIN labels l ON l.image_id = i.id LEFT JOIN classes c ON c.id = l.class_id
      WHERE i.status NOT IN ('missing', 'removed') ${includeUnlabelled ? '' : 'AND l.image_id IS NOT NULL'}
      ORDER BY r.path, i.rel_path`).all() as { path: string; label: string | null; source: string | null; root: string }[];
}

/** Current class names of the given images (unlabelled ones absent). */
export function currentLabelNames(db: Db, imageIds: readonly number[]): Map<number, string> {
  if (imageIds.length === 0) return new Map();
  const rows = db.prepare(`SELECT l.image_id AS id, c.name FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(imageIds)) as { id: number; name: string }[];
  return new Map(rows.map((r) => [r.id, r.name]));
}

// ---- history entries ----

export function insertHistoryEntry(db: Db, entry: { actor: string; action: string; description: string }): number {
  return Number(db.prepare('INSERT INTO label_history (at, actor, action, description) VALUES (?, ?, ?, ?)').run(Date.now(), entry.actor, entry.action, entry.description).lastInsertRowid);
}

/** Drops the redo stack (entries undone). */
export function deleteUndoneEntries(db: Db): void {
  db.prepare('DELETE FROM label_history WHERE undone = 1').run();
}

export function deleteHistoryEntry(db: Db, id: number): void {
  db.prepare('DELETE FROM label_history WHERE id = ?').run(id);
}

/** Label and class changes, and image removals, recorded under an entry. */
export function entryChangeCount(db: Db, id: number): number {
  return db.prepare(`SELECT (SELECT count(*) FROM label_changes WHERE history_id = @id) + (SELECT count(*) FROM class_changes WHERE history_id = @id)
      + (SELECT count(*) FROM image_removals WHERE history_id = @id)`).pluck().get({ id }) as number;
}

export function insertClassChange(db: Db, historyId: number, classId: number, change: ClassChange): void {
  db.prepare('INSERT INTO class_changes (history_id, class_id, old_name, new_name, old_deleted, new_deleted) VALUES (?, ?, ?, ?, ?, ?)')
    .run(historyId, classId, change.oldName, change.newName, change.oldDeleted, change.newDeleted);
}

/** An entry's class changes as undo (newest first, old values) or redo (oldest first, new values) writes them. */
export function classChangesToReplay(db: Db, id: number, direction: 'undo' | 'redo'): { classId: number; name: string | null; deleted: number | null }[] {
  const [name, deleted, order] = direction === 'undo' ? ['old_name', 'old_deleted', 'DESC'] : ['new_name', 'new_deleted', 'ASC'];
  return db.prepare(`SELECT class_id AS classId, ${name} AS name, ${deleted} AS deleted FROM class_changes WHERE history_id = ? ORDER BY rowid ${order}`)
    .all(id) as { classId: number; name: string | null; deleted: number | null }[];
}

export function setEntryUndone(db: Db, id: number, undone: boolean): void {
  db.prepare('UPDATE label_history SET undone = ? WHERE id = ?').run(undone ? 1 : 0, id);
}

const ENTRY_COLUMNS = `h.id, h.at, h.actor, h.action, h.description, h.undone,
  (SELECT count(*) FROM label_changes c WHERE c.history_id = h.id) AS labelChanges,
  (SELECT count(*) FROM class_changes c WHERE c.history_id = h.id) AS classChanges,
  (SELECT count(*) FROM image_removals r WHERE r.history_id = h.id) AS imagesRemoved`;

function toEntry(r: Record<string, unknown>): HistoryEntry {
  return {
    id: r.id as number, at: r.at as number, actor: r.actor as string, action: r.action as string,
    description: r.description as string, undone: r.undone === 1,
    labelChanges: r.labelChanges as number, classChanges: r.classChanges as number, imagesRemoved: r.imagesRemoved as number,
  };
}

export function getEntry(db: Db, id: number): HistoryEntry | undefined {
  const r = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM label_history h WHERE h.id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? toEntry(r) : undefined;
}

const NEXT_ENTRY = { undo: 'h.undone = 0 ORDER BY h.id DESC LIMIT 1', redo: 'h.undone = 1 ORDER BY h.id ASC LIMIT 1' };

/** The entry undo would replay (the newest not undone), or redo would (the oldest undone). */
export function nextEntry(db: Db, direction: 'undo' | 'redo'): HistoryEntry | undefined {
  const r = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM label_history h WHERE ${NEXT_ENTRY[direction]}`).get() as Record<string, unknown> | undefined;
  return r ? toEntry(r) : undefined;
}

/** Just the id of nextEntry (no counting). */
export function nextEntryId(db: Db, direction: 'undo' | 'redo'): number | undefined {
  return db.prepare(`SELECT h.id FROM label_history h WHERE ${NEXT_ENTRY[direction]}`).pluck().get() as number | undefined;
}

/** nextEntry's id and description only (the undo / redo buttons). */
export function nextEntryDescription(db: Db, direction: 'undo' | 'redo'): { id: number; description: string } | undefined {
  return db.prepare(`SELECT h.id, h.description FROM label_history h WHERE ${NEXT_ENTRY[direction]}`).get() as { id: number; description: string } | undefined;
}

export function entryCounts(db: Db): { undoable: number; redoable: number } {
  const r = db.prepare('SELECT sum(undone = 0) AS undoable, sum(undone = 1) AS redoable FROM label_history').get() as { undoable: number | null; redoable: number | null };
  return { undoable: r.undoable ?? 0, redoable: r.redoable ?? 0 };
}

/** The newest label-history entry in effect (not undone), or null when labels were never changed. */
export function latestEntryInEffect(db: Db): number | null {
  return (db.prepare('SELECT max(id) FROM label_history WHERE undone = 0').pluck().get() as number | null) ?? null;
}

/** The newest entries first. */
export function listEntries(db: Db, limit: number): HistoryEntry[] {
  return (db.prepare(`SELECT ${ENTRY_COLUMNS} FROM label_history h ORDER BY h.id DESC LIMIT ?`).all(limit) as Record<string, unknown>[]).map(toEntry);
}

/** Every label change of one image, oldest first, with class names as they are now. */
export function imageLabelEvents(db: Db, imageId: number): ImageLabelEvent[] {
  return (db.prepare(`
    SELECT h.id AS historyId, h.at, h.actor, h.action, h.description, h.undone,
           oc.name AS "from", nc.name AS "to", c.old_source AS fromSource, c.new_source AS toSource
    FROM label_changes c JOIN label_history h ON h.id = c.history_id
    LEFT JOIN classes oc ON oc.id = c.old_class_id LEFT JOIN classes nc ON nc.id = c.new_class_id
    WHERE c.image_id = ? ORDER BY h.id`).all(imageId) as Record<string, unknown>[])
    .map((e) => ({ ...(e as unknown as ImageLabelEvent), undone: e.undone === 1 }));
}
