import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBuiltinWeightsFile, writeXceptionWeightsFile } from '../../../../test/helpers/keras-weights.ts';
import { resolveBackbone } from '../features/backbone-choice.ts';
import { fetchWeights } from './fetch-weights.ts';
import { importWeights } from './import-weights.ts';
import { knownWeights } from './known-weights.ts';
import { listWeights, weightsDir } from './weights-cache.ts';

let dir: string;
let server: http.Server;
let base: string;
const body = crypto.randomBytes(300_000);
const md5 = crypto.createHash('md5').update(body).digest('hex');
/** Per path: how the server misbehaves. */
let breakFirstAt: number | undefined;
const requests: { range?: string }[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-weights-'));
  server = http.createServer((req, res) => {
    requests.push({ range: req.headers.range });
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (req.url === '/no-range' || !m) {
      res.writeHead(200, { 'content-length': body.length });
    } else {
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
    }
    const from = req.url === '/no-range' ? 0 : start;
    if (breakFirstAt !== undefined) {
      // Send part of the file, then drop the connection: an interrupted download.
      const cut = breakFirstAt;
      breakFirstAt = undefined;
      res.write(body.subarray(from, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(body.subarray(from));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function envFor(name: string): NodeJS.ProcessEnv {
  return { XSTUDIO_CACHE: path.join(dir, name, 'cache'), KERAS_HOME: path.join(dir, name, 'keras') };
}

describe('weights fetch', () => {
  it('downloads, checks the md5 and renames into the cache; a second fetch does nothing', async () => {
    const env = envFor('plain');
    const r = await fetchWeights({ url: `${base}/w.h5`, md5, env });
    const target = path.join(weightsDir(env), knownWeights(false).fileName);
    expect(r).toMatchObject({ file: target, md5, bytes: body.length, source: 'download', resumedFrom: 0 });
    expect(fs.readFileSync(target).equals(body)).toBe(true);
    expect(fs.existsSync(target + '.part')).toBe(false);
    const again = await fetchWeights({ url: `${base}/w.h5`, md5, env });
    expect(again.source).toBe('studio-cache');
  });

  it('resumes an interrupted download with a Range request', async () => {
    const env = envFor('resume');
    breakFirstAt = 120_000;
    await expect(fetchWeights({ url: `${base}/w.h5`, md5, env })).rejects.toThrow(/broke off after \d+ bytes.*run the same command again to resume/);
    const part = path.join(weightsDir(env), knownWeights(false).fileName + '.part');
    const kept = fs.statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);
    requests.length = 0;
    const r = await fetchWeights({ url: `${base}/w.h5`, md5, env });
    expect(requests[0].range).toBe(`bytes=${kept}-`);
    expect(r).toMatchObject({ source: 'download', resumedFrom: kept, md5 });
    expect(fs.readFileSync(r.file).equals(body)).toBe(true);
  });

  it('starts over when the server ignores the Range request', async () => {
    const env = envFor('norange');
    const part = path.join(weightsDir(env), knownWeights(false).fileName + '.part');
    fs.mkdirSync(path.dirname(part), { recursive: true });
    fs.writeFileSync(part, body.subarray(0, 1000));
    const r = await fetchWeights({ url: `${base}/no-range`, md5, env });
    expect(fs.readFileSync(r.file).equals(body)).toBe(true);
  });

  it('a wrong md5 deletes the partial file and names both sums', async () => {
    const env = envFor('badmd5');
    const wrong = '0123456789abcdef0123456789abcdef';
    await expect(fetchWeights({ url: `${base}/w.h5`, md5: wrong, env })).rejects.toThrow(`has md5 ${md5}, expected ${wrong}`);
    const target = path.join(weightsDir(env), knownWeights(false).fileName);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.existsSync(target + '.part')).toBe(false);
  });

  it('an unreachable address says how to work offline', async () => {
    const env = envFor('offline');
    await expect(fetchWeights({ url: 'http://127.0.0.1:9/w.h5', md5, env })).rejects.toThrow(/cannot download .*Without network, get the file elsewhere and import it/);
  });

  it('does not reuse a Keras cache file whose md5 is not the official one', async () => {
    const env = envFor('keras');
    const k = knownWeights(false);
    fs.mkdirSync(path.join(env.KERAS_HOME!, 'models'), { recursive: true });
    fs.writeFileSync(path.join(env.KERAS_HOME!, 'models', k.fileName), 'not the real file');
    const list = await listWeights(env);
    expect(list.find((w) => w.id === 'xception-notop')).toMatchObject({ file: null, source: null });
  });
});

describe('weights fetch per backbone', () => {
  it('MobileNetV2 (no md5 published by Keras): an HDF5 body lands under the official name, anything else is refused', async () => {
    const h5 = path.join(dir, 'served-mobilenet.h5');
    await writeBuiltinWeightsFile('mobilenet_v2', h5, { seed: 9 });
    const served = fs.readFileSync(h5);
    const srv = http.createServer((req, res) => {
      const data = req.url === '/junk' ? Buffer.from('<html>not found</html>') : served;
      res.writeHead(200, { 'content-length': data.length });
      res.end(data);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const at = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const env = { ...envFor('fetch-mobilenet'), XSTUDIO_WEIGHTS_URL: `${at}/m.h5` };
      const r = await fetchWeights({ backbone: 'mobilenet_v2', env });
      expect(r).toMatchObject({ file: path.join(weightsDir(env), 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5'), md5Checked: false, source: 'download' });
      expect(fs.readFileSync(r.file).equals(served)).toBe(true);
      const junkEnv = { ...envFor('fetch-mobilenet-junk'), XSTUDIO_WEIGHTS_URL: `${at}/junk` };
      await expect(fetchWeights({ backbone: 'mobilenet_v2', env: junkEnv })).rejects.toThrow(/is not an HDF5 file \(Keras publishes no md5 for it/);
      expect(fs.existsSync(path.join(weightsDir(junkEnv), knownWeights(false, 'mobilenet_v2').fileName))).toBe(false);
    } finally {
      srv.close();
    }
  });

  it('knows the official file, address and md5 of each backbone', () => {
    expect(knownWeights(false, 'resnet50')).toMatchObject({ fileName: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: '4d473c1dd8becc155b73f8504c6f6626', url: 'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5' });
    expect(knownWeights(false, 'efficientnet_b0')).toMatchObject({ fileName: 'efficientnetb0_notop.h5', md5: '50bc09e76180e00e4465e1a485ddc09d', url: 'https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5' });
    expect(knownWeights(false, 'mobilenet_v2')).toMatchObject({ md5: null, url: 'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5' });
    expect(knownWeights(false)).toMatchObject({ fileName: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5', md5: 'b0042744bf5b25fce3cb969f33bebb97' });
  });
});

describe('weights import', () => {
  it('accepts an unofficial file that loads into Xception, with a warning, and lists it', async () => {
    const env = envFor('import');
    const file = path.join(dir, 'mine.h5');
    await writeXceptionWeightsFile(file, { seed: 3 });
    const r = await importWeights(file, { env });
    expect(r.official).toBeNull();
    expect(r.warning).toMatch(/not one of the official Keras weights files; it loads into xception/);
    expect(r.backbone).toBe('xception');
    expect(r.file).toBe(path.join(weightsDir(env), 'imported', 'mine.h5'));
    expect(fs.readFileSync(r.file).equals(fs.readFileSync(file))).toBe(true);
    const list = await listWeights(env);
    expect(list.map((w) => w.file)).toContain(r.file);
  });

  it('refuses a file that is not Xception weights, naming it', async () => {
    const env = envFor('import-bad');
    const file = path.join(dir, 'junk.h5');
    fs.writeFileSync(file, 'not hdf5 at all');
    await expect(importWeights(file, { env })).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')} is not an official Keras weights file .*does not load into any built-in backbone`));
    expect(fs.existsSync(path.join(weightsDir(env), 'imported'))).toBe(false);
  });

  it('recognises the network of an unofficial file by loading it, and takes a MobileNetV2 file by its official name (Keras publishes no md5 for it)', async () => {
    const env = envFor('import-mobilenet');
    const mine = path.join(dir, 'my-resnet.h5');
    await writeBuiltinWeightsFile('resnet50', mine, { seed: 5 });
    const r = await importWeights(mine, { env });
    expect(r).toMatchObject({ backbone: 'resnet50', official: null });
    expect(r.warning).toMatch(/loads into resnet50.*Extract with backbone resnet50 and weights file /);

    const named = path.join(dir, 'mn', knownWeights(false, 'mobilenet_v2').fileName);
    fs.mkdirSync(path.dirname(named), { recursive: true });
    await writeBuiltinWeightsFile('mobilenet_v2', named, { seed: 6 });
    const m = await importWeights(named, { env });
    expect(m).toMatchObject({ backbone: 'mobilenet_v2', official: 'mobilenet_v2-notop', file: path.join(weightsDir(env), knownWeights(false, 'mobilenet_v2').fileName) });
    expect(m.warning).toBeUndefined();
    const list = await listWeights(env);
    expect(list.find((w) => w.id === 'mobilenet_v2-notop')).toMatchObject({ backbone: 'mobilenet_v2', source: 'studio-cache', md5: null });
    // extract --backbone mobilenet_v2 then finds it with no --weights.
    const chosen = await resolveBackbone({ backbone: 'mobilenet_v2' }, env);
    expect(chosen.spec).toMatchObject({ kind: 'mobilenet_v2', weightsFile: m.file, inputSize: 224 });
    expect(chosen.record).toMatchObject({ kind: 'mobilenet_v2', name: 'MobileNetV2 (ImageNet, official Keras weights)', preprocess: 'tf' });
    await expect(resolveBackbone({ backbone: 'efficientnet_b0' }, env)).rejects.toThrow(/no EfficientNetB0 weights.*efficientnetb0_notop\.h5.*Download or import it/);
  }, 60_000);
});
