import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinKerasLayers, rng, writeBuiltinWeightsFile } from '../../../../test/helpers/keras-weights.ts';
import { useBackend } from '../backend.ts';
import { loadBackbone } from '../backbone.ts';
import { writeKerasWeights } from '../keras-h5.ts';
import { BUILTIN_BACKBONES, type BuiltinName } from './index.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
const NETS: BuiltinName[] = ['mobilenet_v2', 'resnet50', 'efficientnet_b0'];

// The NumPy reference needs h5py (Debian: python3-h5py). CI sets XSTUDIO_REQUIRE_E2E: there its absence fails.
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0);
const requirePython = (): string => {
  if (!python) throw new Error('python3 with h5py and numpy is needed for the NumPy reference (Debian: apt-get install python3-h5py)');
  return python;
};
const haveReference = Boolean(python) || Boolean(process.env.XSTUDIO_REQUIRE_E2E);

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-backbones-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('built-in backbones', () => {
  it('have the parameter counts Keras publishes (include_top=False)', () => {
    const counts: Record<string, number> = {};
    for (const b of Object.values(BUILTIN_BACKBONES)) {
      const m = b.build({ inputSize: Math.max(b.minInput, 71), pooling: 'avg' });
      // EfficientNet: Keras' Normalization also counts its int64 `count`, which TF.js does not need.
      counts[b.name] = m.countParams() + (b.name === 'efficientnet_b0' ? 1 : 0);
      expect(m.outputs[0].shape).toEqual([null, b.featureDim]);
      expect(m.layers.at(-1)!.name).toBe(b.featureLayer);
      m.dispose();
    }
    expect(counts).toEqual({ xception: 20_861_480, mobilenet_v2: 2_257_984, resnet50: 23_587_712, efficientnet_b0: 4_049_571 });
  });

  for (const name of NETS) {
    it.skipIf(!haveReference)(`${name}: features match an independent NumPy implementation reading the same Keras HDF5 file (1e-3)`, async () => {
      const py = requirePython();
      const weights = path.join(dir, `${name}.h5`);
      await writeBuiltinWeightsFile(name, weights, { seed: 7 });
      for (const size of name === 'mobilenet_v2' ? [64, 57] : [64]) {
        const r = rng(size);
        const pixels = Float32Array.from({ length: size * size * 3 }, () => Math.floor(r() * 256));
        const bin = path.join(dir, `${name}-${size}.bin`);
        fs.writeFileSync(bin, Uint8Array.from(pixels));
        const backbone = await loadBackbone({ kind: name, weightsFile: weights, inputSize: size });
        const ours = backbone.predictPixels(pixels, 1);
        backbone.dispose();
        const ref = spawnSync(py, [path.join(root, 'test/helpers/keras_apps_reference.py'), name, weights, String(size), bin], { encoding: 'utf8', timeout: 120_000 });
        expect(ref.status, ref.stderr).toBe(0);
        const want = (JSON.parse(ref.stdout) as number[][])[0];
        expect(ours.length).toBe(want.length);
        const scale = Math.max(...want.map(Math.abs));
        const err = Math.max(...Array.from(ours, (v, i) => Math.abs(v - want[i]))) / scale;
        console.log(`${name} @${size}px: max |ours − numpy| / max |numpy| = ${err.toExponential(2)} (scale ${scale.toFixed(3)})`);
        expect(scale).toBeGreaterThan(1e-3);
        expect(err).toBeLessThan(1e-3);
      }
    }, 120_000);
  }

  it('a file of another network or with a damaged layer is refused, naming the layer and both shapes', async () => {
    const resnet = path.join(dir, 'resnet-for-mobilenet.h5');
    await writeBuiltinWeightsFile('resnet50', resnet, { seed: 1 });
    await expect(loadBackbone({ kind: 'mobilenet_v2', weightsFile: resnet, inputSize: 32 })).rejects.toThrow(/layer Conv1 \(Conv2D: kernel \[3,3,3,32\]\) is missing from the file/);
    const layers = builtinKerasLayers('mobilenet_v2', { seed: 2 });
    const dw = layers.find((l) => l.layerName === 'block_3_depthwise')!;
    dw.weights[0] = { ...dw.weights[0], shape: [5, 5, 144, 1], data: new Float32Array(5 * 5 * 144) };
    const bad = path.join(dir, 'mobilenet-bad.h5');
    await writeKerasWeights(bad, layers);
    await expect(loadBackbone({ kind: 'mobilenet_v2', weightsFile: bad, inputSize: 32 })).rejects.toThrow('layer block_3_depthwise: expected depthwise_kernel [3,3,144,1], file has [5,5,144,1]');
    const eff = builtinKerasLayers('efficientnet_b0', { seed: 3 });
    const norm = eff.find((l) => l.layerName === 'normalization')!;
    norm.weights[0] = { ...norm.weights[0], shape: [4], data: new Float32Array(4) };
    const badEff = path.join(dir, 'efficientnet-bad.h5');
    await writeKerasWeights(badEff, eff);
    await expect(loadBackbone({ kind: 'efficientnet_b0', weightsFile: badEff, inputSize: 32 })).rejects.toThrow('layer normalization: expected mean [3], file has [4]');
  });

  it('each builds with random init (marked as such), deterministic and finite', async () => {
    for (const name of NETS) {
      const a = await loadBackbone({ kind: name, randomInit: true, seed: 4, inputSize: 32 });
      const px = Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 37) % 256);
      const f = a.predictPixels(px, 1);
      expect(a.randomInit).toBe(true);
      expect(a.id).toBe(`${name}:random-init:seed=4`);
      expect(f.every(Number.isFinite)).toBe(true);
      expect(f.some((v) => v !== 0)).toBe(true);
      const b = await loadBackbone({ kind: name, randomInit: true, seed: 4, inputSize: 32 });
      expect(Array.from(b.predictPixels(px, 1))).toEqual(Array.from(f));
      a.dispose();
      b.dispose();
    }
  });
});
