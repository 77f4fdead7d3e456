import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../../test/helpers/make-images.ts';
import { importFolder } from '../library/import-folder.ts';
import { Project } from '../project.ts';
import { deleteClass, mergeClass } from './classes.ts';
import { imageHistory } from './history.ts';
import { redoLabels, setLabels, undoLabels } from './label-service.ts';

/**
 * The four writers of labels (import, relabel, class merge / delete, undo and
 * redo) all go through the label store's writeLabelChanges: every change has
 * its label_changes row, and undo / redo restore labels, their sources and the
 * classes exactly, step by step.
 */
let dir: string;
let project: Project;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-label-changes-'));
  project = new Project(path.join(dir, 'p.xstudio'));
});
afterEach(() => {
  project.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

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

    const imported = await importFolder(project, root);
    expect(imported.labelled).toBe(9);
    steps.push(state());
    const ids = project.db.prepare('SELECT id FROM images ORDER BY rel_path').pluck().all() as number[];

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
