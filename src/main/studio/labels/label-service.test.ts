import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../../test/helpers/make-images.ts';
import { importFolder } from '../library/import-folder.ts';
import { Project } from '../project.ts';
import { addClass, deleteClass, listClasses, mergeClass, renameClass } from './classes.ts';
import { imageHistory } from './history.ts';
import { redoLabels, setLabels, undoLabels } from './label-service.ts';

let dir: string;
let project: Project;

/** Adds `n` healthy image records without files (labels do not need them). */
function addImages(n: number): number[] {
  const db = project.db;
  const root = Number(db.prepare("INSERT INTO roots (path, label_source, created_at) VALUES ('/imgs', 'none', 0)").run().lastInsertRowid);
  const insert = db.prepare("INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, width, height, format, status, created_at, updated_at) VALUES (?, ?, 1, 0, ?, 1, 1, 'jpeg', 'ok', 0, 0)");
  const ids: number[] = [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) ids.push(Number(insert.run(root, `img${i}.jpg`, `h${i}`).lastInsertRowid));
  })();
  return ids;
}

/** image id → class name, for exact before/after comparisons. */
function snapshot(): Record<number, string> {
  const rows = project.db.prepare("SELECT l.image_id AS id, c.name || ':' || l.source AS v FROM labels l JOIN classes c ON c.id = l.class_id").all() as { id: number; v: string }[];
  return Object.fromEntries(rows.map((r) => [r.id, r.v]));
}
const classNames = (): string[] => listClasses(project.db).map((c) => `${c.name}:${c.count}`);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-labels-'));
  project = new Project(path.join(dir, 'p.xstudio'));
});
afterEach(() => {
  project.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('labels', () => {
  it('relabels ten thousand images as one history entry, and undo/redo restore exactly', () => {
    const ids = addImages(10_000);
    setLabels(project, ids.slice(0, 6000), 'cat', { actor: 'test:a' });
    setLabels(project, ids.slice(6000), 'dog', { actor: 'test:a' });
    const before = snapshot();
    const r = setLabels(project, ids, 'bird', { actor: 'test:b' });
    expect(r).toMatchObject({ changed: 10_000, classCreated: true, class: 'bird' });
    expect(r.history).toMatchObject({ undoable: 3, redoable: 0, last: { labelChanges: 10_000, actor: 'test:b' } });
    expect(classNames()).toEqual(['cat:0', 'dog:0', 'bird:10000']);

    const u = undoLabels(project);
    expect(u.entry?.description).toBe('label 10000 images "bird"');
    expect(snapshot()).toEqual(before);
    expect(classNames()).toEqual(['cat:6000', 'dog:4000']); // the class it created is gone again
    redoLabels(project);
    expect(classNames()).toEqual(['cat:0', 'dog:0', 'bird:10000']);
    expect(undoLabels(project).history).toMatchObject({ undoable: 2, redoable: 1 });
    // A new change drops the redo stack.
    setLabels(project, [ids[0]], 'dog');
    expect(redoLabels(project).entry).toBeUndefined();
  });

  it('undoes and redoes class rename, merge, delete and add', () => {
    const ids = addImages(6);
    setLabels(project, ids.slice(0, 2), 'cat');
    setLabels(project, ids.slice(2, 4), 'kitty');
    setLabels(project, ids.slice(4), 'dog');
    const start = snapshot();

    renameClass(project, 'dog', 'hound');
    expect(classNames()).toEqual(['cat:2', 'kitty:2', 'hound:2']);
    expect(() => renameClass(project, 'cat', 'kitty')).toThrow('newName: cannot rename "cat" to "kitty": class "kitty" exists; merge "cat" into "kitty" to move its images there');
    const m = mergeClass(project, 'kitty', 'cat');
    expect(m.relabelled).toBe(2);
    expect(classNames()).toEqual(['cat:4', 'hound:2']);
    deleteClass(project, 'hound');
    expect(classNames()).toEqual(['cat:4']);
    addClass(project, 'bird');
    expect(classNames()).toEqual(['cat:4', 'bird:0']);

    for (let i = 0; i < 4; i++) undoLabels(project);
    expect(classNames()).toEqual(['cat:2', 'kitty:2', 'dog:2']);
    expect(snapshot()).toEqual(start);
    for (let i = 0; i < 4; i++) redoLabels(project);
    expect(classNames()).toEqual(['cat:4', 'bird:0']);
    expect(() => deleteClass(project, 'nope')).toThrow(/no class named "nope"; the project has "cat", "bird"/);
  });

  it('keeps the history of one image, and clearing a label is undoable', () => {
    const [a] = addImages(1);
    setLabels(project, [a], 'cat', { actor: 'cli:alice' });
    setLabels(project, [a], 'dog', { actor: 'ui:bob' });
    setLabels(project, [a], null);
    expect(snapshot()).toEqual({});
    undoLabels(project);
    expect(snapshot()).toEqual({ [a]: 'dog:user' });
    const h = imageHistory(project.db, a).map((e) => `${e.actor} ${e.from}->${e.to}${e.undone ? ' (undone)' : ''}`);
    expect(h).toEqual(['cli:alice null->cat', 'ui:bob cat->dog', `${h[2].split(' ')[0]} dog->null (undone)`]);
    // Setting the label it already has changes nothing and records nothing.
    expect(setLabels(project, [a], 'dog')).toMatchObject({ changed: 0, historyId: null });
    expect(() => setLabels(project, [999_999], 'dog')).toThrow(/no image with id 999999/);
  });
});

/**
 * The four writers of labels (import, relabel, class merge / delete, undo and
 * redo) all go through the label store's writeLabelChanges: every change has
 * its label_changes row, and undo / redo restore labels, their sources and the
 * classes exactly, step by step.
 */
/**
 * Every label (class id and source) and every live class (id, name, position), as stored.
 * (A class whose creation is undone stays as a deleted row, so that its id lives on.)
 */
function state(): { labels: string[]; classes: string[] } {
  const labels = project.db.prepare("SELECT image_id || ':' || class_id || ':' || source AS v FROM labels ORDER BY image_id").pluck().all() as string[];
  const classes = project.db.prepare("SELECT id || ':' || name || ':' || position AS v FROM classes WHERE deleted = 0 ORDER BY id").pluck().all() as string[];
  return { labels, classes };
}

/** Each label row has the history row that made it: its newest change in effect says what it is now. */
function labelsMatchTheirHistory(): void {
  const rows = project.db.prepare(`SELECT l.image_id AS id, l.class_id AS cls, l.source AS src FROM labels l`).all() as { id: number; cls: number; src: string }[];
  for (const r of rows) {
    const last = imageHistory(project.db, r.id).filter((e) => !e.undone).at(-1);
    expect(last, `image ${r.id} has a label with no history row`).toBeDefined();
    expect(last!.toSource).toBe(r.src);
  }
}

describe('one label-change function', () => {
  it('records every change of import, relabel, merge and delete, and undo / redo restore each step exactly', async () => {
    const root = path.join(dir, 'images');
    for (let i = 0; i < 9; i++) await writeImage(path.join(root, ['cat', 'dog', 'fox'][i % 3], `${i}.jpg`), { width: 24, height: 20, color: colorFor(i) });
    const steps = [state()];

    // Two at a time: the pool's tasks read runs of four files each, interleaved.
    const imported = await importFolder(project, root, { concurrency: 2 });
    expect(imported.labelled).toBe(9);
    steps.push(state());
    const ids = project.db.prepare('SELECT id FROM images ORDER BY rel_path').pluck().all() as number[];
    // Probes finish in any order, rows are written in walk (path) order: ids follow it.
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    expect(setLabels(project, ids.slice(0, 2), 'bird').changed).toBe(2);
    steps.push(state());
    expect(mergeClass(project, 'dog', 'cat').relabelled).toBeGreaterThan(0);
    steps.push(state());
    expect(deleteClass(project, 'fox').relabelled).toBeGreaterThan(0);
    steps.push(state());
    // A re-import from a CSV: import labels change (and a deleted class comes back), labels set by hand stay.
    const csv = path.join(dir, 'labels.csv');
    fs.writeFileSync(csv, ['path,label', ...fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f},${d === 'dog' ? 'dog' : 'owl'}`))].join('\n'));
    const again = await importFolder(project, root, { labels: { kind: 'csv', file: csv } });
    expect(again.keptUserLabels).toBe(2);
    expect(again.labelled).toBe(7);
    steps.push(state());
    labelsMatchTheirHistory();

    for (let k = steps.length - 2; k >= 0; k--) {
      expect(undoLabels(project).entry).toBeDefined();
      expect(state(), `after undoing back to step ${k}`).toEqual(steps[k]);
    }
    expect(undoLabels(project).entry).toBeUndefined();
    for (let k = 1; k < steps.length; k++) {
      expect(redoLabels(project).entry).toBeDefined();
      expect(state(), `after redoing step ${k}`).toEqual(steps[k]);
    }
    labelsMatchTheirHistory();
  });

  it('a re-import that changes nothing leaves no history entry and keeps the redo stack', async () => {
    const root = path.join(dir, 'images');
    for (let i = 0; i < 4; i++) await writeImage(path.join(root, i % 2 ? 'cat' : 'dog', `${i}.jpg`), { width: 24, height: 20, color: colorFor(i) });
    await importFolder(project, root);
    const ids = project.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
    setLabels(project, [ids[0]], 'cat');
    undoLabels(project);
    const entries = project.db.prepare('SELECT count(*) FROM label_history').pluck().get();
    const r = await importFolder(project, root);
    expect(r.historyId).toBeNull();
    expect(project.db.prepare('SELECT count(*) FROM label_history').pluck().get()).toBe(entries);
    expect(redoLabels(project).entry?.action).toBe('label');
  });
});
