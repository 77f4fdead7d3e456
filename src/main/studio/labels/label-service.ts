import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import { csvText } from '../library/csv.ts';
import type { Project } from '../project.ts';
import { defaultActor } from './actor.ts';
import { ensureClass, findLiveClass, validateClassName } from './classes.ts';
import { deleteHistoryEntry, fillTargetImages, labelsForExport, writeLabelChanges } from '../db/label-store.ts';
import { beginEntry, dropRedoStack, getEntry, historyPosition, redoNext, undoLast, type HistoryEntry, type HistoryPosition } from './history.ts';
import { plural } from '../../../shared/words.ts';

export interface SetLabelsResult {
  /** The class set, or null when labels were cleared. */
  class: string | null;
  classCreated: boolean;
  /** Images asked for. */
  images: number;
  /** Images whose label (or label source) actually changed. */
  changed: number;
  historyId: number | null;
  history: HistoryPosition;
}

/**
 * Sets (or with `className` null, clears) the label of many images as one
 * transaction and one history entry, with set-based SQL, so that ten thousand
 * images cost about as much as one. Labels set here are marked 'user': a
 * re-import never overwrites them. A new class name creates the class.
 */
export function setLabels(project: Project, imageIds: number[], className: string | null, opts: { actor?: string } = {}): SetLabelsResult {
  const db = project.db;
  if (imageIds.length === 0) throw invalidArgument('name at least one image (an id or a path) to label');
  const name = className === null ? null : validateClassName(className, 'className');
  return db.transaction(() => {
    fillTargets(db, imageIds);
    const live = name === null ? undefined : findLiveClass(db, name);
    const description = name === null ? `clear the label of ${plural(imageIds.length, 'image')}` : `label ${plural(imageIds.length, 'image')} "${name}"`;
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: name === null ? 'unlabel' : 'label', description }, { keepRedo: true });
    const cid = name === null ? null : ensureClass(db, name, h);
    // Recorded and written by the one label-change function; images that already have this label by hand are left out.
    const changed = writeLabelChanges(db, h, { targets: true, classId: cid });
    if (changed === 0) {
      // Nothing to do (every image already had this label by hand): no history entry, the redo stack stays.
      deleteHistoryEntry(db, h);
      return { class: name, classCreated: false, images: imageIds.length, changed: 0, historyId: null, history: historyPosition(db) };
    }
    dropRedoStack(db);
    return { class: name, classCreated: name !== null && !live, images: imageIds.length, changed, historyId: h, history: historyPosition(db) };
  }).immediate();
}

/** Loads ids into a temporary table (checking they exist) so the label SQL is set-based. */
function fillTargets(db: Db, ids: number[]): void {
  const unknown = fillTargetImages(db, ids);
  if (unknown.length) throw invalidArgument(`no image with id ${unknown.join(', ')}`);
}


export interface UndoRedoResult {
  /** The entry undone or redone; absent when there was nothing to do. */
  entry?: HistoryEntry;
  history: HistoryPosition;
}

export function undoLabels(project: Project): UndoRedoResult {
  const entry = undoLast(project.db);
  return { ...(entry ? { entry } : {}), history: historyPosition(project.db) };
}

export function redoLabels(project: Project): UndoRedoResult {
  const entry = redoNext(project.db);
  return { ...(entry ? { entry } : {}), history: historyPosition(project.db) };
}

export { getEntry };

/**
 * Writes the current labels as CSV (path,label,source,root): `path` is relative
 * to `root`, the folder it was imported from, so the file can be fed back to
 * `xstudio import <root> --labels csv:<file>`. Missing images are left out.
 */
export function exportLabels(project: Project, outFile: string, opts: { includeUnlabelled?: boolean } = {}): { file: string; rows: number; classes: Record<string, number> } {
  const rows = labelsForExport(project.db, opts.includeUnlabelled ?? false);
  const file = path.resolve(outFile);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const classes: Record<string, number> = {};
  for (const r of rows) if (r.label !== null) classes[r.label] = (classes[r.label] ?? 0) + 1;
  const text = csvText([['path', 'label', 'source', 'root'], ...rows.map((r) => [r.path, r.label, r.source, r.root])]);
  try {
    // Written beside and renamed: a full disk leaves any earlier export whole.
    writeFileAtomicSync(file, text);
  } catch (err) {
    throw new StudioError('conflict', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (err as Error).message}; ${fs.existsSync(file) ? 'the file already there was kept unchanged' : 'nothing was written'}`);
  }
  return { file, rows: rows.length, classes };
}
