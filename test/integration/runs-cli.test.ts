// Training runs as a user drives them from the CLI, on a project of generated
// images whose features are made synthetic (stored straight into the feature
// store, so no network runs): train, runs, eval (test counter and lock),
// runs compare, suspects (labels flipped on purpose), cancel, a failing run,
// an interrupted run, and the dataset / head / report exports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { withProject, type Project } from '../../src/main/studio/project.ts';
import { readKerasWeights } from '../../src/main/ml/keras-h5.ts';
import { storeSyntheticFeatures } from '../helpers/synthetic-project.ts';
import { runXstudio, type CliRun, type RunOptions } from '../helpers/xstudio-cli.ts';

let dir: string;
let projectFile: string;
let env: NodeJS.ProcessEnv;
/** Image ids whose label was flipped on purpose (their features belong to the other class). */
let flipped: number[] = [];

/** The CLI as a user runs it, from the test's folder with its studio environment. */
const cli = (args: string[], opts: RunOptions = {}): Promise<CliRun> => runXstudio(args, env, { cwd: dir, ...opts });

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`xstudio ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Reads the project file directly (through the core), to check what the CLI stored. */
const inProject = <T>(fn: (p: Project) => T): Promise<T> => withProject(projectFile, fn);

const DIM = 24;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-runs-'));
  env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache') };
  const root = path.join(dir, 'images');
  for (let i = 0; i < 160; i++) await writeImage(path.join(root, i % 2 ? 'dog' : 'cat', `${i}.png`), { format: 'png', width: 8, height: 8, color: colorFor(i) });
  projectFile = path.join(dir, 'p.xstudio');
  await json(['import', root, '--project', projectFile, '--labels', 'folder']);
  await json(['split', '--project', projectFile, '--train', '0.5', '--val', '0.25', '--test', '0.25', '--seed', '3', '--name', 'main']);

  // Synthetic features: one Gaussian cluster per class; a few images of the
  // train and val parts get the other class's feature, i.e. a wrong label.
  flipped = storeSyntheticFeatures(projectFile, {
    dim: DIM, seed: 5, separation: 4, classes: ['cat', 'dog'], key: 'synthetic:test',
    flip: (rows) => {
      const candidates = rows.filter((r) => r.part !== 'test');
      return [candidates[3].id, candidates[20].id, candidates[41].id, candidates[77].id];
    },
  });
}, 120_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('xstudio train / runs / eval', () => {
  let run1: number;
  let run2: number;

  it('trains a head on the latest split and features, prints the contract JSON, and streams epochs on stderr', async () => {
    const r = await cli(['train', '--project', projectFile, '--epochs', '12', '--lr', '0.05', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { run: number; bestEpoch: number; val: { loss: number; accuracy: number } };
    expect(out.run).toBeGreaterThan(0);
    expect(out.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(out.bestEpoch).toBeLessThanOrEqual(12);
    expect(out.val.accuracy).toBeGreaterThan(0.9);
    expect(r.stderr).toMatch(/epoch 12\/12/);
    run1 = out.run;
    const runs = await json<{ runs: { id: number; state: string; split: string; bestEpoch: number; labelsChangedSince: boolean }[] }>(['runs', '--project', projectFile]);
    const listed = runs.runs.find((x) => x.id === run1)!;
    expect(listed.state).toBe('done');
    expect(listed.split).toBe('main');
    expect(listed.bestEpoch).toBe(out.bestEpoch);
    expect(listed.labelsChangedSince).toBe(false);
    const detail = await json<{ id: number; curve: { epoch: number; phase: string; val: { loss: number } }[] }>(['runs', '--project', projectFile, '--run', String(run1)]);
    expect(detail.id).toBe(run1);
    expect(detail.curve).toHaveLength(12);
    expect(detail.curve.every((e) => e.phase === 'head')).toBe(true);
    const best = detail.curve.reduce((a, b) => (b.val.loss < a.val.loss ? b : a));
    expect(best.epoch).toBe(out.bestEpoch);
  });

  it('evaluates on val and test, counting test evaluations and saying when the test part is locked', async () => {
    const val = await json<{ runId: number; on: string; images: number; model: string; accuracy: number; confusion: number[][]; perClass: { className: string }[]; auc: number; testEvaluations: number }>(['eval', '--project', projectFile, '--run', String(run1), '--on', 'val']);
    expect(val).toMatchObject({ runId: run1, on: 'val', model: 'head' });
    expect(val.images).toBe(40);
    expect(val.confusion.flat().reduce((a, b) => a + b, 0)).toBe(40);
    expect(val.perClass.map((c) => c.className)).toEqual(['cat', 'dog']);
    expect(val.auc).toBeGreaterThan(0.9);
    const t1 = await json<{ testEvaluations: number; testLocked: boolean; accuracy: number }>(['eval', '--project', projectFile, '--run', String(run1), '--on', 'test']);
    expect(t1.testEvaluations).toBe(1);
    expect(t1.testLocked).toBe(false);
    expect(t1.accuracy).toBeGreaterThan(0.9);
    await json(['split', 'lock', '--project', projectFile, '--name', 'main']);
    const r = await cli(['eval', '--project', projectFile, '--run', String(run1), '--on', 'test', '--json']);
    const t2 = JSON.parse(r.stdout) as { testEvaluations: number; testLocked: boolean; notice: string };
    expect(t2.testEvaluations).toBe(2);
    expect(t2.testLocked).toBe(true);
    expect(r.stderr).toMatch(/locked/);
    const predictions = await inProject((p) => p.db.prepare("SELECT COUNT(*) FROM run_predictions rp JOIN run_evaluations e ON e.id = rp.evaluation_id WHERE e.run_id = ? AND e.part = 'test'").pluck().get(run1)) as number;
    expect(predictions).toBe(80);
  });

  it('is reproducible with a seed, and compares runs: config diff, metric diff, images each gets right', async () => {
    const a = await json<{ run: number; val: { loss: number } }>(['train', '--project', projectFile, '--epochs', '3', '--seed', '7']);
    const b = await json<{ run: number; val: { loss: number } }>(['train', '--project', projectFile, '--epochs', '3', '--seed', '7']);
    expect(b.val.loss).toBe(a.val.loss);
    run2 = a.run;
    const cmp = await json<{
      on: string; runs: { id: number; val: { accuracy: number; loss: number } }[]; configDiff: { key: string; values: unknown[] }[];
      disagreements: { a: number; b: number; onlyA: { imageId: number }[]; onlyB: { imageId: number }[] }[];
    }>(
      ['runs', 'compare', String(run1), String(run2), '--project', projectFile],
    );
    const keys = cmp.configDiff.map((d) => d.key);
    expect(keys).toContain('head.epochs');
    expect(keys).toContain('head.optimizer.lr');
    expect(keys).toContain('seed');
    expect(cmp.configDiff.find((d) => d.key === 'head.epochs')).toEqual({ key: 'head.epochs', values: [12, 3] });
    // The figures of each run, side by side, in the order asked.
    expect(cmp.on).toBe('val');
    expect(cmp.runs.map((r) => r.id)).toEqual([run1, run2]);
    expect(cmp.runs[1].val.loss).toBe(a.val.loss);
    const listed = await json<{ runs: { id: number; val: { accuracy: number } }[] }>(['runs', '--project', projectFile]);
    expect(cmp.runs[0].val.accuracy).toBe(listed.runs.find((r) => r.id === run1)!.val.accuracy);
    // Check the image lists against the stored predictions of both runs.
    const expected = await inProject((p) => {
      const preds = (id: number): Map<number, number> =>
        new Map((p.db.prepare("SELECT rp.image_id, rp.correct FROM run_predictions rp WHERE rp.evaluation_id = (SELECT MAX(id) FROM run_evaluations WHERE run_id = ? AND part = 'val')").all(id) as { image_id: number; correct: number }[]).map((r) => [r.image_id, r.correct]));
      const pa = preds(run1);
      const pb = preds(run2);
      const onlyA = [...pa].filter(([id, c]) => c === 1 && pb.get(id) === 0).map(([id]) => id);
      const onlyB = [...pa].filter(([id, c]) => c === 0 && pb.get(id) === 1).map(([id]) => id);
      return { onlyA, onlyB, common: pa.size };
    });
    expect(expected.common).toBe(40);
    expect(cmp.disagreements).toHaveLength(1);
    const [d] = cmp.disagreements;
    expect(d).toMatchObject({ a: run1, b: run2 });
    expect(d.onlyA.map((x) => x.imageId).sort()).toEqual(expected.onlyA.sort());
    expect(d.onlyB.map((x) => x.imageId).sort()).toEqual(expected.onlyB.sort());
  });

  it('ranks the labels flipped on purpose as the top suspects', async () => {
    const s = await json<{ items: { imageId: number; label: string; suggested: string }[]; folds: number }>(['suspects', '--project', projectFile, '--folds', '4', '--limit', '10']);
    expect(s.folds).toBe(4);
    const top = s.items.slice(0, flipped.length).map((x) => x.imageId).sort((a, b) => a - b);
    expect(top).toEqual([...flipped].sort((a, b) => a - b));
    for (const x of s.items.slice(0, flipped.length)) expect(x.suggested).not.toBe(x.label);
  });

  it('a run that fails in the worker is recorded as failed with its error', async () => {
    const cfg = path.join(dir, 'bad.json');
    fs.writeFileSync(cfg, JSON.stringify({ head: { classWeights: [1, 2, 3] } }));
    const r = await cli(['train', '--project', projectFile, '--config', cfg, '--epochs', '2', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/classWeights: expected 2 weights/);
    const runs = await json<{ runs: { state: string; error: string }[] }>(['runs', '--project', projectFile]);
    expect(runs.runs[0].state).toBe('failed');
    expect(runs.runs[0].error).toMatch(/classWeights/);
  });

  it('Ctrl+C cancels a run and keeps what it stored; a killed CLI leaves a run found interrupted at the next open', async () => {
    const killAfterEpoch = (sig: NodeJS.Signals) => {
      let sent = false;
      return (text: string, kill: (s: NodeJS.Signals) => void): void => {
        if (!sent && /epoch 2\/5000/.test(text)) {
          sent = true;
          kill(sig);
        }
      };
    };
    const c = await cli(['train', '--project', projectFile, '--epochs', '5000', '--json'], { onStderr: killAfterEpoch('SIGINT') });
    expect(c.code).not.toBe(0);
    const k = await cli(['train', '--project', projectFile, '--epochs', '5000', '--json'], { onStderr: killAfterEpoch('SIGKILL') });
    expect(k.code).not.toBe(0);
    const runs = await json<{ runs: { id: number; state: string; bestEpoch: number | null }[] }>(['runs', '--project', projectFile]);
    const [killed, cancelled] = runs.runs;
    expect(cancelled.state).toBe('cancelled');
    expect(killed.state).toBe('interrupted');
    for (const r of [cancelled, killed]) {
      expect(r.bestEpoch).toBeGreaterThanOrEqual(1);
      const epochs = await inProject((p) => p.db.prepare('SELECT COUNT(*) FROM run_epochs WHERE run_id = ?').pluck().get(r.id)) as number;
      expect(epochs).toBeGreaterThanOrEqual(2);
      expect(fs.existsSync(`${projectFile}.d/runs/${r.id}/head-best.json`)).toBe(true);
    }
  });

  it('exports the dataset (CSV + ImageFolder links), the head as Keras HDF5, and a self-contained report', async () => {
    const ds = await json<{ path: string; files: string[] }>(['export', '--project', projectFile, '--run', String(run1), '--format', 'dataset', '--out', path.join(dir, 'ds'), '--link']);
    const csv = fs.readFileSync(path.join(ds.path, 'manifest.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('path,label,split');
    expect(csv).toHaveLength(161);
    const trainCats = fs.readdirSync(path.join(ds.path, 'train', 'cat'));
    expect(trainCats.length).toBeGreaterThan(0);
    expect(fs.lstatSync(path.join(ds.path, 'train', 'cat', trainCats[0])).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);

    const head = await json<{ path: string }>(['export', '--project', projectFile, '--run', String(run1), '--format', 'head', '--out', path.join(dir, 'top-weights')]);
    const wf = await readKerasWeights(path.join(head.path, 'head.h5'));
    expect(wf.fullModel).toBe(true);
    const dense = wf.layers.filter((l) => l.weights.length > 0);
    expect(dense.map((l) => l.layerName)).toEqual(['head_dense_1', 'head_dense_2', 'head_predictions']);
    expect(dense[0].weights[0].shape).toEqual([DIM, 256]);
    expect(dense[2].weights[0].shape).toEqual([128, 1]);

    const rep = await json<{ path: string }>(['export', '--project', projectFile, '--run', String(run1), '--format', 'report', '--out', path.join(dir, 'report.html')]);
    const html = fs.readFileSync(rep.path, 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toMatch(/true \\ predicted/);
    expect(html).toMatch(/data:image\/jpeg;base64,/);
    expect(html).not.toMatch(/<script|src="https?:|href="https?:/);
  });
});
