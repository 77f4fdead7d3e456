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

/**
 * model.layers of the Keras applications (include_top=False, pooling='avg'),
 * written out from keras/applications/*.py independently of the builders:
 * Keras' load_weights without by_name pairs layers by this order, so an
 * exported weights file must keep it.
 */
function kerasLayerNames(name: BuiltinName): string[] {
  if (name === 'mobilenet_v2') {
    const n = ['input_1', 'Conv1', 'bn_Conv1', 'Conv1_relu', 'expanded_conv_depthwise', 'expanded_conv_depthwise_BN', 'expanded_conv_depthwise_relu', 'expanded_conv_project', 'expanded_conv_project_BN'];
    const strided = [1, 3, 6, 13];
    const residual = [2, 4, 5, 7, 8, 9, 11, 12, 14, 15];
    for (let b = 1; b <= 16; b++) {
      n.push(`block_${b}_expand`, `block_${b}_expand_BN`, `block_${b}_expand_relu`);
      if (strided.includes(b)) n.push(`block_${b}_pad`);
      n.push(`block_${b}_depthwise`, `block_${b}_depthwise_BN`, `block_${b}_depthwise_relu`, `block_${b}_project`, `block_${b}_project_BN`);
      if (residual.includes(b)) n.push(`block_${b}_add`);
    }
    return [...n, 'Conv_1', 'Conv_1_bn', 'out_relu', 'global_average_pooling2d'];
  }
  if (name === 'resnet50') {
    const n = ['input_1', 'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool'];
    for (const [stage, blocks] of [[2, 3], [3, 4], [4, 6], [5, 3]]) {
      for (let b = 1; b <= blocks; b++) {
        const p = `conv${stage}_block${b}`;
        n.push(`${p}_1_conv`, `${p}_1_bn`, `${p}_1_relu`, `${p}_2_conv`, `${p}_2_bn`, `${p}_2_relu`);
        // The shortcut conv sits where Keras' depth ordering puts it: beside _3_conv.
        n.push(...(b === 1 ? [`${p}_0_conv`, `${p}_3_conv`, `${p}_0_bn`, `${p}_3_bn`] : [`${p}_3_conv`, `${p}_3_bn`]), `${p}_add`, `${p}_out`);
      }
    }
    return [...n, 'avg_pool'];
  }
  // EfficientNetB0. Keras >= 2.10 also has a weightless `rescaling_1` after `normalization`
  // with the ImageNet weights; here it is folded into `normalization` (see efficientnet-b0.ts).
  const n = ['input_1', 'rescaling', 'normalization', 'stem_conv_pad', 'stem_conv', 'stem_bn', 'stem_activation'];
  const stages: [repeats: number, stride: number, expand: number, fin: number, fout: number][] = [[1, 1, 1, 32, 16], [2, 2, 6, 16, 24], [2, 2, 6, 24, 40], [3, 2, 6, 40, 80], [3, 1, 6, 80, 112], [4, 2, 6, 112, 192], [1, 1, 6, 192, 320]];
  stages.forEach(([repeats, stride, expand, fin, fout], i) => {
    for (let j = 0; j < repeats; j++) {
      const p = `block${i + 1}${'abcd'[j]}_`;
      const s1 = j === 0 ? stride : 1;
      const inF = j === 0 ? fin : fout;
      if (expand !== 1) n.push(`${p}expand_conv`, `${p}expand_bn`, `${p}expand_activation`);
      if (s1 === 2) n.push(`${p}dwconv_pad`);
      n.push(`${p}dwconv`, `${p}bn`, `${p}activation`, `${p}se_squeeze`, `${p}se_reshape`, `${p}se_reduce`, `${p}se_expand`, `${p}se_excite`, `${p}project_conv`, `${p}project_bn`);
      if (s1 === 1 && inF === fout) n.push(`${p}drop`, `${p}add`);
    }
  });
  return [...n, 'top_conv', 'top_bn', 'top_activation', 'avg_pool'];
}

describe('built-in backbones', () => {
  it('have the Keras layers, in the Keras order, with the Keras names', () => {
    for (const name of NETS) {
      const m = BUILTIN_BACKBONES[name].build({ inputSize: 64, pooling: 'avg' });
      expect(m.layers.map((l) => l.name), name).toEqual(kerasLayerNames(name));
      // Weight order inside each layer, as Keras saves it.
      const keras: Record<string, string[]> = {
        Conv2D: ['kernel', 'bias'], DepthwiseConv2D: ['depthwise_kernel', 'bias'], BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
      };
      for (const l of m.layers.filter((x) => x.weights.length)) {
        const shorts = l.weights.map((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1));
        expect(shorts, l.name).toEqual(keras[l.getClassName()].slice(0, shorts.length));
      }
      m.dispose();
    }
  });

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
