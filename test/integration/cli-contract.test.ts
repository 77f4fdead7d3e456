// One front door: every `xstudio` command is an adapter over a service call,
// and its --json output IS that call's result. For each command this runs the
// CLI (a separate process, as a user runs it) and the matching call on the
// studio service in this process (the object the desktop app and browser
// mode bind), on the same project — or on two identical copies when the call
// changes the project — and compares the two answers field by field, after
// removing what differs by nature (times, speeds, job ids, the output path).
//
// A command added without a case here fails the "every command" test.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInput, CallName, CallOutput, JobInfo, RunDetail, StudioService } from '../../src/shared/api.ts';
import { commands } from '../../src/main/cli/commands/index.ts';
import { createStudio, type Studio } from '../../src/main/studio/studio-service.ts';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { storeSyntheticFeatures } from '../helpers/synthetic-project.ts';
import { runXstudio } from '../helpers/xstudio-cli.ts';

let dir: string;
let root: string;
let project: string;
let env: NodeJS.ProcessEnv;
let twinCount = 0;

/** Fields that differ between two runs of the same call by nature. */
const VOLATILE = /^(at|createdAt|startedAt|finishedAt|computedAt|importedAt|openedAt|seconds|ms|filesPerSecond|imagesPerSecond|etaSeconds|jobId|thumbnailsJob|rate|loadMs)$/;

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !VOLATILE.test(k)).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

async function cliJson(args: string[], projectFile: string | null = project): Promise<Record<string, unknown>> {
  const r = await runXstudio([...args, ...(projectFile ? ['--project', projectFile] : []), '--json'], env, { cwd: dir });
  expect(r.code, `xstudio ${args.join(' ')}: ${r.stderr} ${r.stdout}`).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines, 'exactly one JSON object on stdout').toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

/** The service on a project (or none), as the desktop app opens it; closed after `fn`. */
async function onService<T>(projectFile: string | null, fn: (s: StudioService, studio: Studio) => Promise<T>): Promise<T> {
  const studio = await createStudio({ transport: 'cli', project: projectFile, createProject: false, dataDir: path.join(dir, 'home') });
  try {
    return await fn(studio.service, studio);
  } finally {
    await studio.close();
  }
}

/** Waits for a job started on the service and returns its result, as the CLI does. */
function jobResult<T>(studio: Studio, jobId: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (j: JobInfo | undefined): boolean => {
      if (!j || j.state === 'running' || j.state === 'queued') return false;
      if (j.state === 'done') resolve(j.result as T);
      else reject(new Error(`${j.label}: ${j.state} ${j.error?.message ?? ''}`));
      return true;
    };
    const off = studio.events.subscribe((m) => {
      if (m.event === 'job.finished' && m.payload.id === jobId && check(m.payload)) off();
    });
    void studio.service.listJobs({}).then((jobs) => {
      if (check(jobs.find((j) => j.id === jobId))) off();
    });
  });
}

/** Two identical copies of the project (a consistent snapshot each), for calls that change it. */
function twins(): [string, string] {
  const make = (): string => {
    const file = path.join(dir, `twin-${++twinCount}.xstudio`);
    const db = new Database(project, { readonly: true });
    db.exec(`VACUUM INTO '${file.replaceAll("'", "''")}'`);
    db.close();
    // The side folder holds the runs' checkpoints: a twin needs its own copy.
    if (fs.existsSync(`${project}.d`)) fs.cpSync(`${project}.d`, `${file}.d`, { recursive: true });
    return file;
  };
  return [make(), make()];
}

/** The command's --json output equals the call's result on the same state. */
async function same(cliOut: unknown, callOut: unknown): Promise<void> {
  expect(normalise(cliOut)).toEqual(normalise(callOut));
}

/** Runs `args` on one twin and `call(input)` on the other, and compares. */
async function mutating<K extends CallName>(args: string[], call: K, input: CallInput<K>, wrap?: (o: CallOutput<K>) => unknown): Promise<void> {
  const [a, b] = twins();
  const cliOut = await cliJson(args, a);
  const callOut = await onService(b, (s) => (s[call] as (i: CallInput<K>) => Promise<CallOutput<K>>)(input));
  await same(cliOut, wrap ? wrap(callOut) : callOut);
}

