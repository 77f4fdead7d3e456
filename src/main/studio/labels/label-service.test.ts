import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    expect(() => renameClass(project, 'cat', 'kitty')).toThrow(/class "kitty" exists; use --merge cat kitty/);
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
