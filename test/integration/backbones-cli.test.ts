// Every built-in backbone through the CLI as a user would drive it, at small
// input sizes on the WebAssembly and JavaScript backends: extract --backbone
// NAME, train with one fine-tuning epoch, export the run for TF.js, and the
// exported model reloaded by tf.loadLayersModel in a plain Node script gives
// the studio's stored probabilities within 1e-5. One project holds the
// feature sets of all of them; `runs` lists the runs with their backbones.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../helpers/make-images.ts';
import { Project } from '../../src/main/studio/project.ts';
import { applyPreprocess, decodeImage, type PreprocessMode } from '../../src/main/ml/preprocess.ts';
import { storedValProbabilities } from '../helpers/stored-predictions.ts';
import { runProcess } from '../helpers/xstudio-cli.ts';

const repo = path.resolve(import.meta.dirname, '../..');
let dir: string;
let projectFile: string;

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => runProcess(cmd, args, env, { cwd: dir });

async function xs<T = Record<string, unknown>>(args: string[], backend = 'wasm'): Promise<T & { stderr: string }> {
  const env = { ...process.env, XSTUDIO_HOME: path.join(dir, 'home'), XSTUDIO_CACHE: path.join(dir, 'cache'), XSTUDIO_BACKEND: backend };
  const r = await run(process.execPath, [path.join(repo, 'bin/xstudio.mjs'), ...args, '--json'], env);
  if (r.code !== 0) throw new Error(`xstudio ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as T), stderr: r.stderr };
}

const storedVal = (runId: number): Map<string, number[]> => storedValProbabilities(projectFile, runId);

/** Loads an exported model.json with plain @tensorflow/tfjs (no studio code) and predicts preprocessed inputs. */
async function plainNodePredict(modelDir: string, inputs: Float32Array, n: number, size: number): Promise<number[]> {
  const bin = path.join(modelDir, '..', `${path.basename(modelDir)}-inputs.bin`);
  fs.writeFileSync(bin, Buffer.from(inputs.buffer));
  const tfjsUrl = pathToFileURL(createRequire(import.meta.url).resolve('@tensorflow/tfjs')).href;
  const script = path.join(dir, `${path.basename(modelDir)}-load.mjs`);
  fs.writeFileSync(script, `
import fs from 'node:fs';
const tf = await import(${JSON.stringify(tfjsUrl)});
await tf.setBackend('cpu');
const dir = ${JSON.stringify(modelDir)};
const json = JSON.parse(fs.readFileSync(dir + '/model.json', 'utf8'));
const bin = fs.readFileSync(dir + '/' + json.weightsManifest[0].paths[0]);
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
const raw = fs.readFileSync(${JSON.stringify(bin)});
const x = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [${n}, ${size}, ${size}, 3]);
process.stdout.write(JSON.stringify(Array.from(model.predict(x).dataSync())));
`);
  const r = await run(process.execPath, [script], process.env);
  if (r.code !== 0) throw new Error(`plain Node load of ${modelDir} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-backbones-cli-'));
  const root = path.join(dir, 'images');
  for (let i = 0; i < 8; i++) await writeImage(path.join(root, i % 2 ? 'dog' : 'cat', `${i}.jpg`), { width: 48, height: 40, color: colorFor(i + 3) });
  projectFile = path.join(dir, 'p.xstudio');
  await xs(['import', root, '--project', projectFile, '--labels', 'folder']);
  await xs(['split', '--project', projectFile, '--train', '0.5', '--val', '0.25', '--test', '0.25', '--seed', '1']);
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CASES: [name: string, size: number, preprocess: PreprocessMode, dim: number, backends: string[]][] = [
  ['mobilenet_v2', 32, 'tf', 1280, ['wasm', 'cpu']],
  ['resnet50', 32, 'caffe', 2048, ['wasm', 'cpu']],
  ['efficientnet_b0', 32, 'raw', 1280, ['wasm', 'cpu']],
  ['xception', 71, 'tf', 2048, ['wasm']],
];

describe('xstudio extract / train --fine-tune-epochs 1 / export for every built-in backbone', () => {
  for (const [name, size, preprocess, dim, backends] of CASES) {
    for (const backend of backends) {
      it(`${name} on ${backend}`, async () => {
        const ex = await xs<{ backbone: { key: string; name: string; kind: string; featureDim: number; randomInit: boolean; preprocess: string } }>(
          ['extract', '--project', projectFile, '--backbone', name, '--random-init', '--input-size', String(size), '--batch', '4', '--workers', '1'], backend);
        expect(ex.backbone).toMatchObject({ kind: name, featureDim: dim, randomInit: true, preprocess });
        const t = await xs<{ run: number; curve: { phase: string }[]; config: { fineTune: { epochs: number } } }>(['train', '--project', projectFile, '--backbone', ex.backbone.key, '--epochs', '2', '--fine-tune-epochs', '1', '--yes'], backend);
        expect(t.config.fineTune.epochs).toBe(1);
        expect(t.curve.filter((e) => e.phase === 'fine-tune')).toHaveLength(1);
        // Said before the run starts (measured steps), then again by the run itself.
        expect(t.stderr).toMatch(new RegExp(`fine-tuning 1 epoch of 4 images on .* will take about .* on ${backend} .*measured over 2 steps`));
        expect(t.stderr.indexOf('measured over 2 steps')).toBeLessThan(t.stderr.indexOf('run '));
        const out = path.join(dir, `${name}-${backend}`);
        await xs(['export', '--project', projectFile, '--run', String(t.run), '--format', 'tfjs', '--out', out], backend);
        const meta = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8'));
        expect(meta.input).toMatchObject({ inputSize: size, mode: preprocess });

        const studio = storedVal(t.run);
        const files = [...studio.keys()];
        expect(files).toHaveLength(2);
        const per = size * size * 3;
        const inputs = new Float32Array(files.length * per);
        for (let i = 0; i < files.length; i++) inputs.set(applyPreprocess(preprocess, await decodeImage(files[i], size)), i * per);
        const probs = await plainNodePredict(out, inputs, files.length, size);
        files.forEach((f, i) => expect(Math.abs(probs[i] - studio.get(f)![1]), f).toBeLessThan(1e-5));
      }, 300_000);
    }
  }

  it('the project holds a feature set per backbone; runs name theirs', async () => {
    // The feature sets stay side by side in the project.
    const p = new Project(projectFile);
    const kinds = p.db.prepare('SELECT kind, count(*) AS n FROM backbones JOIN features ON features.backbone_key = backbones.key GROUP BY kind ORDER BY kind').all() as { kind: string; n: number }[];
    p.close();
    expect(kinds.map((k) => k.kind)).toEqual(['efficientnet_b0', 'mobilenet_v2', 'resnet50', 'xception']);
    for (const k of kinds) expect(k.n, k.kind).toBe(8);
    const runs = await xs<{ runs: { id: number; backboneKey: string | null }[] }>(['runs', '--project', projectFile]);
    const backbones = new Set(runs.runs.map((r) => r.backboneKey?.split(':')[0]));
    for (const [name] of CASES) expect(backbones.has(name), name).toBe(true);
    // Runs on two backbones compared: the backbone differs, and accuracy, time and model size are set side by side.
    const mobile = runs.runs.find((r) => r.backboneKey?.startsWith('mobilenet_v2'))!;
    const resnet = runs.runs.find((r) => r.backboneKey?.startsWith('resnet50'))!;
    type Compared = { id: number; backboneKey: string; val: { accuracy: number } | null; startedAt: number; finishedAt: number; modelParams: number | null };
    const cmp = await xs<{ configDiff: { key: string }[]; runs: Compared[] }>(['runs', 'compare', String(mobile.id), String(resnet.id), '--project', projectFile]);
    expect(cmp.configDiff.map((d) => d.key)).toContain('backbone');
    const [a, b] = cmp.runs;
    expect([a.backboneKey.split(':')[0], b.backboneKey.split(':')[0]]).toEqual(['mobilenet_v2', 'resnet50']);
    expect(a.val?.accuracy).not.toBeUndefined();
    expect(a.finishedAt - a.startedAt).toBeGreaterThan(0);
    // 2,257,984 + the 1280-256-128-1 head; 23,587,712 + the 2048-256-128-1 head.
    expect([a.modelParams, b.modelParams]).toEqual([2_257_984 + (1280 * 256 + 256) + (256 * 128 + 128) + 129, 23_587_712 + (2048 * 256 + 256) + (256 * 128 + 128) + 129]);
  });
});
