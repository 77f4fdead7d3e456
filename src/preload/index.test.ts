/**
 * The preload (index.ts) with a recording stand-in for electron's
 * contextBridge and ipcRenderer: it must expose exactly the studio transport as
 * window.studio — one invoke per contract call on its own channel, one event
 * stream — and nothing else. test/electron/ checks the same from inside a real window.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, IPC_EVENT_CHANNEL, ipcChannel, type StudioEventMessage } from '../shared/api.ts';
import type { StudioTransport } from '../shared/api-client.ts';

const fake = vi.hoisted(() => {
  const exposed = new Map<string, unknown>();
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void exposed.set(key, api) },
    ipcRenderer: {
      invoke: async (channel: string, input: unknown) => (invoked.push([channel, input]), { ok: true, value: channel }),
      on: (channel: string, fn: (...args: unknown[]) => void) => void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(fn),
      removeListener: (channel: string, fn: (...args: unknown[]) => void) => void listeners.get(channel)?.delete(fn),
    },
  };
  return { electron, exposed, invoked, listeners };
});
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

describe('preload', () => {
  let studio: StudioTransport;
  beforeAll(async () => {
    await import('./index.ts');
    studio = fake.exposed.get('studio') as StudioTransport;
  });

  it('exposes only window.studio, with exactly the transport', () => {
    expect([...fake.exposed.keys()]).toEqual(['studio']);
    expect(Object.keys(studio).sort()).toEqual(['invoke', 'kind', 'mediaBase', 'subscribe']);
    expect(studio.kind).toBe('electron');
    expect(studio.mediaBase).toBe('xstudio-media://media/');
  });

  it('sends each contract call on its own channel, and refuses a name outside the contract without IPC', async () => {
    for (const call of CALL_NAMES) expect(await studio.invoke(call, { x: 1 })).toEqual({ ok: true, value: ipcChannel(call) });
    expect(fake.invoked.map(([c]) => c)).toEqual(CALL_NAMES.map(ipcChannel));
    fake.invoked.length = 0;
    const r = await studio.invoke('__proto__' as never, {});
    expect(r).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument' } });
    expect(fake.invoked).toEqual([]);
  });

  it('delivers events from the one event channel and unsubscribes', () => {
    const got: StudioEventMessage[] = [];
    const off = studio.subscribe((m) => got.push(m));
    const msg = { event: 'labels.changed', payload: { imageIds: [1], history: {}, classes: [] } } as unknown as StudioEventMessage;
    for (const fn of fake.listeners.get(IPC_EVENT_CHANNEL) ?? []) fn({}, msg);
    expect(got).toEqual([msg]);
    off();
    expect(fake.listeners.get(IPC_EVENT_CHANNEL)?.size).toBe(0);
  });
});
