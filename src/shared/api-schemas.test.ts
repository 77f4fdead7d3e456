import { describe, expect, it } from 'vitest';
import { CALL_NAMES, EVENT_NAMES, httpStatusFor, type StudioEventMessage } from './api.ts';
import { createStudioApi } from './api-client.ts';
import { callSchemas, parseCallInput } from './api-schemas.ts';
import { StudioError } from './errors.ts';

describe('call schemas', () => {
  it('exist for every call of the contract', () => {
    expect(Object.keys(callSchemas).sort()).toEqual([...CALL_NAMES].sort());
    expect(EVENT_NAMES).toContain('run.epoch');
  });

  it('accept good input and fill nothing in', () => {
    expect(parseCallInput('setLabel', { imageIds: [1, 2], className: 'cat' })).toEqual({ imageIds: [1, 2], className: 'cat' });
    expect(parseCallInput('setLabel', { imageIds: [1], className: null })).toEqual({ imageIds: [1], className: null });
    expect(parseCallInput('undo', undefined)).toEqual({});
    expect(parseCallInput('createSplit', { name: 'a', unit: 'fraction', sizes: { train: 0.6, val: 0.2, test: 0.2 }, stratified: true, seed: 3 })).toMatchObject({ name: 'a' });
  });

  it('name the field, with what was found, and carry the field with the error', () => {
    const err = (() => {
      try {
        parseCallInput('getImage', { id: -3 });
      } catch (e) {
        return e as StudioError;
      }
    })();
    expect(err).toBeInstanceOf(StudioError);
    expect(err?.code).toBe('invalid-argument');
    expect(err?.message).toMatch(/^id: .*\(found -3\)$/);
    expect(err?.field).toBe('id');
    expect(() => parseCallInput('createSplit', { name: 'a', unit: 'fraction', sizes: { train: 4000, val: 0, test: 0 }, stratified: true, seed: 1 })).toThrow(/sizes\.train: expected a fraction below 1/);
    expect(() => parseCallInput('undo', { please: true })).toThrow(/^unknown field: please$/);
    expect(() => parseCallInput('importFolder', 'folder')).toThrow(/^input: .*\(found "folder"\)$/);
  });

  it('map error codes to HTTP statuses', () => {
    expect(httpStatusFor('invalid-argument')).toBe(400);
    expect(httpStatusFor('not-found')).toBe(404);
    expect(httpStatusFor('conflict')).toBe(409);
    expect(httpStatusFor('internal')).toBe(500);
  });
});

describe('createStudioApi', () => {
  it('unwraps results, throws StudioError with the code, and dispatches events by name', async () => {
    let listener: ((m: StudioEventMessage) => void) | null = null;
    const api = createStudioApi({
      kind: 'http',
      mediaBase: '/media/',
      invoke: async (call, input) =>
        call === 'listClasses'
          ? { ok: true, value: [{ id: 1, name: 'cat', position: 0, count: 2 }] }
          : { ok: false, error: { name: 'StudioError', code: 'not-found', message: `${call} ${JSON.stringify(input)}` } },
      subscribe: (l) => {
        listener = l;
        return () => (listener = null);
      },
    });
    expect(await api.listClasses()).toEqual([{ id: 1, name: 'cat', position: 0, count: 2 }]);
    await expect(api.getImage({ id: 5 })).rejects.toMatchObject({ name: 'StudioError', code: 'not-found', message: 'getImage {"id":5}' });
    const seen: number[] = [];
    const off = api.on('run.epoch', (e) => seen.push(e.metrics.epoch));
    listener!({ event: 'run.epoch', payload: { runId: 1, epochs: 2, etaSeconds: null, metrics: { epoch: 1, phase: 'head', train: { loss: 1, accuracy: 0.5 }, val: null, lr: 0.01, seconds: 1 } } });
    listener!({ event: 'job.updated', payload: {} as never });
    off();
    listener!({ event: 'run.epoch', payload: { runId: 1, epochs: 2, etaSeconds: null, metrics: { epoch: 2, phase: 'head', train: { loss: 1, accuracy: 0.5 }, val: null, lr: 0.01, seconds: 1 } } });
    expect(seen).toEqual([1]);
    expect(api.thumbUrl('abcdef0123456789')).toBe('/media/thumb/abcdef0123456789');
    expect(api.imageUrl(3)).toBe('/media/image/3');
    expect(api.reportUrl(4)).toBe('/media/report/4');
  });
});
