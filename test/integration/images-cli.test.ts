// `xstudio images` with a run's predictions, as a user drives it: on a project
// of generated images whose features are made synthetic (stored straight into
// the feature store, so no network runs), with a few validation images given
// the other class's feature (a wrong label), a trained and evaluated run, and a
// suspect list. Right / wrong is judged against the CURRENT label.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { runXstudio, tempStudio, xstudioJson } from '../helpers/xstudio-cli.ts';
import { storeSyntheticFeatures } from '../helpers/synthetic-project.ts';

interface Prediction { runId: number; className: string; confidence: number; correct: boolean | null; loss: number | null }
interface Image { id: number; name: string; label: string | null; part: string | null; prediction: Prediction | null; suspect: { rank: number; suggested: string } | null }
interface ImagesJson { total: number; offset: number; runId: number | null; images: Image[] }

const studio = tempStudio('xstudio-images-');
const projectFile = path.join(studio.dir, 'p.xstudio');
/** Validation images whose feature is the other class's: their label looks wrong to a model. */
let flipped: number[] = [];
let run: number;

const json = <T>(args: string[]): Promise<T> => xstudioJson<T>([...args, '--project', projectFile], studio.env);
const images = (...args: string[]): Promise<ImagesJson> => json<ImagesJson>(['images', '--limit', '1000', ...args]);
const ids = (page: ImagesJson): number[] => page.images.map((i) => i.id).sort((a, b) => a - b);

beforeAll(async () => {
  const root = path.join(studio.dir, 'images');
  for (let i = 0; i < 64; i++) await writeImage(path.join(root, i % 2 ? 'dog' : 'cat', `${i}.png`), { format: 'png', width: 8, height: 8, color: colorFor(i) });
  await json(['import', root, '--labels', 'folder']);
  await json(['split', '--train', '0.5', '--val', '0.25', '--test', '0.25', '--seed', '4', '--name', 'main']);
  flipped = storeSyntheticFeatures(projectFile, {
    dim: 16, seed: 9, separation: 5, classes: ['cat', 'dog'], key: 'synthetic:images-test',
    flip: (rows) => rows.filter((r) => r.part === 'val').slice(0, 3).map((r) => r.id),
  });
}, 120_000);

afterAll(() => studio.cleanup());

