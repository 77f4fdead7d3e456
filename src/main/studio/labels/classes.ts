import { fieldError, notFound, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import { defaultActor } from './actor.ts';
import { findDeletedClass, findLiveClass, insertClass, listClasses, liveClassNames, setClassDeleted, setClassName, writeLabelChanges, type ClassCounts } from '../db/label-store.ts';
import { beginEntry, recordClassChange, type HistoryEntry, getEntry } from './history.ts';

export type { ClassCounts };
export { findLiveClass, listClasses };

/** `field`: the call's input field that holds the name (createClass's name, renameClass's newName, setLabel's className). */
export function validateClassName(name: string, field = 'className'): string {
  const t = name.trim();
  if (t === '') throw fieldError('invalid-argument', field, 'a class name cannot be empty');
  if (t.length > 200) throw fieldError('invalid-argument', field, `the class name is ${t.length} characters long; the limit is 200`);
  return t;
}

function requireLiveClass(db: Db, name: string): { id: number; name: string } {
  const c = findLiveClass(db, name);
  if (!c) {
    const names = liveClassNames(db);
    throw notFound(`no class named "${name}"; the project has ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no classes'}`);
  }
  return c;
}

/**
 * The id of the live class called `name`, creating it (or reviving a deleted
 * one of that name, so its id stays stable) when needed. When `historyId` is
 * given the creation is recorded so that undo removes the class again.
 */
export function ensureClass(db: Db, name: string, historyId: number | null): number {
  const live = findLiveClass(db, name);
  if (live) return live.id;
  const dead = findDeletedClass(db, name);
  let id: number;
  if (dead !== undefined) {
    id = dead;
    setClassDeleted(db, id, false);
  } else {
    id = insertClass(db, name);
  }
  if (historyId !== null) recordClassChange(db, historyId, id, { oldName: null, newName: null, oldDeleted: 1, newDeleted: 0 });
  return id;
}

export interface ClassChangeResult {
  action: 'add' | 'rename' | 'merge' | 'delete';
  historyId: number;
  /** Images whose label changed. */
  relabelled: number;
  entry: HistoryEntry;
  classes: ClassCounts[];
}

interface ActorOption {
  actor?: string;
}

function finish(db: Db, action: ClassChangeResult['action'], historyId: number, relabelled: number): ClassChangeResult {
  return { action, historyId, relabelled, entry: getEntry(db, historyId)!, classes: listClasses(db) };
}

export function addClass(project: Project, name: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  const clean = validateClassName(name, 'name');
  return db.transaction(() => {
    if (findLiveClass(db, clean)) throw new StudioError('conflict', `class "${clean}" already exists`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-add', description: `add class "${clean}"` });
    ensureClass(db, clean, h);
    return finish(db, 'add', h, 0);
  }).immediate();
}

export function renameClass(project: Project, from: string, to: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  const target = validateClassName(to, 'newName');
  return db.transaction(() => {
    const c = requireLiveClass(db, from);
    if (c.name === target) throw fieldError('invalid-argument', 'newName', `class "${from}" already has that name`);
    if (findLiveClass(db, target)) throw fieldError('conflict', 'newName', `cannot rename "${from}" to "${target}": class "${target}" exists; merge "${from}" into "${target}" to move its images there`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-rename', description: `rename class "${from}" to "${target}"` });
    setClassName(db, c.id, target);
    recordClassChange(db, h, c.id, { oldName: c.name, newName: target, oldDeleted: null, newDeleted: null });
    return finish(db, 'rename', h, 0);
  }).immediate();
}

/** Moves every image of `from` to `into` (keeping each label's source) and deletes `from`. */
export function mergeClass(project: Project, from: string, into: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  return db.transaction(() => {
    const a = requireLiveClass(db, from);
    const b = requireLiveClass(db, into);
    if (a.id === b.id) throw fieldError('invalid-argument', 'into', `cannot merge class "${from}" into itself`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-merge', description: `merge class "${from}" into "${into}"` });
    const n = writeLabelChanges(db, h, { ofClass: a.id, into: b.id });
    setClassDeleted(db, a.id, true);
    recordClassChange(db, h, a.id, { oldName: null, newName: null, oldDeleted: 0, newDeleted: 1 });
    return finish(db, 'merge', h, n);
  }).immediate();
}

/** Deletes a class: its images become unlabelled. Undo brings both back. */
export function deleteClass(project: Project, name: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  return db.transaction(() => {
    const c = requireLiveClass(db, name);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-delete', description: `delete class "${name}"` });
    const n = writeLabelChanges(db, h, { ofClass: c.id, into: null });
    setClassDeleted(db, c.id, true);
    recordClassChange(db, h, c.id, { oldName: null, newName: null, oldDeleted: 0, newDeleted: 1 });
    return finish(db, 'delete', h, n);
  }).immediate();
}
