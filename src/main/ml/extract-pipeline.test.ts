import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colorFor, writeImage } from '../../../test/helpers/make-images.ts';
import { runExtractPipeline, type PipelineItem } from './extract-pipeline.ts';
import { applyPreprocess, decodeImage } from './preprocess.ts';

let dir: string;
const items: PipelineItem[] = [];
const SIZE = 16;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-pipeline-'));
  for (let i = 0; i < 7; i++) {
    const file = await writeImage(path.join(dir, `${i}.png`), { format: 'png', width: 20 + i, height: 18, color: colorFor(i) });
    items.push({ key: `k${i}`, path: file });
  }
  fs.writeFileSync(path.join(dir, 'bad.jpg'), 'not an image');
  items.splice(3, 0, { key: 'bad', path: path.join(dir, 'bad.jpg') });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in network with an exactly known output: per image, the mean of each channel. */
function channelMeans(batch: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * 3);
  const per = SIZE * SIZE * 3;
  for (let i = 0; i < n; i++) for (let p = 0; p < SIZE * SIZE; p++) for (let c = 0; c < 3; c++) out[i * 3 + c] += batch[i * per + p * 3 + c] / (SIZE * SIZE);
  return out;
}

describe('runExtractPipeline', () => {
  it('gives every decodable file its own row, in order, across batches; skips and reports a bad file', async () => {
    const got = new Map<string, number[]>();
    const failed: string[] = [];
    const batchSizes: number[] = [];
    const stats = await runExtractPipeline({
      items, inputSize: SIZE, preprocess: 'tf', batchSize: 3, prefetchBatches: 1, featureDim: 3,
      predict: (batch, n) => {
        batchSizes.push(n);
        return channelMeans(batch, n);
      },
      onBatch: (keys, f) => keys.forEach((k, i) => got.set(k, [...f.subarray(i * 3, i * 3 + 3)])),
      onFailed: (item, reason) => failed.push(`${item.key}: ${reason}`),
    });
    expect(stats).toMatchObject({ done: 7, failed: 1 });
    expect(failed).toEqual([expect.stringMatching(/^bad: .*bad\.jpg/)]);
    expect(batchSizes).toEqual([3, 2, 2]); // the batch holding the bad file is one short
    for (const item of items.filter((i) => i.key !== 'bad')) {
      const expected = channelMeans(applyPreprocess('tf', await decodeImage(item.path, SIZE)), 1);
      expect(got.get(item.key)!.map((v) => Number(v.toFixed(5)))).toEqual([...expected].map((v) => Number(v.toFixed(5))));
    }
  });

  it('hands predict the very batch the two-step preprocessing makes, through the ring of buffers and a failed file', async () => {
    // 8 items (one bad) at batch 2 with 1 batch of prefetch: 4 batches through a ring of 3 buffers.
    for (const mode of ['tf', 'caffe'] as const) {
      const seen: { keys: string[]; batch: Float32Array }[] = [];
      await runExtractPipeline({
        items, inputSize: SIZE, preprocess: mode, batchSize: 2, prefetchBatches: 1, featureDim: 1,
        predict: async (batch, n) => {
          await new Promise((r) => setTimeout(r, 5)); // the next decodes land while this batch is "running"
          seen.push({ keys: [], batch: batch.slice() });
          return new Float32Array(n);
        },
        onBatch: (keys) => (seen.at(-1)!.keys = keys),
        onFailed: () => {},
      });
      expect(seen.map((s) => s.keys.length)).toEqual([2, 1, 2, 2]);
      for (const { keys, batch } of seen) {
        const parts = await Promise.all(keys.map(async (k) => applyPreprocess(mode, await decodeImage(items.find((i) => i.key === k)!.path, SIZE))));
        const expected = new Float32Array(parts.length * SIZE * SIZE * 3);
        parts.forEach((p, j) => expected.set(p, j * p.length));
        expect(Array.from(batch)).toEqual(Array.from(expected));
      }
    }
  });

  it('stops between batches when cancelled', async () => {
    const controller = new AbortController();
    let batches = 0;
    const run = runExtractPipeline({
      items, inputSize: SIZE, preprocess: 'unit', batchSize: 2, featureDim: 3, signal: controller.signal,
      predict: (batch, n) => {
        if (++batches === 2) controller.abort();
        return channelMeans(batch, n);
      },
      onBatch: () => {},
      onFailed: () => {},
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(batches).toBe(2);
  });
});
