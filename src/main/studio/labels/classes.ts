import { invalidArgument, notFound, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import { defaultActor } from './actor.ts';
import { beginEntry, recordClassChange, type HistoryEntry, getEntry } from './history.ts';

export interface ClassInfo {
  id: number;
  name: string;
  /** Healthy (status ok) images with this label. */
  count: number;
  /** All images with this label, whatever their status. */
  labelled: number;
}

export function validateClassName(name: string, flag = 'class'): string {
  const t = name.trim();
  if (t === '') throw invalidArgument(`--${flag}: a class name cannot be empty`);
  if (t.length > 200) throw invalidArgument(`--${flag}: class name is ${t.length} characters long; the limit is 200`);
  return t;
}

export function findLiveClass(db: Db, name: string): { id: number; name: string } | undefined {
  return db.prepare('SELECT id, name FROM classes WHERE name = ? AND deleted = 0').get(name) as { id: number; name: string } | undefined;
}

function requireLiveClass(db: Db, name: string): { id: number; name: string } {
  const c = findLiveClass(db, name);
  if (!c) {
    const names = (db.prepare('SELECT name FROM classes WHERE deleted = 0 ORDER BY position').all() as { name: string }[]).map((r) => r.name);
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
  const dead = db.prepare('SELECT id FROM classes WHERE name = ? AND deleted = 1 ORDER BY id DESC LIMIT 1').get(name) as { id: number } | undefined;
  let id: number;
  if (dead) {
    id = dead.id;
    db.prepare('UPDATE classes SET deleted = 0 WHERE id = ?').run(id);
  } else {
    const pos = (db.prepare('SELECT coalesce(max(position), -1) + 1 AS p FROM classes').get() as { p: number }).p;
    id = Number(db.prepare('INSERT INTO classes (name, position, created_at) VALUES (?, ?, ?)').run(name, pos, Date.now()).lastInsertRowid);
  }
  if (historyId !== null) recordClassChange(db, historyId, id, { oldName: null, newName: null, oldDeleted: 1, newDeleted: 0 });
  return id;
}

/**
 * Live classes in creation order, with image counts. Counted from the
 * labels_class index (labels per class) minus the few labelled images that are
 * not healthy (found through images_status), instead of joining every label to
 * its image: this runs after every relabel, so it must stay cheap at 25,000+.
 */
export function listClasses(db: Db): ClassInfo[] {
  return db.prepare(`
    SELECT c.id, c.name, coalesce(n.labelled, 0) - coalesce(b.unhealthy, 0) - coalesce(b.removed, 0) AS count,
           coalesce(n.labelled, 0) - coalesce(b.removed, 0) AS labelled
    FROM classes c
    LEFT JOIN (SELECT class_id, count(*) AS labelled FROM labels GROUP BY class_id) n ON n.class_id = c.id
    LEFT JOIN (SELECT l.class_id, sum(i.status != 'removed') AS unhealthy, sum(i.status = 'removed') AS removed FROM images i JOIN labels l ON l.image_id = i.id
               WHERE i.status IN ('failed', 'missing', 'removed') GROUP BY l.class_id) b ON b.class_id = c.id
    WHERE c.deleted = 0 ORDER BY c.position, c.id`).all() as ClassInfo[];
}

export interface ClassChangeResult {
  action: 'add' | 'rename' | 'merge' | 'delete';
  historyId: number;
  /** Images whose label changed. */
  relabelled: number;
  entry: HistoryEntry;
  classes: ClassInfo[];
}

interface ActorOption {
  actor?: string;
}

function finish(db: Db, action: ClassChangeResult['action'], historyId: number, relabelled: number): ClassChangeResult {
  return { action, historyId, relabelled, entry: getEntry(db, historyId)!, classes: listClasses(db) };
}

export function addClass(project: Project, name: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  const clean = validateClassName(name, 'add');
  return db.transaction(() => {
    if (findLiveClass(db, clean)) throw new StudioError('conflict', `class "${clean}" already exists`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-add', description: `add class "${clean}"` });
    ensureClass(db, clean, h);
    return finish(db, 'add', h, 0);
  }).immediate();
}

export function renameClass(project: Project, from: string, to: string, opts: ActorOption = {}): ClassChangeResult {
  const db = project.db;
  const target = validateClassName(to, 'rename');
  return db.transaction(() => {
    const c = requireLiveClass(db, from);
    if (c.name === target) throw invalidArgument(`--rename: class "${from}" already has that name`);
    if (findLiveClass(db, target)) throw new StudioError('conflict', `cannot rename "${from}" to "${target}": class "${target}" exists; use --merge ${from} ${target} to move its images there`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-rename', description: `rename class "${from}" to "${target}"` });
    db.prepare('UPDATE classes SET name = ? WHERE id = ?').run(target, c.id);
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
    if (a.id === b.id) throw invalidArgument(`--merge: cannot merge class "${from}" into itself`);
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'class-merge', description: `merge class "${from}" into "${into}"` });
    const n = db.prepare(`INSERT INTO label_changes (history_id, image_id, old_class_id, new_class_id, old_source, new_source)
                          SELECT ?, image_id, class_id, ?, source, source FROM labels WHERE class_id = ?`).run(h, b.id, a.id).changes;
    db.prepare('UPDATE labels SET class_id = ?, updated_at = ? WHERE class_id = ?').run(b.id, Date.now(), a.id);
    db.prepare('UPDATE classes SET deleted = 1 WHERE id = ?').run(a.id);
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
    const n = db.prepare(`INSERT INTO label_changes (history_id, image_id, old_class_id, new_class_id, old_source, new_source)
                          SELECT ?, image_id, class_id, NULL, source, NULL FROM labels WHERE class_id = ?`).run(h, c.id).changes;
    db.prepare('DELETE FROM labels WHERE class_id = ?').run(c.id);
    db.prepare('UPDATE classes SET deleted = 1 WHERE id = ?').run(c.id);
    recordClassChange(db, h, c.id, { oldName: null, newName: null, oldDeleted: 0, newDeleted: 1 });
    return finish(db, 'delete', h, n);
  }).immediate();
}
