import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, imageBuffer } from '../helpers/make-images.ts';
import { runXstudio, tempStudio, xstudioJson } from '../helpers/xstudio-cli.ts';

interface SplitJson { name: string; seed: number; testLocked: boolean; counts: Record<string, Record<string, number>>; totals: Record<string, number> }
interface ImagesJson { total: number; images: { id: number; name: string; hash: string; label: string | null; part: string | null }[] }

const studio = tempStudio();
afterAll(() => studio.cleanup());

/** 36 cats and 24 dogs; `rename` changes file names so that rows are created in another order. */
async function makePets(root: string, rename: (cls: string, i: number) => string): Promise<void> {
  for (const [cls, n, offset] of [['cat', 36, 0], ['dog', 24, 100]] as const) {
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, cls, rename(cls, i)), await imageBuffer({ color: colorFor(offset + i), width: 16, height: 16 }));
  }
}

const partHashes = async (project: string, part: string): Promise<string[]> =>
  (await xstudioJson<ImagesJson>(['images', '--project', project, '--split', 'default', '--part', part, '--limit', '1000'], studio.env)).images.map((i) => i.hash).sort();

describe('splits', () => {
  const a = path.join(studio.dir, 'a.xstudio');
  const b = path.join(studio.dir, 'b.xstudio');
  let split: SplitJson;
  beforeAll(async () => {
    await makePets(path.join(studio.dir, 'pets-a'), (cls, i) => `${cls}.${i}.jpg`);
    // The same pictures under other names: the other project creates its rows in another order.
    await makePets(path.join(studio.dir, 'pets-b'), (cls, i) => `${String(99 - i).padStart(3, '0')}-${cls}.jpg`);
    await xstudioJson(['import', path.join(studio.dir, 'pets-a'), '--project', a], studio.env);
    await xstudioJson(['import', path.join(studio.dir, 'pets-b'), '--project', b], studio.env);
    split = await xstudioJson<SplitJson>(['split', '--project', a, '--train', '20', '--val', '10', '--test', '20', '--seed', '7', '--lock-test'], studio.env);
  });

  it('draws exact stratified counts', () => {
    expect(split).toMatchObject({
      name: 'default', seed: 7, testLocked: true,
      counts: { train: { cat: 12, dog: 8 }, val: { cat: 6, dog: 4 }, test: { cat: 12, dog: 8 } },
      totals: { train: 20, val: 10, test: 20 },
    });
  });

  it('gives the same membership for the same images and seed, whatever the import order', async () => {
    await xstudioJson(['split', '--project', b, '--train', '20', '--val', '10', '--test', '20', '--seed', '7'], studio.env);
    for (const part of ['train', 'val', 'test']) expect(await partHashes(b, part)).toEqual(await partHashes(a, part));
  });

  it('fails impossible requests with the numbers, and protects a locked split', async () => {
    const tooMany = await runXstudio(['split', '--project', a, '--name', 'big', '--train', '40', '--test', '30', '--json'], studio.env);
    // A size the images cannot fill is a bad value of the flag: a usage error, said about --test, with the numbers.
    expect(tooMany.code).toBe(2);
    const said = '--test: expected at most 20, got 30 (60 labelled healthy images after train 40)';
    expect(JSON.parse(tooMany.stdout)).toEqual({ error: { code: 'invalid-argument', message: said, field: 'sizes.test', flag: '--test' } });
    expect(tooMany.stderr).toContain(said);
    const del = await runXstudio(['split', 'delete', '--project', a, '--name', 'default', '--json'], studio.env);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/split "default" has a locked test part .* cannot be deleted/);
    expect(JSON.parse(del.stdout)).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/split "default" has a locked test part .* cannot be deleted/) } });
    const list = await xstudioJson<{ splits: SplitJson[] }>(['splits', '--project', a], studio.env);
    expect(list.splits.map((s) => s.name)).toEqual(['default']);
  });

  it('keeps a frozen membership after relabelling, and status summarises it all', async () => {
    await xstudioJson(['label', '--project', a, '--set', 'lynx', 'cat/cat.0.jpg', 'cat/cat.1.jpg', 'cat/cat.2.jpg'], studio.env);
    // Onto a class that exists: said as the flag the user gave (--add and --delete fill the same field).
    const onto = await runXstudio(['classes', '--project', a, '--rename', 'dog', 'cat', '--json'], studio.env);
    expect(onto.code).toBe(1);
    expect(JSON.parse(onto.stdout)).toEqual({ error: { code: 'conflict', field: 'newName', flag: '--rename', message: '--rename: cannot rename "dog" to "cat": class "cat" exists; merge "dog" into "cat" to move its images there' } });
    const itself = await runXstudio(['classes', '--project', a, '--merge', 'dog', 'dog', '--json'], studio.env);
    expect(itself.code).toBe(2);
    expect(JSON.parse(itself.stdout)).toMatchObject({ error: { code: 'invalid-argument', field: 'into', flag: '--merge', message: '--merge: cannot merge class "dog" into itself: name another class to merge into' } });
    await xstudioJson(['classes', '--project', a, '--rename', 'dog', 'hound'], studio.env);
    const status = await xstudioJson<{
      images: { ok: number; labelled: number }; classes: { name: string; count: number }[];
      splits: SplitJson[]; history: { canUndo: boolean; canRedo: boolean; undoDescription: string | null; position: number };
    }>(['status', '--project', a], studio.env);
    expect(status.images).toMatchObject({ ok: 60, labelled: 60 });
    expect(status.classes.map((c) => [c.name, c.count])).toEqual([['cat', 33], ['hound', 24], ['lynx', 3]]);
    // Membership and the labels it was drawn with do not move; a renamed class shows its new name.
    expect(status.splits[0].counts.test).toEqual({ cat: 12, hound: 8 });
    // Three changes (the import, the relabel, the rename), the rename on top.
    expect(status.history).toMatchObject({ canUndo: true, canRedo: false, position: 3, undoDescription: 'rename class "dog" to "hound"' });

    const undo = await xstudioJson<{ applied: boolean; description: string; history: { canUndo: boolean; canRedo: boolean; position: number } }>(['label', '--project', a, '--undo'], studio.env);
    expect(undo).toMatchObject({ applied: true, description: 'rename class "dog" to "hound"' });
    expect(undo.history).toMatchObject({ canUndo: true, canRedo: true, position: 2 });
    const classes = await xstudioJson<{ classes: { name: string }[] }>(['classes', '--project', a], studio.env);
    expect(classes.classes.map((c) => c.name)).toEqual(['cat', 'dog', 'lynx']);
    const redo = await xstudioJson<{ applied: boolean; history: { canUndo: boolean; canRedo: boolean; position: number } }>(['label', '--project', a, '--redo'], studio.env);
    expect(redo).toMatchObject({ applied: true, history: { canUndo: true, canRedo: false, position: 3 } });
  });
});