describe('xstudio images with predictions', () => {
  it('says why a prediction filter cannot work before any run has predictions', async () => {
    const r = await runXstudio(['images', '--project', projectFile, '--prediction', 'wrong', '--json'], studio.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no run has predictions/);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'not-found', message: expect.stringMatching(/no run has predictions/) } });
    const plain = await images();
    expect(plain).toMatchObject({ total: 64, offset: 0, runId: null });
    expect(plain.images).toHaveLength(64);
    expect(plain.images.every((i) => i.prediction === null)).toBe(true);
  });

  it('lists the wrongly labelled validation images as "wrong", the rest as "right"', async () => {
    run = (await json<{ run: number }>(['train', '--epochs', '10', '--lr', '0.05'])).run;
    await json(['eval', '--run', String(run), '--on', 'val']);
    await json(['eval', '--run', String(run), '--on', 'test']);

    const wrong = await images('--prediction', 'wrong');
    expect(wrong.runId).toBe(run);
    for (const id of flipped) expect(ids(wrong)).toContain(id);
    for (const i of wrong.images) {
      expect(i.prediction).toMatchObject({ runId: run, correct: false });
      expect(i.prediction!.className).not.toBe(i.label);
    }
    const right = await images('--prediction', 'right');
    for (const i of right.images) expect(i.prediction!.className).toBe(i.label);
    // Val and test parts were evaluated: every one of their images is right or wrong, nothing else is.
    const evaluated = await images('--split', 'main', '--part', 'val');
    const test = await images('--split', 'main', '--part', 'test');
    expect(right.total + wrong.total).toBe(evaluated.total + test.total);
    expect([...ids(right), ...ids(wrong)].sort((a, b) => a - b)).toEqual([...ids(evaluated), ...ids(test)].sort((a, b) => a - b));
    // Filters combine: the wrong ones of the val part only.
    const wrongVal = await images('--prediction', 'wrong', '--split', 'main', '--part', 'val');
    expect(wrongVal.images.every((i) => i.part === 'val')).toBe(true);
    for (const id of flipped) expect(ids(wrongVal)).toContain(id);
  });

  it('filters by predicted class and sorts by loss and confidence, images without a prediction last', async () => {
    const all = await images();
    const predictedDog = all.images.filter((i) => i.prediction?.className === 'dog').map((i) => i.id).sort((a, b) => a - b);
    const dog = await images('--predicted', 'dog');
    expect(ids(dog)).toEqual(predictedDog);
    expect(dog.images.every((i) => i.prediction?.className === 'dog')).toBe(true);

    const byLoss = await images('--sort', 'loss', '--order', 'desc');
    expect(byLoss.total).toBe(64);
    const losses = byLoss.images.map((i) => i.prediction?.loss ?? null);
    const withLoss = losses.filter((l): l is number => l !== null);
    expect(withLoss.length).toBe(32);
    expect(losses.slice(0, 32)).toEqual(withLoss); // the unevaluated train part goes last
    for (let k = 1; k < withLoss.length; k++) expect(withLoss[k]).toBeLessThanOrEqual(withLoss[k - 1]);
    // The largest losses are the labels made wrong on purpose.
    expect(byLoss.images.slice(0, flipped.length).map((i) => i.id).sort((a, b) => a - b)).toEqual([...flipped].sort((a, b) => a - b));

    const byConfidence = await images('--sort', 'confidence', '--limit', '5', '--offset', '2');
    expect(byConfidence).toMatchObject({ total: 64, offset: 2 });
    expect(byConfidence.images).toHaveLength(5);
    const conf = byConfidence.images.map((i) => i.prediction!.confidence);
    for (let k = 1; k < conf.length; k++) expect(conf[k]).toBeGreaterThanOrEqual(conf[k - 1]);
  });

  it('judges against the current label: relabelling a wrong image to the predicted class makes it right', async () => {
    const [first] = (await images('--prediction', 'wrong', '--split', 'main', '--part', 'val')).images;
    await json(['label', '--set', first.prediction!.className, String(first.id)]);
    expect(ids(await images('--prediction', 'wrong'))).not.toContain(first.id);
    const nowRight = (await images('--prediction', 'right', '--search', first.name)).images.find((i) => i.id === first.id);
    expect(nowRight).toMatchObject({ label: first.prediction!.className, prediction: { correct: true } });
    await json(['label', '--set', first.label!, String(first.id)]);
    expect(ids(await images('--prediction', 'wrong'))).toContain(first.id);
  });

  it('uses the latest run with predictions, or the run given with --run, and says when that has none', async () => {
    // Training evaluates the new run on its validation part: it becomes the latest run with predictions.
    const other = (await json<{ run: number }>(['train', '--epochs', '2'])).run;
    expect((await images('--prediction', 'wrong')).runId).toBe(other);
    const mine = await images('--sort', 'loss', '--run', String(run));
    expect(mine.runId).toBe(run);
    expect(mine.images.filter((i) => i.prediction).every((i) => i.prediction!.runId === run)).toBe(true);
    // A run that failed has no predictions.
    const cfg = path.join(studio.dir, 'bad.json');
    fs.writeFileSync(cfg, JSON.stringify({ head: { classWeights: [1, 2, 3] } }));
    expect((await runXstudio(['train', '--project', projectFile, '--config', cfg, '--epochs', '2', '--json'], studio.env)).code).not.toBe(0);
    const failed = (await json<{ runs: { id: number; state: string }[] }>(['runs'])).runs.find((r) => r.state === 'failed')!;
    const r = await runXstudio(['images', '--project', projectFile, '--run', String(failed.id), '--prediction', 'wrong', '--json'], studio.env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`run ${failed.id} has no predictions`));
    const missing = await runXstudio(['images', '--project', projectFile, '--run', '999', '--json'], studio.env);
    expect(missing.stderr).toMatch(/no run with id 999/);
    const bad = await runXstudio(['images', '--project', projectFile, '--prediction', 'maybe', '--json'], studio.env);
    expect(bad.stderr).toMatch(/--prediction expects right, wrong, got "maybe"/);
  });

  it('lists the images of the latest suspect list with their mark', async () => {
    const s = await json<{ total: number; items: { imageId: number; rank: number; suggested: string }[] }>(['suspects', '--run', String(run), '--folds', '2', '--limit', '5']);
    expect(s.items.length).toBeGreaterThan(0);
    expect(s.items.length).toBeLessThanOrEqual(5);
    // --limit shortens what is printed; every suspect is kept in the list.
    const listed = await images('--suspects');
    expect(listed.total).toBe(s.total);
    for (const x of s.items) expect(listed.images.find((i) => i.id === x.imageId)!.suspect).toMatchObject({ rank: x.rank, suggested: x.suggested });
    // Combined with a prediction filter: the suspects the run also gets wrong.
    const both = await images('--suspects', '--prediction', 'wrong');
    expect(both.images.every((i) => i.suspect !== null && i.prediction?.correct === false)).toBe(true);
  });

  it('drops an image confirmed as rightly labelled from the suspects, in the list and in a new ranking', async () => {
    const before = await json<{ total: number; items: { imageId: number }[] }>(['suspects', '--run', String(run), '--folds', '2']);
    const target = before.items[0].imageId;
    expect(await json(['suspects', 'confirm', String(target)])).toEqual({ confirmed: 1, images: 1 });
    expect(ids(await images('--suspects'))).not.toContain(target);
    const after = await json<{ total: number; confirmed: number; items: { imageId: number }[] }>(['suspects', '--run', String(run), '--folds', '2']);
    expect(after.confirmed).toBe(1);
    expect(after.total).toBe(before.total - 1);
    expect(after.items.map((s) => s.imageId)).not.toContain(target);
  });

  it('repeats --class, and lists unlabelled images with them', async () => {
    expect((await images('--class', 'cat', '--class', 'dog')).total).toBe(64);
    expect((await images('--class', 'cat')).total).toBe(32);
    expect((await images('--class', 'nope', '--unlabelled')).total).toBe(0);
  });
});
