import type { Db } from '../db/project-db.ts';
import { replayImageRemovals } from '../db/removal-store.ts';

/**
 * The label history: one entry per change a user can undo (a relabel of one
 * image or of ten thousand, a class rename/merge/delete, an import's labels).
 * Entries with undone = 1 are the redo stack; a new change drops them.
 * Undo and redo replay the stored old/new values with set-based SQL, so they
 * restore labels, label sources and classes exactly.
 */
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

export interface NewEntry {
  actor: string;
  action: string;
  description: string;
}

/**
 * Starts a history entry (inside the caller's transaction), dropping the redo
 * stack unless `keepRedo` (the caller then drops it with dropRedoStack once it
 * knows the entry changed something).
 */
export function beginEntry(db: Db, entry: NewEntry, opts: { keepRedo?: boolean } = {}): number {
  if (!opts.keepRedo) dropRedoStack(db);
  return Number(db.prepare('INSERT INTO label_history (at, actor, action, description) VALUES (?, ?, ?, ?)').run(Date.now(), entry.actor, entry.action, entry.description).lastInsertRowid);
}

export function dropRedoStack(db: Db): void {
  db.prepare('DELETE FROM label_history WHERE undone = 1').run();
}

/** Removes an entry that turned out to change nothing. */
export function dropEntryIfEmpty(db: Db, id: number): boolean {
  const n = db.prepare(`SELECT (SELECT count(*) FROM label_changes WHERE history_id = @id) + (SELECT count(*) FROM class_changes WHERE history_id = @id)
      + (SELECT count(*) FROM image_removals WHERE history_id = @id) AS n`).get({ id }) as { n: number };
  if (n.n > 0) return false;
  db.prepare('DELETE FROM label_history WHERE id = ?').run(id);
  return true;
}

export function recordClassChange(db: Db, historyId: number, classId: number, change: { oldName: string | null; newName: string | null; oldDeleted: number | null; newDeleted: number | null }): void {
  db.prepare('INSERT INTO class_changes (history_id, class_id, old_name, new_name, old_deleted, new_deleted) VALUES (?, ?, ?, ?, ?, ?)')
    .run(historyId, classId, change.oldName, change.newName, change.oldDeleted, change.newDeleted);
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

/** Replays one entry backwards (undo) or forwards (redo). Runs inside the caller's transaction. */
function replay(db: Db, id: number, direction: 'undo' | 'redo'): void {
  const [cls, src, del] = direction === 'undo' ? ['old_class_id', 'old_source', 'old_deleted'] : ['new_class_id', 'new_source', 'new_deleted'];
  const name = direction === 'undo' ? 'old_name' : 'new_name';
  const now = Date.now();
  // Classes first: a merge's undo revives the class before labels point at it again.
  // Deletions of class rows are marked, so names may swap: free names before taking them.
  const changes = db.prepare(`SELECT class_id, ${name} AS name, ${del} AS deleted FROM class_changes WHERE history_id = ? ORDER BY rowid ${direction === 'undo' ? 'DESC' : 'ASC'}`).all(id) as { class_id: number; name: string | null; deleted: number | null }[];
  const setDeleted = db.prepare('UPDATE classes SET deleted = ? WHERE id = ?');
  const setName = db.prepare('UPDATE classes SET name = ? WHERE id = ?');
  for (const c of changes) if (c.deleted === 1) setDeleted.run(1, c.class_id);
  for (const c of changes) {
    if (c.name !== null) setName.run(c.name, c.class_id);
    if (c.deleted === 0) setDeleted.run(0, c.class_id);
  }
  db.prepare(`DELETE FROM labels WHERE image_id IN (SELECT image_id FROM label_changes WHERE history_id = ? AND ${cls} IS NULL)`).run(id);
  db.prepare(`INSERT OR REPLACE INTO labels (image_id, class_id, source, updated_at)
              SELECT image_id, ${cls}, ${src}, ? FROM label_changes WHERE history_id = ? AND ${cls} IS NOT NULL`).run(now, id);
  // Other per-entry changes: images removed from the project (or put back).
  replayImageRemovals(db, id, direction);
  db.prepare('UPDATE label_history SET undone = ? WHERE id = ?').run(direction === 'undo' ? 1 : 0, id);
}

/** Undoes the latest change; returns the entry undone, or undefined when there is nothing to undo. */
export function undoLast(db: Db): HistoryEntry | undefined {
  return db.transaction(() => {
    const row = db.prepare('SELECT id FROM label_history WHERE undone = 0 ORDER BY id DESC LIMIT 1').get() as { id: number } | undefined;
    if (!row) return undefined;
    replay(db, row.id, 'undo');
    return getEntry(db, row.id);
  }).immediate();
}

/** Redoes the earliest undone change; undefined when there is nothing to redo. */
export function redoNext(db: Db): HistoryEntry | undefined {
  return db.transaction(() => {
    const row = db.prepare('SELECT id FROM label_history WHERE undone = 1 ORDER BY id ASC LIMIT 1').get() as { id: number } | undefined;
    if (!row) return undefined;
    replay(db, row.id, 'redo');
    return getEntry(db, row.id);
  }).immediate();
}

export interface HistoryPosition {
  /** Entries that can be undone (the position in the history). */
  undoable: number;
  redoable: number;
  last?: HistoryEntry;
}

export function historyPosition(db: Db): HistoryPosition {
  const r = db.prepare('SELECT sum(undone = 0) AS undoable, sum(undone = 1) AS redoable FROM label_history').get() as { undoable: number | null; redoable: number | null };
  const last = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM label_history h WHERE h.undone = 0 ORDER BY h.id DESC LIMIT 1`).get() as Record<string, unknown> | undefined;
  return { undoable: r.undoable ?? 0, redoable: r.redoable ?? 0, ...(last ? { last: toEntry(last) } : {}) };
}

/** The newest entries first. */
export function listHistory(db: Db, limit = 50): HistoryEntry[] {
  return (db.prepare(`SELECT ${ENTRY_COLUMNS} FROM label_history h ORDER BY h.id DESC LIMIT ?`).all(limit) as Record<string, unknown>[]).map(toEntry);
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

/** Every label change of one image, oldest first, with class names as they are now. */
export function imageHistory(db: Db, imageId: number): ImageLabelEvent[] {
  return (db.prepare(`
    SELECT h.id AS historyId, h.at, h.actor, h.action, h.description, h.undone,
           oc.name AS "from", nc.name AS "to", c.old_source AS fromSource, c.new_source AS toSource
    FROM label_changes c JOIN label_history h ON h.id = c.history_id
    LEFT JOIN classes oc ON oc.id = c.old_class_id LEFT JOIN classes nc ON nc.id = c.new_class_id
    WHERE c.image_id = ? ORDER BY h.id`).all(imageId) as Record<string, unknown>[])
    .map((e) => ({ ...(e as unknown as ImageLabelEvent), undone: e.undone === 1 }));
}
