import type { Db } from '../db/project-db.ts';
import {
  classChangesToReplay, deleteHistoryEntry, deleteUndoneEntries, entryChangeCount, entryCounts, getEntry, imageLabelEvents, insertClassChange,
  insertHistoryEntry, listEntries, nextEntry, nextEntryId, setClassDeleted, setClassName, setEntryUndone, writeLabelChanges,
  type ClassChange, type HistoryEntry, type ImageLabelEvent,
} from '../db/label-store.ts';
import { replayImageRemovals } from '../db/removal-store.ts';

/**
 * The label history: one entry per change a user can undo (a relabel of one
 * image or of ten thousand, a class rename/merge/delete, an import's labels).
 * Entries with undone = 1 are the redo stack; a new change drops them.
 * Undo and redo replay the stored old/new values with set-based SQL, so they
 * restore labels, label sources and classes exactly.
 */
export type { HistoryEntry, ImageLabelEvent };
export { getEntry };

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
  return insertHistoryEntry(db, entry);
}

export function dropRedoStack(db: Db): void {
  deleteUndoneEntries(db);
}

/** Removes an entry that turned out to change nothing. */
export function dropEntryIfEmpty(db: Db, id: number): boolean {
  if (entryChangeCount(db, id) > 0) return false;
  deleteHistoryEntry(db, id);
  return true;
}

export function recordClassChange(db: Db, historyId: number, classId: number, change: ClassChange): void {
  insertClassChange(db, historyId, classId, change);
}

/** Replays one entry backwards (undo) or forwards (redo). Runs inside the caller's transaction. */
function replay(db: Db, id: number, direction: 'undo' | 'redo'): void {
  // 1. Classes first: a merge's undo revives the class before labels point at it again.
  // Deletions of class rows are marked, so names may swap: free names before taking them.
  const changes = classChangesToReplay(db, id, direction);
  for (const c of changes) if (c.deleted === 1) setClassDeleted(db, c.classId, true);
  for (const c of changes) {
    if (c.name !== null) setClassName(db, c.classId, c.name);
    if (c.deleted === 0) setClassDeleted(db, c.classId, false);
  }
  // 2. Labels, through the one function that writes them.
  writeLabelChanges(db, id, { replay: direction });
  // 3. Other per-entry changes an entry may record replay here, after its classes and
  //    labels and before the entry is flagged (old values on undo, new ones on redo):
  //    images removed from the project (or put back).
  replayImageRemovals(db, id, direction);
  setEntryUndone(db, id, direction === 'undo');
}

/** Undoes the latest change; returns the entry undone, or undefined when there is nothing to undo. */
export function undoLast(db: Db): HistoryEntry | undefined {
  return db.transaction(() => {
    const id = nextEntryId(db, 'undo');
    if (id === undefined) return undefined;
    replay(db, id, 'undo');
    return getEntry(db, id);
  }).immediate();
}

/** Redoes the earliest undone change; undefined when there is nothing to redo. */
export function redoNext(db: Db): HistoryEntry | undefined {
  return db.transaction(() => {
    const id = nextEntryId(db, 'redo');
    if (id === undefined) return undefined;
    replay(db, id, 'redo');
    return getEntry(db, id);
  }).immediate();
}

export interface HistoryPosition {
  /** Entries that can be undone (the position in the history). */
  undoable: number;
  redoable: number;
  last?: HistoryEntry;
}

export function historyPosition(db: Db): HistoryPosition {
  const last = nextEntry(db, 'undo');
  return { ...entryCounts(db), ...(last ? { last } : {}) };
}

/** The newest entries first. */
export function listHistory(db: Db, limit = 50): HistoryEntry[] {
  return listEntries(db, limit);
}

/** Every label change of one image, oldest first, with class names as they are now. */
export function imageHistory(db: Db, imageId: number): ImageLabelEvent[] {
  return imageLabelEvents(db, imageId);
}
