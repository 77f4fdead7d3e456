import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, IPC_EVENT_CHANNEL, ipcChannel, type CallResult, type StudioEventMessage } from '../shared/api.ts';
import { createStudioApi } from '../shared/api-client.ts';
import { StudioError } from '../shared/errors.ts';
import { bindStudioIpc, type EventTarget, type InvokeEventLike, type IpcMainLike } from './ipc.ts';
import { APP_ENTRY_URL } from './security-policy.ts';
import { createStudio, type Studio } from './studio/studio-service.ts';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** Stands in for Electron's ipcMain: records handlers and lets the test invoke them as the preload would. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Invokes as the studio's page does (the real sender check in ipc.ts sees `event`). */
  async invoke(channel: string, input: unknown, event: InvokeEventLike = { senderFrame: { url: APP_ENTRY_URL } }): Promise<CallResult<unknown>> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return (await h(event, input)) as CallResult<unknown>;
  }
}

class FakeWindow implements EventTarget {
  readonly received: StudioEventMessage[] = [];
  destroyed = false;
  send(channel: string, message: StudioEventMessage): void {
    if (channel === IPC_EVENT_CHANNEL) this.received.push(message);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

describe('IPC binding', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-ipc-'));
  const ipc = new FakeIpcMain();
  const win = new FakeWindow();
  let studio: Studio;
  let unbind: () => void;

  beforeAll(async () => {
    studio = await createStudio({ transport: 'electron', dataDir: path.join(dir, 'home') });
    // No sender predicate is passed: ipc.ts always applies security-policy.ts's isTrustedSender.
    unbind = bindStudioIpc(ipc, studio, () => [win]);
  });
  afterAll(async () => {
    await studio.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers one channel per call of the contract', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(CALL_NAMES.map(ipcChannel).sort());
  });

  it('answers a valid call with the result envelope', async () => {
    const r = await ipc.invoke(ipcChannel('getAppInfo'), {});
    expect(r.ok).toBe(true);
    if (r.ok) {
      const info = r.value as { transport: string; project: { file: string; isDefault: boolean } };
      expect(info.transport).toBe('electron');
      expect(info.project.isDefault).toBe(true);
      expect(info.project.file).toBe(path.join(dir, 'home', 'default.xstudio'));
    }
  });

  it('turns invalid input into an error naming the field, never a throw', async () => {
    const r = await ipc.invoke(ipcChannel('getImage'), { id: 'seven' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    if (!r.ok) expect(r.error).toMatchObject({ message: expect.stringMatching(/^id: .*\(found "seven"\)$/), field: 'id' });
    const r2 = await ipc.invoke(ipcChannel('setLabel'), 'not an object');
    expect(r2.ok).toBe(false);
    const r3 = await ipc.invoke(ipcChannel('queryImages'), { limit: 10, bogus: true });
    expect(r3.ok).toBe(false);
    if (!r3.ok) expect(r3.error.message).toBe('unknown field: bogus');
  });

  it('refuses calls from a page that is not the studio, with the real sender check', async () => {
    const crafted: InvokeEventLike[] = [
      { senderFrame: { url: 'https://evil.example/' } },
      { senderFrame: { url: 'file:///app/out/renderer/index.html' } },
      { senderFrame: { url: 'xstudio://app.evil/index.html' } },
      { senderFrame: { url: `${APP_ENTRY_URL}`, parent: {} } },
      { senderFrame: null },
      {},
    ];
    for (const event of crafted) {
      const r = await ipc.invoke(ipcChannel('getAppInfo'), {}, event);
      expect(r, JSON.stringify(event)).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument' } });
      if (!r.ok) expect(r.error.message).toMatch(/not the studio/);
    }
  });

  it('accepts the dev server page only when the binding was told about it', async () => {
    const devIpc = new FakeIpcMain();
    const off = bindStudioIpc(devIpc, studio, () => [], { origin: { devServerUrl: 'http://localhost:5173/' } });
    const dev = { senderFrame: { url: 'http://localhost:5173/index.html' } };
    expect((await devIpc.invoke(ipcChannel('getAppInfo'), {}, dev)).ok).toBe(true);
    expect((await ipc.invoke(ipcChannel('getAppInfo'), {}, dev)).ok).toBe(false);
    off();
  });

  it('carries core errors with their code and forwards events to the window', async () => {
    const file = path.join(dir, 'second.xstudio');
    const created = await ipc.invoke(ipcChannel('createProject'), { file });
    expect(created.ok).toBe(true);
    expect(win.received.some((m) => m.event === 'project.changed' && m.payload.file === file)).toBe(true);
    const again = await ipc.invoke(ipcChannel('createProject'), { file });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const missing = await ipc.invoke(ipcChannel('openProject'), { file: path.join(dir, 'nope.xstudio') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('gives the renderer a typed API that rejects with StudioError (as through the preload)', async () => {
    const api = createStudioApi({
      kind: 'electron',
      mediaBase: 'xstudio-media://media/',
      invoke: (call, input) => ipc.invoke(ipcChannel(call), input),
      subscribe: () => () => {},
    });
    const recent = await api.listRecentProjects();
    expect(recent.map((r) => path.basename(r.file))).toContain('second.xstudio');
    await expect(api.openProject({ file: path.join(dir, 'nope.xstudio') })).rejects.toBeInstanceOf(StudioError);
    await expect(api.openProject({ file: path.join(dir, 'nope.xstudio') })).rejects.toMatchObject({ code: 'not-found' });
    expect(api.thumbUrl('abc0123456789def')).toBe('xstudio-media://media/thumb/abc0123456789def');
  });

  it('stops forwarding to a destroyed window and unbinds cleanly', async () => {
    win.destroyed = true;
    const before = win.received.length;
    await ipc.invoke(ipcChannel('openProject'), { file: path.join(dir, 'home', 'default.xstudio') });
    expect(win.received.length).toBe(before);
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });
});
