import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMobileNetLike, writeMobileNetLike } from '../../../test/helpers/mobilenet-like.ts';
import { StudioError } from '../../shared/errors.ts';
import { useBackend } from './backend.ts';
import { loadLayersModelFromDisk } from './layers-model-loader.ts';

let dir: string;
beforeAll(async () => {
  await useBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-layers-loader-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadLayersModelFromDisk', () => {
  it('loads model.json + shard with the saved weights, hashing model.json and shards', async () => {
    const file = await writeMobileNetLike(path.join(dir, 'a'), { seed: 3 });
    const loaded = await loadLayersModelFromDisk(file);
    expect(loaded.quantized).toBe(false);
    expect(loaded.files).toEqual([path.join(dir, 'a', 'group1-shard1of1.bin')]);
    expect(loaded.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const ref = buildMobileNetLike({ seed: 3 });
    expect(Array.from(loaded.model.getLayer('block2_pw').getWeights()[0].dataSync())).toEqual(Array.from(ref.getLayer('block2_pw').getWeights()[0].dataSync()));
    // Same content → same hash; one changed weight byte → another hash.
    expect((await loadLayersModelFromDisk(file)).contentHash).toBe(loaded.contentHash);
    const shard = loaded.files[0];
    const bytes = fs.readFileSync(shard);
    bytes[10] ^= 1;
    fs.writeFileSync(shard, bytes);
    expect((await loadLayersModelFromDisk(file)).contentHash).not.toBe(loaded.contentHash);
    ref.dispose();
    loaded.model.dispose();
  });

  it('dequantizes uint8 weights (value = q · scale + min)', async () => {
    const file = await writeMobileNetLike(path.join(dir, 'q'), { seed: 3, quantize: true });
    const loaded = await loadLayersModelFromDisk(file);
    expect(loaded.quantized).toBe(true);
    const ref = buildMobileNetLike({ seed: 3 });
    const a = loaded.model.getLayer('predictions').getWeights()[0].dataSync();
    const b = ref.getLayer('predictions').getWeights()[0].dataSync();
    const range = Math.max(...b) - Math.min(...b);
    const maxErr = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    expect(maxErr).toBeGreaterThan(0);
    expect(maxErr).toBeLessThanOrEqual(range / 255 / 2 + 1e-6);
    const x = tf.zeros([1, 32, 32, 3]);
    const y = loaded.model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 5]);
    tf.dispose([x, y]);
    ref.dispose();
    loaded.model.dispose();
  });

  it('says what is wrong with a bad model.json or shard', async () => {
    const file = await writeMobileNetLike(path.join(dir, 'bad'), {});
    const shard = path.join(dir, 'bad', 'group1-shard1of1.bin');
    fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 100));
    await expect(loadLayersModelFromDisk(file)).rejects.toThrow(/the manifest describes \d+ bytes of weights, the shards hold 100/);
    const notJson = path.join(dir, 'bad', 'broken.json');
    fs.writeFileSync(notJson, '{"modelTopology": ');
    const e = await loadLayersModelFromDisk(notJson).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StudioError);
    expect((e as Error).message).toMatch(/broken\.json is not valid JSON/);
    await expect(loadLayersModelFromDisk(path.join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: not found/);
  });
});
