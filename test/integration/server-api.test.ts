/**
 * The StudioApi through browser mode's HTTP door, as the renderer uses it:
 * import generated images, page the gallery, fetch media, relabel with undo /
 * redo, classes, splits, events on the WebSocket — and every bad request gets
 * a 4xx naming the field, never a crash.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CallInput, CallName, CallOutput, GalleryItem, StudioEventMessage } from '../../src/shared/api.ts';
import type { SerializedError } from '../../src/shared/errors.ts';
import { startServer, type StudioServer } from '../../src/main/server.ts';
import { createStudio, type Studio } from '../../src/main/studio/studio-service.ts';
import { writeImage } from '../helpers/make-images.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-server-api-'));
const images = path.join(dir, 'images');
let studio: Studio;
let server: StudioServer;
let events: StudioEventMessage[] = [];
let socket: WebSocket;

async function post(call: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { error: SerializedError } }> {
  const res = await fetch(`${server.url}api/${call}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error: SerializedError } };
}

async function api<K extends CallName>(call: K, input: CallInput<K> | Record<string, never> = {}): Promise<CallOutput<K>> {
  const r = await post(call, input);
  if (r.status !== 200) throw new Error(`${call}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as unknown as CallOutput<K>;
}

async function media(p: string): Promise<Response> {
  return fetch(`${server.url}media/${p}`, { headers: { authorization: `Bearer ${server.token}` } });
}

function rawGet(p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, headers: { authorization: `Bearer ${server.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(fn: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  for (let i = 0; i < 6; i++) {
    await writeImage(path.join(images, 'cat', `cat.${i}.jpg`), { width: 40, height: 30, color: [200, 40 + i * 10, 40] });
    await writeImage(path.join(images, 'dog', `dog.${i}.png`), { format: 'png', width: 30, height: 40, color: [40, 60, 200 - i * 10] });
  }
  fs.writeFileSync(path.join(images, 'dog', 'broken.jpg'), 'this is not a jpeg');
  studio = await createStudio({ transport: 'http', project: path.join(dir, 'p.xstudio'), dataDir: path.join(dir, 'home') });
  server = await startServer(studio, { port: 0 });
  socket = new WebSocket(`${server.url.replace('http:', 'ws:')}events`, { headers: { authorization: `Bearer ${server.token}` } });
  socket.on('message', (d) => events.push(JSON.parse(String(d)) as StudioEventMessage));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
});

afterAll(async () => {
  socket?.close();
  await server?.close();
  await studio?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('import and gallery', () => {
  it('imports a folder with folder labels, reports the broken file, and streams job progress', async () => {
    events = [];
    const summary = await api('importFolder', { folder: images, labelSource: 'folder' });
    expect(summary).toMatchObject({ added: 13, images: 13 });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0].path).toMatch(/broken\.jpg$/);
    expect(summary.failed[0].reason.length).toBeGreaterThan(5);
    expect(summary.classes).toEqual({ cat: 6, dog: 6 });
    const finished = events.find((e) => e.event === 'job.finished' && e.payload.kind === 'import');
    expect(finished?.payload).toMatchObject({ state: 'done' });
    expect(events.some((e) => e.event === 'project.changed')).toBe(true);
  });

  it('reports the project status', async () => {
    const s = await api('getProjectStatus');
    expect(s.images).toMatchObject({ total: 13, ok: 12, failed: 1 });
    expect(s.roots[0].path).toBe(images);
  });

  it('pages, filters, searches and sorts the gallery', async () => {
    const all = await api('queryImages', { limit: 5 });
    expect(all.total).toBe(13);
    expect(all.images).toHaveLength(5);
    expect(all.images[0].name).toBe('cat/cat.0.jpg');
    const page3 = await api('queryImages', { offset: 10, limit: 5 });
    expect(page3.images).toHaveLength(3);
    // The broken file sits in dog/ so it is labelled dog too (but not counted as a healthy dog).
    const dogs = await api('queryImages', { classes: ['dog'] });
    expect(dogs.total).toBe(7);
    expect(dogs.images.every((i) => i.label === 'dog')).toBe(true);
    const failed = await api('queryImages', { status: 'failed' });
    expect(failed.images.map((i) => i.name)).toEqual(['dog/broken.jpg']);
    expect(failed.images[0].error).toBeTruthy();
    const search = await api('queryImages', { search: 'CAT.3' });
    expect(search.images.map((i) => i.name)).toEqual(['cat/cat.3.jpg']);
    const desc = await api('queryImages', { sort: 'name', order: 'desc', limit: 1 });
    expect(desc.images[0].name).toBe('dog/dog.5.png');
    const ids = await api('queryImageIds', { classes: ['cat'] });
    expect(ids.total).toBe(6);
  });

  it('serves thumbnails and images only through media ids, never paths', async () => {
    const [item] = (await api('queryImages', { classes: ['cat'], limit: 1 })).images;
    const thumb = await media(`thumb/${item.hash}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const image = await media(`image/${item.id}`);
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer())).toEqual(fs.readFileSync(path.join(images, item.name)));
    expect((await media('image/99999')).status).toBe(404);
    expect((await media('thumb/0123456789abcdef0123')).status).toBe(404);
    // Sent raw (fetch would normalise the dots away before they reach the server).
    for (const bad of ['image/..%2f..%2fetc%2fpasswd', 'thumb/../../../etc/passwd', 'image/1/../../../../etc/passwd', '..%2f..%2fpackage.json', 'image/%2e%2e/%2e%2e/package.json']) {
      const r = await rawGet(`/media/${bad}`);
      expect(r.status, bad).toBe(404);
      expect(r.body, bad).not.toMatch(/root:|"name": "xception-studio"/);
    }
  });

  it('gives image details with label history', async () => {
    const [item] = (await api('queryImages', { search: 'dog.2' })).images;
    const d = await api('getImage', { id: item.id });
    expect(d).toMatchObject({ id: item.id, label: 'dog', width: 30, height: 40, format: 'png', path: path.join(images, 'dog', 'dog.2.png') });
    expect(d.history.at(-1)).toMatchObject({ to: 'dog' });
  });

  it('lists folders for the import dialog', async () => {
    const l = await api('listFolder', { path: images });
    expect(l.entries.filter((e) => e.kind === 'dir').map((e) => e.name)).toEqual(['cat', 'dog']);
    expect(l.parent).toBe(dir);
  });
});

describe('labels and classes', () => {
  it('relabels, undoes and redoes, with labels.changed events', async () => {
    const cats = await api('queryImageIds', { classes: ['cat'] });
    const two = cats.ids.slice(0, 2);
    events = [];
    const r = await api('setLabel', { imageIds: two, className: 'dog' });
    expect(r.changed).toBe(2);
    expect(r.history.canUndo).toBe(true);
    expect(r.classes.find((c) => c.name === 'dog')?.count).toBe(8);
    const ev = await waitFor(() => events.find((e) => e.event === 'labels.changed'), 'labels.changed');
    expect(ev.payload).toMatchObject({ imageIds: two });

    const u = await api('undo');
    expect(u).toMatchObject({ applied: true, imageIds: two });
    expect((await api('queryImages', { classes: ['cat'] })).total).toBe(6);
    const re = await api('redo');
    expect(re.applied).toBe(true);
    expect((await api('queryImages', { classes: ['cat'] })).total).toBe(4);
    await api('undo');
  });

  it('creates a class by labelling, renames, merges and deletes classes, all undoable', async () => {
    const [one] = (await api('queryImageIds', { classes: ['cat'] })).ids;
    await api('setLabel', { imageIds: [one], className: 'lion' });
    expect((await api('listClasses')).map((c) => c.name).sort()).toEqual(['cat', 'dog', 'lion']);
    await api('renameClass', { name: 'lion', newName: 'tiger' });
    const merged = await api('mergeClasses', { from: ['tiger'], into: 'cat' });
    expect(merged.classes.map((c) => c.name).sort()).toEqual(['cat', 'dog']);
    await api('undo');
    expect((await api('listClasses')).map((c) => c.name)).toContain('tiger');
    const del = await api('deleteClass', { name: 'tiger' });
    expect(del.changed).toBe(1);
    expect((await api('queryImages', { unlabelled: true, status: 'ok' })).total).toBe(1);
    // Back past the delete, the rename and the first label (the import's labels stay).
    for (let i = 0; i < 3; i++) expect((await api('undo')).applied).toBe(true);
    expect((await api('listClasses')).map((c) => [c.name, c.count]).sort()).toEqual([['cat', 6], ['dog', 6]]);
  });
});

describe('splits', () => {
  it('previews live counts, and says why an impossible request fails', async () => {
    const p = await api('previewSplit', { name: 's', unit: 'count', sizes: { train: 6, val: 2, test: 4 }, stratified: true, seed: 1 });
    expect(p.ok).toBe(true);
    expect(p.available).toBe(12);
    expect(p.parts.map((x) => [x.part, x.total, x.byClass.cat, x.byClass.dog])).toEqual([['train', 6, 3, 3], ['val', 2, 1, 1], ['test', 4, 2, 2]]);
    const bad = await api('previewSplit', { name: 's', unit: 'count', sizes: { train: 6, val: 2, test: 10 }, stratified: true, seed: 1 });
    expect(bad.ok).toBe(false);
    expect(bad.problem).toBe('sizes.test: expected at most 4, got 10 (12 labelled healthy images after train 6 and val 2)');
    expect(bad.problemField).toBe('sizes.test');
  });

  it('creates, lists, locks and refuses to delete a locked split', async () => {
    const s = await api('createSplit', { name: 'main', unit: 'fraction', sizes: { train: 0.5, val: 0.25, test: 0.25 }, stratified: true, seed: 7 });
    expect(s.parts.map((x) => x.total)).toEqual([6, 3, 3]);
    expect((await api('queryImages', { split: 'main', part: 'test' })).total).toBe(3);
    const locked = await api('lockSplit', { name: 'main' });
    expect(locked.testLocked).toBe(true);
    const del = await post('deleteSplit', { name: 'main' });
    expect(del.status).toBe(409);
    expect(del.body.error.message).toMatch(/locked/);
    expect((await api('listSplits')).map((x) => x.name)).toEqual(['main']);
  });
});

describe('features, runs, evaluation, comparison, export, suspects', () => {
  it('extracts features as a job with progress (random-init backbone at 71 px)', async () => {
    events = [];
    const { jobId } = await api('startExtraction', { backbone: 'xception', randomInit: true, inputSize: 71, workers: 1 });
    const done = await waitFor(() => events.find((e) => e.event === 'job.finished' && e.payload.id === jobId), 'extraction to finish', 120_000);
    expect(done.payload).toMatchObject({ kind: 'extract', state: 'done', done: 12, total: 12 });
    expect(events.some((e) => e.event === 'job.updated' && e.payload.id === jobId && e.payload.done > 0)).toBe(true);
    const f = await api('getFeatureStatus');
    expect(f.backbones[0]).toMatchObject({ randomInit: true, inputSize: 71, featureDim: 2048, images: 12 });
    expect(f.latest).toBe(f.backbones[0].key);
  }, 180_000);

  let first = 0;
  let second = 0;
  it('trains queued runs one at a time, with epoch events and curves', async () => {
    events = [];
    const defaults = await api('getRunDefaults');
    expect(defaults.head).toMatchObject({ hidden: [256, 128], dropout: 0.5, optimizer: { kind: 'sgd', lr: 0.01 }, epochs: 50, batchSize: 32 });
    const a = await api('startRun', { config: { head: { epochs: 4 } }, name: 'four epochs' });
    const b = await api('startRun', { config: { seed: 9, head: { epochs: 2, hidden: [16] } } });
    expect(a.state === 'queued' || a.state === 'running').toBe(true);
    expect(a.name).toBe('four epochs');
    first = a.id;
    second = b.id;
    await waitFor(() => events.find((e) => e.event === 'run.updated' && e.payload.id === second && e.payload.state === 'done'), 'second run to finish', 120_000);
    const epochs = events.filter((e) => e.event === 'run.epoch' && e.payload.runId === first).map((e) => (e.event === 'run.epoch' ? e.payload.metrics.epoch : 0));
    expect(epochs).toEqual([1, 2, 3, 4]);
    const d = await api('getRun', { id: first });
    expect(d.state).toBe('done');
    expect(d.curve.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);
    expect(d.curve[0].val).not.toBeNull();
    expect(d.evaluations.map((e) => e.on)).toEqual(['val']);
    // The second run started only after the first ended.
    const rb = await api('getRun', { id: second });
    expect(rb.startedAt!).toBeGreaterThanOrEqual(d.finishedAt!);
    expect((await api('listRuns')).map((r) => r.id)).toEqual([second, first]);
    expect(await api('getRunQueue')).toEqual({ running: null, queued: [] });
  }, 180_000);

  it('shows predictions in the gallery: filter wrong, sort by loss', async () => {
    const page = await api('queryImages', { split: 'main', part: 'val', sort: 'loss', order: 'desc' });
    expect(page.runId).toBe(second);
    const withPred = page.images.filter((i) => i.prediction);
    expect(withPred.length).toBeGreaterThan(0);
    const losses = withPred.map((i) => i.prediction!.loss!);
    expect([...losses].sort((x, y) => y - x)).toEqual(losses);
    const wrong = await api('queryImages', { correctness: 'wrong', runId: first });
    expect(wrong.images.every((i) => i.prediction?.correct === false)).toBe(true);
  });

  it('judges right / wrong against the current label: a relabel after evaluation moves the image between the filters', async () => {
    const page = await api('queryImages', { split: 'main', part: 'val' });
    const item = page.images.find((i) => i.prediction && i.label !== null)!;
    expect(item).toBeDefined();
    const predicted = item.prediction!.className;
    const other = predicted === 'cat' ? 'dog' : 'cat';
    const idsOf = async (correctness: 'correct' | 'wrong'): Promise<number[]> => (await api('queryImageIds', { correctness })).ids;
    const tile = async (correctness: 'correct' | 'wrong'): Promise<GalleryItem | undefined> =>
      (await api('queryImages', { correctness, limit: 1000 })).images.find((i) => i.id === item.id);

    // Labelled as something the run did not predict: wrong on the tile, in the filter, in the details.
    await api('setLabel', { imageIds: [item.id], className: other });
    expect(await idsOf('wrong')).toContain(item.id);
    expect(await idsOf('correct')).not.toContain(item.id);
    const wrongTile = await tile('wrong');
    expect(wrongTile?.prediction?.correct).toBe(false);
    // Its loss is that of the label now shown (two classes: the other class's probability).
    expect(wrongTile?.prediction?.loss).toBeCloseTo(-Math.log(Math.max(1 - item.prediction!.confidence, 1e-7)), 3);
    expect((await api('getImage', { id: item.id })).predictions[0]?.correct).toBe(false);
    const byLoss = await api('queryImages', { correctness: 'wrong', sort: 'loss', order: 'desc', limit: 1000 });
    const losses = byLoss.images.map((i) => i.prediction!.loss!);
    expect([...losses].sort((x, y) => y - x)).toEqual(losses);

    // Relabelled to the predicted class: right everywhere, at once.
    await api('setLabel', { imageIds: [item.id], className: predicted });
    expect(await idsOf('correct')).toContain(item.id);
    expect(await idsOf('wrong')).not.toContain(item.id);
    expect((await tile('correct'))?.prediction?.correct).toBe(true);
    expect((await api('getImage', { id: item.id })).predictions[0]?.correct).toBe(true);

    // Every tile the "Wrong" filter returns is marked wrong against its shown label, and no other is.
    const all = await api('queryImages', { limit: 1000 });
    const wrongIds = new Set(await idsOf('wrong'));
    for (const i of all.images) expect(wrongIds.has(i.id)).toBe(i.prediction !== null && i.label !== null && i.prediction.className !== i.label);

    await api('undo');
    await api('undo');
    expect((await api('getImage', { id: item.id })).label).toBe(item.label);
  });

  it('evaluates on test (counting it), compares, exports and writes the report', async () => {
    const ev = await api('evaluateRun', { id: first, on: 'test' });
    expect(ev).toMatchObject({ runId: first, on: 'test', testLocked: true, testEvaluations: 1 });
    expect(ev.confusion.flat().reduce((x, y) => x + y, 0)).toBe(3);
    expect(ev.notice).toMatch(/locked/);
    expect((await api('listSplits'))[0].testEvaluations).toBe(1);

    const cmp = await api('compareRuns', { ids: [first, second] });
    expect(cmp.runs.map((r) => r.id)).toEqual([first, second]);
    expect(cmp.configDiff.find((d) => d.key === 'head.epochs')?.values).toEqual([4, 2]);
    expect(cmp.configDiff.find((d) => d.key === 'seed')?.values).toEqual([1, 9]);
    expect(cmp.disagreements[0]).toMatchObject({ a: first, b: second });

    const out = path.join(dir, 'head-export');
    const ex = await api('exportRun', { runId: first, format: 'head', out });
    expect(ex.files.length).toBeGreaterThan(0);
    expect(fs.existsSync(ex.path)).toBe(true);
    expect(ex.check).toMatchObject({ agree: ex.check?.images });
    const again = await post('exportRun', { runId: first, format: 'head', out });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(`${out} already exists`);
    expect((await api('exportRun', { runId: first, format: 'head', out, overwrite: true })).path).toBe(out);
    const ds = await api('exportRun', { runId: first, format: 'dataset', out: path.join(dir, 'dataset') });
    expect(ds.files.some((f) => f.endsWith('.csv'))).toBe(true);
    expect(ds.check).toBeNull();

    // Try it: an ONNX export run by ONNX Runtime on image files.
    const onnx = await api('exportRun', { runId: first, format: 'onnx', out: path.join(dir, 'onnx-export') });
    expect(onnx.check?.runtime).toMatch(/onnxruntime/);
    const someImage = fs.readdirSync(images, { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    const tried = await api('predictImages', { model: onnx.path, files: [path.join(someImage.parentPath, someImage.name)] });
    expect(tried.backend).toMatch(/onnxruntime/);
    expect(tried.predictions).toHaveLength(1);

    const rep = await api('getRunReport', { id: first });
    const page = await media(`report/${first}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await page.text()).toBe(fs.readFileSync(rep.file, 'utf8'));
    expect((await media(`report/${second}`)).status).toBe(404);
  }, 180_000);

  it('finds suspected label errors, and a confirmed label leaves the list', async () => {
    const list = await api('findSuspects', { folds: 3 });
    expect(list.folds).toBe(3);
    if (list.items.length > 0) {
      const [top] = list.items;
      expect(top.rank).toBe(1);
      await api('confirmLabels', { imageIds: [top.imageId] });
      const marked = await api('queryImages', { suspect: true });
      expect(marked.images.map((i) => i.id)).not.toContain(top.imageId);
      expect(marked.total).toBe(list.items.length - 1);
    }
  }, 180_000);

  it('cancels a queued run and a running one', async () => {
    events = [];
    const long = await api('startRun', { config: { head: { epochs: 5000, batchSize: 2 } } });
    const queued = await api('startRun', { config: { head: { epochs: 1 } } });
    const cq = await api('cancelRun', { id: queued.id });
    expect(cq.state).toBe('cancelled');
    await waitFor(() => events.find((e) => e.event === 'run.batch' && e.payload.runId === long.id), 'the long run to start', 120_000);
    const cl = await api('cancelRun', { id: long.id });
    expect(cl.state).toBe('cancelled');
    const job = await waitFor(() => events.find((e) => e.event === 'job.finished' && e.payload.runId === long.id), 'the job to end');
    expect(job.event === 'job.finished' && job.payload.state).toBe('cancelled');
    expect((await api('getRun', { id: long.id })).state).toBe('cancelled');
    expect((await api('getRunQueue')).running).toBeNull();
  }, 180_000);
});

describe('bad requests', () => {
  it('answers 400 naming the field, for every kind of bad input', async () => {
    // [call, input, the message (it starts with the field at fault), the field the error carries]
    const cases: [string, unknown, RegExp, string | undefined][] = [
      ['getImage', { id: 'x' }, /^id: .*\(found "x"\)$/, 'id'],
      ['getImage', {}, /^id: /, 'id'],
      ['setLabel', { imageIds: [], className: 'a' }, /^imageIds: /, 'imageIds'],
      ['setLabel', { imageIds: [1], className: '' }, /^className: /, 'className'],
      ['setLabel', { imageIds: [1.5], className: 'a' }, /^imageIds\.0: .*\(found 1\.5\)$/, 'imageIds.0'],
      ['queryImages', { limit: 100000 }, /^limit: .*\(found 100000\)$/, 'limit'],
      ['queryImages', { part: 'holdout' }, /^part: /, 'part'],
      ['queryImages', { nonsense: 1 }, /^unknown field: nonsense$/, undefined],
      ['importFolder', { folder: images, labelSource: 'csv' }, /^csvFile: /, 'csvFile'],
      ['importFolder', { folder: images, labelSource: 'pattern', labelPattern: '(' }, /^labelPattern: .*regular expression/, 'labelPattern'],
      ['createSplit', { name: 'x', unit: 'count', sizes: { train: 1.5, val: 0, test: 0 }, stratified: true, seed: 1 }, /^sizes\.train: /, 'sizes.train'],
      ['createSplit', { name: 'x', unit: 'fraction', sizes: { train: 0.6, val: 0.3, test: 0.3 }, stratified: true, seed: 1 }, /add up/, 'sizes'],
      ['compareRuns', { ids: [1] }, /^ids: .*at least two runs/, 'ids'],
      ['compareRuns', { ids: [1, 1] }, /^ids: must name different runs/, 'ids'],
      ['removeImages', { ids: [1], folder: images }, /^ids: give either image ids or a folder/, 'ids'],
      ['evaluateRun', { id: 1, on: 'train' }, /^on: /, 'on'],
      ['startExtraction', { backbone: 'layers-model' }, /^modelJson: /, 'modelJson'],
      ['exportRun', { runId: 1, format: 'tflite', out: '/tmp/x' }, /^format: /, 'format'],
      ['exportRun', { runId: 1, format: 'onnx', out: '/tmp/x', overwrite: 'yes' }, /^overwrite: /, 'overwrite'],
    ];
    for (const [call, body, message, field] of cases) {
      const r = await post(call, body);
      expect(r.status, `${call} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error.code).toBe('invalid-argument');
      expect(r.body.error.message, call).toMatch(message);
      expect(r.body.error.field, `${call} ${JSON.stringify(body)}: ${r.body.error.message}`).toBe(field);
    }
  });

  it('answers 400 to invalid JSON, 404 to unknown calls, 405 to GET, 415 to other content types', async () => {
    expect((await post('getImage', '{"id": ')).status).toBe(400);
    expect((await post('getImage', '[1,2')).body.error.message).toMatch(/not valid JSON/);
    expect((await post('dropTables', {})).status).toBe(404);
    const get = await fetch(`${server.url}api/getAppInfo`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
    expect((await post('getAppInfo', '{}', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('answers core errors with their status: not found, conflict', async () => {
    const r = await post('getImage', { id: 424242 });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/424242/);
    const s = await post('createSplit', { name: 'main', unit: 'count', sizes: { train: 1, val: 0, test: 0 }, stratified: false, seed: 1 });
    expect(s.status).toBe(409);
    const l = await post('setLabel', { imageIds: [999999], className: 'cat' });
    expect(l.status).toBe(400);
    expect(l.body.error.message).toMatch(/999999/);
  });

  it('is still serving after all of that', async () => {
    expect((await api('getAppInfo')).project?.images.total).toBe(13);
  });
});
