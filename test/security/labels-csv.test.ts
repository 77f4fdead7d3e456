/**
 * Issue 9, CSV: `labels export` then `import --labels csv:` gives every label
 * back, whatever the file names; CSVs from other tools (BOM, ';' or tab
 * delimiters, quotes) read right, and a broken quote is reported with its line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manifestCsv } from '../../src/main/studio/runs/export-dataset.ts';
import { exportLabels, setLabels } from '../../src/main/studio/labels/label-service.ts';
import { importFolder } from '../../src/main/studio/library/import-folder.ts';
import { readLabelCsv } from '../../src/main/studio/library/label-sources.ts';
import { Project } from '../../src/main/studio/project.ts';
import { imageBuffer } from '../helpers/make-images.ts';
import { tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-csv-');
afterAll(() => tmp.cleanup());

const NAMES = [' leading space.jpg', 'trailing space .jpg', 'back\\slash.jpg', 'comma, and "quotes".jpg', 'semi;colon.jpg', 'tab\there.jpg', 'plain.jpg', '=formula.jpg'];

function labelsOf(p: Project): Record<string, string> {
  const rows = p.db.prepare('SELECT i.rel_path AS path, c.name AS label FROM images i JOIN labels l ON l.image_id = i.id JOIN classes c ON c.id = l.class_id').all() as { path: string; label: string }[];
  return Object.fromEntries(rows.map((r) => [r.path, r.label]));
}

describe('labels export → import --labels csv:', () => {
  it('gives every label back, names with a leading space or a backslash included', async () => {
    const folder = path.join(tmp.dir, 'odd');
    fs.mkdirSync(folder, { recursive: true });
    let i = 0;
    for (const name of NAMES) fs.writeFileSync(path.join(folder, name), await imageBuffer({ width: 8 + i++, height: 8 }));
    const a = new Project(path.join(tmp.dir, 'a.xstudio'));
    await importFolder(a, folder, { labels: { kind: 'none' } });
    const ids = (a.db.prepare('SELECT id, rel_path FROM images ORDER BY rel_path').all() as { id: number; rel_path: string }[]);
    ids.forEach((r, k) => setLabels(a, [r.id], ['cat', 'dog', 'a, b', 'say "hi"'][k % 4]));
    const want = labelsOf(a);
    const csv = path.join(tmp.dir, 'labels.csv');
    exportLabels(a, csv);
    a.close();

    const b = new Project(path.join(tmp.dir, 'b.xstudio'));
    const r = await importFolder(b, folder, { labels: { kind: 'csv', file: csv } });
    expect(r.csvUnmatched ?? []).toEqual([]);
    expect(labelsOf(b)).toEqual(want);
    expect(Object.keys(want)).toHaveLength(NAMES.length);
    b.close();
  });
});

describe('CSV from other tools', () => {
  const write = (name: string, text: string): string => {
    const f = path.join(tmp.dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('reads a BOM, a ; delimiter, a tab delimiter and quoted fields', () => {
    const semi = readLabelCsv(write('semi.csv', '\uFEFFpath;label\n"a;b.jpg";cat\nc.jpg ; dog\n'), tmp.dir);
    expect([...semi.exact]).toEqual([['a;b.jpg', 'cat'], ['c.jpg', 'dog']]);
    const tab = readLabelCsv(write('tab.tsv', 'file\tclass\nx, y.jpg\tbird\n'), tmp.dir);
    expect([...tab.exact]).toEqual([['x, y.jpg', 'bird']]);
  });

  it('reports an unterminated quote with the line it opens on', () => {
    const f = write('broken.csv', 'path,label\nok.jpg,cat\n"never closed.jpg,dog\nlast.jpg,cat\n');
    expect(() => readLabelCsv(f, tmp.dir)).toThrow(new RegExp(`^csvFile: ${f.replace(/[.]/g, '\\.')}: line 3: a quoted field is never closed`));
  });

  it('sibling: the dataset manifest quotes names a reader would trim', () => {
    const text = manifestCsv([{ path: ' lead.jpg', label: 'cat', split: 'train' }]);
    expect(text).toBe('path,label,split\n" lead.jpg",cat,train\n');
  });
});