const covered = new Set<string>();
const cover = (name: string): void => {
  covered.add(name);
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-contract-'));
  env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache'), XSTUDIO_BACKEND: 'cpu' };
  process.env.XSTUDIO_CACHE = env.XSTUDIO_CACHE;
  process.env.XSTUDIO_BACKEND = 'cpu';
  root = path.join(dir, 'images');
  for (let i = 0; i < 40; i++) await writeImage(path.join(root, `${i % 2 ? 'dog' : 'cat'}.${i}.png`), { format: 'png', width: 16, height: 16, color: colorFor(i) });
  project = path.join(dir, 'p.xstudio');
  await cliJson(['import', root, '--labels', 'filename']);
  await cliJson(['split', '--train', '20', '--val', '10', '--test', '10', '--seed', '3', '--name', 'main']);
  storeSyntheticFeatures(project, { dim: 8, seed: 5, separation: 4, classes: ['cat', 'dog'], key: 'synthetic:contract', flip: (rows) => rows.filter((r) => r.part !== 'test').slice(0, 3).map((r) => r.id) });
}, 180_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the CLI prints the service call’s result', () => {
  it('import: a re-import of the same folder', async () => {
    cover('import');
    const cliOut = await cliJson(['import', root, '--labels', 'filename']);
    const callOut = await onService(project, (s) => s.importFolder({ folder: root, labelSource: 'filename', thumbnails: false }));
    await same(cliOut, callOut);
    expect(cliOut).toMatchObject({ images: 40, unchanged: 40, failed: [], classes: { cat: 20, dog: 20 } });
  });

  it('status, classes, splits, images', async () => {
    cover('status');
    cover('classes');
    cover('splits');
    cover('images');
    await same(await cliJson(['status']), await onService(project, async (s) => ({ ...(await s.getProjectStatus({})), features: await s.getFeatureStatus({}) })));
    await same(await cliJson(['classes']), { classes: await onService(project, (s) => s.listClasses({})) });
    await same(await cliJson(['splits']), { splits: await onService(project, (s) => s.listSplits({})) });
    const page = await cliJson(['images', '--class', 'dog', '--sort', 'name', '--limit', '5', '--offset', '2']);
    await same(page, await onService(project, (s) => s.queryImages({ classes: ['dog'], sort: 'name', limit: 5, offset: 2 })));
    expect(page).toMatchObject({ total: 20, offset: 2 });
    expect((page.images as { id: number; label: string }[]).every((i) => i.label === 'dog' && i.id > 0)).toBe(true);
  });

  it('label --set, --clear, --undo, --redo, --history', async () => {
    cover('label');
    const [a] = twins();
    const ids = await onService(a, async (s) => (await s.queryImages({ classes: ['cat'], limit: 2 })).images.map((i) => i.id));
    await mutating(['label', '--set', 'dog', ...ids.map(String)], 'setLabel', { imageIds: ids, className: 'dog' });
    await mutating(['label', '--clear', String(ids[0])], 'setLabel', { imageIds: [ids[0]], className: null });
    await mutating(['label', '--undo'], 'undo', {});
    await mutating(['label', '--redo'], 'redo', {});
    await same(await cliJson(['label', '--history', '--limit', '5']), { history: await onService(project, (s) => s.getHistory({ limit: 5 })) });
  });

  it('remove: named images, and a whole imported folder', async () => {
    cover('remove');
    const ids = (await onService(project, (s) => s.queryImages({ classes: ['cat'], sort: 'name', limit: 3 }))).images.map((i) => i.id);
    await mutating(['remove', ...ids.map(String)], 'removeImages', { ids });
    await mutating(['remove', '--folder', root], 'removeImages', { folder: root });
  });

  it('labels export', async () => {
    cover('labels export');
    const cliOut = await cliJson(['labels', 'export', '--out', path.join(dir, 'a.csv')]);
    const callOut = await onService(project, (s) => s.exportLabels({ out: path.join(dir, 'b.csv') }));
    expect({ ...cliOut, file: null }).toEqual({ ...callOut, file: null });
    expect(fs.readFileSync(path.join(dir, 'a.csv'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8'));
  });

  it('classes --add, --rename, --merge, --delete', async () => {
    await mutating(['classes', '--add', 'bird'], 'createClass', { name: 'bird' });
    await mutating(['classes', '--rename', 'cat', 'kitten'], 'renameClass', { name: 'cat', newName: 'kitten' });
    await mutating(['classes', '--merge', 'cat', 'dog'], 'mergeClasses', { from: ['cat'], into: 'dog' });
    await mutating(['classes', '--delete', 'cat'], 'deleteClass', { name: 'cat' });
  });

  it('split --preview, split, split lock, split delete', async () => {
    cover('split');
    cover('split lock');
    cover('split delete');
    const request = { name: 'b', unit: 'count' as const, sizes: { train: 10, val: 5, test: 5 }, stratified: true, seed: 9 };
    await same(await cliJson(['split', '--preview', '--train', '10', '--val', '5', '--test', '5', '--seed', '9', '--name', 'b']), await onService(project, (s) => s.previewSplit(request)));
    await mutating(['split', '--train', '10', '--val', '5', '--test', '5', '--seed', '9', '--name', 'b'], 'createSplit', request);
    await mutating(['split', '--train', '0.5', '--val', '0.25', '--seed', '9', '--name', 'b', '--lock-test'], 'createSplit', { ...request, unit: 'fraction', sizes: { train: 0.5, val: 0.25, test: 0 }, lockTest: true });
    await mutating(['split', 'lock', '--name', 'main'], 'lockSplit', { name: 'main' });
    const [a, b] = twins();
    const cliOut = await cliJson(['split', 'delete', '--name', 'main'], a);
    expect(cliOut).toEqual({ deleted: 'main', splits: await onService(b, (s) => s.deleteSplit({ name: 'main' })) });
  });

  it('train, runs, runs --run, runs compare, eval, suspects, suspects confirm, export (head, dataset)', async () => {
    cover('train');
    cover('runs');
    cover('runs compare');
    cover('eval');
    cover('suspects');
    cover('suspects confirm');
    const trained = (await cliJson(['train', '--epochs', '4', '--seed', '1'])) as unknown as RunDetail & { run: number };
    expect(trained.run).toBe(trained.id);
    const { run: _run, ...detail } = trained;
    await same(detail, await onService(project, (s) => s.getRun({ id: trained.id })));
    expect(trained.state).toBe('done');
    const second = (await cliJson(['train', '--epochs', '4', '--seed', '2', '--lr', '0.05'])) as unknown as RunDetail & { run: number };

    await same(await cliJson(['runs']), { runs: await onService(project, (s) => s.listRuns({})) });
    await same(await cliJson(['runs', '--run', String(trained.id)]), await onService(project, (s) => s.getRun({ id: trained.id })));
    await same(await cliJson(['runs', 'compare', String(trained.id), String(second.id)]), await onService(project, (s) => s.compareRuns({ ids: [trained.id, second.id] })));

    const cliEval = await cliJson(['eval', '--run', String(trained.id), '--on', 'val']);
    await same(cliEval, await onService(project, (s) => s.evaluateRun({ id: trained.id, on: 'val' })));
    expect(cliEval).toMatchObject({ runId: trained.id, on: 'val', images: 10, model: 'head' });
    await mutating(['eval', '--run', String(trained.id), '--on', 'test'], 'evaluateRun', { id: trained.id, on: 'test' });

    const cliSuspects = await cliJson(['suspects', '--folds', '2', '--limit', '5']);
    await same(cliSuspects, await onService(project, (s) => s.findSuspects({ folds: 2, limit: 5 })));
    const some = (cliSuspects.items as { imageId: number }[]).slice(0, 2).map((i) => i.imageId);
    const [a, b] = twins();
    const confirmed = await cliJson(['suspects', 'confirm', ...some.map(String)], a);
    expect(confirmed).toEqual({ ...(await onService(b, (s) => s.confirmLabels({ imageIds: some }))), images: some.length });

    cover('export');
    for (const format of ['head', 'dataset'] as const) {
      const cliOut = await cliJson(['export', '--run', String(trained.id), '--format', format, '--out', path.join(dir, `cli-${format}`)]);
      const callOut = await onService(project, (s) => s.exportRun({ runId: trained.id, format, out: path.join(dir, `call-${format}`) }));
      // The two exports differ only in where they were written (a path inside signature.json and the manifest).
      const sameExport = (o: Record<string, unknown>): unknown => normalise({ ...o, path: null, bytes: null, files: (o.files as string[]).map((f) => path.basename(f)) });
      expect(sameExport(cliOut)).toEqual(sameExport(callOut as unknown as Record<string, unknown>));
      expect(Math.abs((cliOut.bytes as number) - callOut.bytes)).toBeLessThan(200);
    }
  }, 240_000);

  it('backends, weights list, features, extract, thumbnails, predict (no project needed for the first four)', async () => {
    cover('backends');
    cover('weights list');
    cover('features');
    cover('extract');
    cover('thumbnails');
    cover('predict');
    await same(await cliJson(['backends'], null), await onService(null, (s) => s.getBackend({})));
    await same(await cliJson(['weights', 'list'], null), await onService(null, (s) => s.getWeightsStatus({})));
    const files = [path.join(root, 'cat.0.png'), path.join(root, 'dog.1.png')];
    const cliFeatures = await cliJson(['features', '--random-init', '--input-size', '71', ...files], null);
    await same(cliFeatures, await onService(null, (s) => s.computeImageFeatures({ files, backbone: { backbone: 'xception', randomInit: true, inputSize: 71 } })));
    expect((cliFeatures.features as { vector: number[] }[])[0].vector).toHaveLength(2048);

    // The first extract computes, the second finds everything cached: CLI and call agree on the second.
    await cliJson(['extract', '--random-init', '--input-size', '71']);
    const cliExtract = await cliJson(['extract', '--random-init', '--input-size', '71']);
    const callExtract = await onService(project, async (s, studio) => jobResult(studio, (await s.startExtraction({ backbone: 'xception', randomInit: true, inputSize: 71 })).jobId));
    await same(cliExtract, callExtract);
    expect(cliExtract).toMatchObject({ extracted: 0, cached: 40 });

    const [a, b] = twins();
    const cliThumbs = await cliJson(['thumbnails'], a);
    const callThumbs = await onService(b, async (s, studio) => jobResult(studio, (await s.makeThumbnails({})).jobId));
    expect(normalise({ ...cliThumbs, dir: null })).toEqual(normalise({ ...(callThumbs as object), dir: null }));

    const run = (await cliJson(['train', '--backbone', (callExtract as { backbone: { key: string } }).backbone.key, '--epochs', '2'])) as unknown as { run: number };
    const model = path.join(dir, 'model-tfjs');
    await cliJson(['export', '--run', String(run.run), '--format', 'tfjs', '--out', model]);
    await same(await cliJson(['predict', '--model', model, ...files], null), await onService(null, (s) => s.predictImages({ model, files })));
  }, 300_000);

  it('weights fetch and weights import report what fetchWeights and importWeights do (errors included)', async () => {
    cover('weights fetch');
    cover('weights import');
    // No network in tests: a missing local file is the same error through both doors.
    const r = await runXstudio(['weights', 'import', path.join(dir, 'missing.h5'), '--json'], env, { cwd: dir });
    expect(r.code).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    const thrown = await onService(null, (s) => s.importWeights({ file: path.join(dir, 'missing.h5') })).catch((e: { code: string; message: string }) => e);
    expect(error).toMatchObject({ code: (thrown as { code: string }).code, message: expect.stringContaining('missing.h5') });
    const bad = await runXstudio(['weights', 'fetch', '--md5', 'not-hex', '--json'], env, { cwd: dir });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'invalid-argument', field: 'md5', flag: '--md5' } });
  });

  it('covers every command that has a call (serve is the browser transport itself)', () => {
    const withCall = commands.filter((c) => c.call !== null).map((c) => c.name).sort();
    expect(withCall.filter((n) => !covered.has(n))).toEqual([]);
    expect(commands.filter((c) => c.call === null).map((c) => c.name)).toEqual(['serve']);
  });
});
