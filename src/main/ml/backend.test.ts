import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../shared/errors.ts';
import { listBackends, selectBackend, wasmDistDir } from './backend.ts';

// tfjs-node(-gpu) are optional and absent in CI: these tests exercise the
// wasm and cpu backends and the clear failure of the native ones.
describe('backend selection', () => {
  it('picks the best available backend by default and says why', async () => {
    const b = await selectBackend({});
    expect(['gpu', 'node', 'wasm', 'cpu']).toContain(b.name);
    expect(tf.getBackend()).toBe(b.tfjsBackend);
    expect(b.forced).toBe(false);
    expect(b.reason).toMatch(/best available/);
  });

  it('XSTUDIO_BACKEND=wasm loads the wasm binaries from the package dist folder', async () => {
    expect(wasmDistDir()).toMatch(/tfjs-backend-wasm[/\\]dist[/\\]$/);
    const b = await selectBackend({ XSTUDIO_BACKEND: 'wasm' });
    expect(b).toMatchObject({ name: 'wasm', tfjsBackend: 'wasm', forced: true });
    expect(typeof b.simd).toBe('boolean');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
  });

  it('XSTUDIO_BACKEND=cpu switches to the JS backend', async () => {
    const b = await selectBackend({ XSTUDIO_BACKEND: 'cpu' });
    expect(b.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('XSTUDIO_BACKEND=gpu fails clearly, naming CUDA 11.2 and cuDNN 8.1, when tfjs-node-gpu cannot load', async () => {
    const listing = await listBackends({});
    const gpu = listing.backends.find((b) => b.name === 'gpu')!;
    if (gpu.available) return; // a machine with tfjs-node-gpu and a driver: nothing to check here
    const e = await selectBackend({ XSTUDIO_BACKEND: 'gpu' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StudioError);
    expect((e as StudioError).code).toBe('unavailable');
    expect((e as Error).message).toMatch(/CUDA Toolkit 11\.2/);
    expect((e as Error).message).toMatch(/cuDNN 8\.1/);
  });

  it('an unknown XSTUDIO_BACKEND is an error listing the choices', async () => {
    await expect(selectBackend({ XSTUDIO_BACKEND: 'tpu' })).rejects.toThrow(/XSTUDIO_BACKEND must be one of gpu, node, wasm, cpu, onnx, got "tpu"/);
  });

  it('listBackends reports all four with availability and the choice', async () => {
    const l = await listBackends({ XSTUDIO_BACKEND: 'wasm' });
    expect(l.backends.map((b) => b.name)).toEqual(['gpu', 'node', 'wasm', 'cpu']);
    expect(l.chosen).toBe('wasm');
    expect(l.backends.find((b) => b.name === 'wasm')!.available).toBe(true);
    expect(l.backends.find((b) => b.name === 'cpu')!.available).toBe(true);
    for (const b of l.backends) expect(b.reason.length).toBeGreaterThan(5);
  });
});
