/**
 * The Electron entry (index.ts) itself, where Electron's binary is absent: the
 * real module is imported with a recording stand-in for the `electron` package,
 * so what is checked is its wiring — which schemes, window preferences,
 * handlers and policies it installs — and each installed handler is then called
 * as Electron would call it. The real binary runs the same checks from inside
 * a window in test/electron/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES, ipcChannel, type CallResult } from '../shared/api.ts';
import { APP_ENTRY_URL, electronPageCsp } from './security-policy.ts';

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const appListeners = new Map<string, Listener[]>();
  let ready!: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  class FakeContents {
    readonly listeners = new Map<string, Listener>();
    windowOpen: Listener | null = null;
    url = '';
    on(event: string, fn: Listener) {
      this.listeners.set(event, fn);
      return this;
    }
    setWindowOpenHandler(fn: Listener) {
      this.windowOpen = fn;
    }
    getURL() {
      return this.url;
    }
    isDestroyed() {
      return false;
    }
    send() {}
  }
  class FakeWindow {
    static all: FakeWindow[] = [];
    static getAllWindows() {
      return FakeWindow.all;
    }
    readonly webContents = new FakeContents();
    loaded: string | null = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      FakeWindow.all.push(this);
      // As Electron does: every new web contents is announced to the app.
      for (const fn of appListeners.get('web-contents-created') ?? []) fn({}, this.webContents);
    }
    once() {}
    loadURL(url: string) {
      this.loaded = url;
      this.webContents.url = url;
      return Promise.resolve();
    }
  }
  const rec = {
    privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
    protocols: new Map<string, (req: Request) => Promise<Response>>(),
    ipc: new Map<string, Listener>(),
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    headers: null as Listener | null,
    opened: [] as string[],
    quits: 0,
  };
  const electron = {
    app: {
      isPackaged: false,
      getPath: () => '/nonexistent-user-data',
      getVersion: () => '0.0.0-test',
      whenReady: () => whenReady,
      on(event: string, fn: Listener) {
        appListeners.set(event, [...(appListeners.get(event) ?? []), fn]);
      },
      quit: () => void rec.quits++,
    },
    protocol: {
      registerSchemesAsPrivileged: (s: typeof rec.privileged) => void rec.privileged.push(...s),
      handle: (scheme: string, fn: (req: Request) => Promise<Response>) => void rec.protocols.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Listener) => void (rec.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Listener) => void (rec.permissionCheck = fn),
        setDevicePermissionHandler: () => {},
        webRequest: { onHeadersReceived: (fn: Listener) => void (rec.headers = fn) },
      },
    },
    ipcMain: { handle: (c: string, fn: Listener) => void rec.ipc.set(c, fn), removeHandler: (c: string) => void rec.ipc.delete(c) },
    shell: { openExternal: async (url: string) => void rec.opened.push(url), openPath: async () => '' },
    BrowserWindow: FakeWindow,
  };
  return { electron, rec, appListeners, ready: () => ready(), FakeWindow };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-index-'));
const savedHome = process.env.XSTUDIO_HOME;
const emit = (event: string, ...args: unknown[]): void => {
  for (const fn of fake.appListeners.get(event) ?? []) fn(...args);
};

describe('src/main/index.ts wiring', () => {
  beforeAll(async () => {
    process.env.XSTUDIO_HOME = home;
    await import('./index.ts');
    // Before ready: only the schemes are registered, as Electron requires.
    expect(fake.rec.protocols.size).toBe(0);
    fake.ready();
    await vi.waitFor(() => expect(fake.FakeWindow.all).toHaveLength(1), { timeout: 30_000 });
  });
  afterAll(() => {
    process.env.XSTUDIO_HOME = savedHome;
    fs.rmSync(home, { recursive: true, force: true });
  });
  const win = () => fake.FakeWindow.all[0];

  it('registers the page and media schemes as privileged, standard and secure', () => {
    expect(fake.rec.privileged.map((p) => [p.scheme, p.privileges.standard, p.privileges.secure])).toEqual([
      ['xstudio', true, true],
      ['xstudio-media', true, true],
    ]);
  });

  it('opens one window on xstudio://app/ with contextIsolation, sandbox, no Node, no webview, the bundled preload', () => {
    expect(win().loaded).toBe(APP_ENTRY_URL);
    expect(win().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, webviewTag: false });
    expect(String(win().options.webPreferences.preload)).toMatch(/preload[\\/]index\.cjs$/);
  });

  it('serves the page with the CSP header, and the media scheme refuses what the project does not hold', async () => {
    const page = await fake.rec.protocols.get('xstudio')!(new Request(APP_ENTRY_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(electronPageCsp());
    expect((await fake.rec.protocols.get('xstudio')!(new Request('xstudio://app/../../package.json'))).status).toBe(404);
    for (const url of ['xstudio-media://media/image/1', 'xstudio-media://media/../../etc/passwd']) {
      expect((await fake.rec.protocols.get('xstudio-media')!(new Request(url))).status, url).toBe(404);
    }
  });

  it('puts the CSP on studio pages only (the dev server path)', () => {
    const answer = (details: object): unknown => {
      let out: unknown;
      fake.rec.headers!(details, (r: unknown) => (out = r));
      return out;
    };
    expect(answer({ resourceType: 'mainFrame', url: APP_ENTRY_URL, responseHeaders: {} })).toEqual({ responseHeaders: { 'Content-Security-Policy': [electronPageCsp()] } });
    expect(answer({ resourceType: 'mainFrame', url: 'https://evil.example/', responseHeaders: {} })).toEqual({});
  });

  it('denies every permission request and check', () => {
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read']) {
      let granted: unknown = 'not answered';
      fake.rec.permissionRequest!({}, permission, (g: boolean) => (granted = g), { requestingUrl: APP_ENTRY_URL });
      expect(granted, permission).toBe(false);
      expect(fake.rec.permissionCheck!({}, permission, 'xstudio://app', {}), permission).toBe(false);
    }
  });

  it('guards will-navigate, will-frame-navigate and will-redirect, refuses webviews and new windows', () => {
    const contents = win().webContents;
    const fire = (event: string, url: string): boolean => {
      let prevented = false;
      contents.listeners.get(event)!({ url, preventDefault: () => void (prevented = true) });
      return prevented;
    };
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(fire(event, 'https://evil.example/'), event).toBe(true);
      expect(fire(event, APP_ENTRY_URL), event).toBe(false);
    }
    fire('will-frame-navigate', 'https://github.com/');
    expect(fake.rec.opened).toEqual([]);
    fire('will-navigate', 'https://github.com/');
    expect(fake.rec.opened).toEqual(['https://github.com/']);
    let attached = true;
    contents.listeners.get('will-attach-webview')!({ preventDefault: () => void (attached = false) });
    expect(attached).toBe(false);
    expect(contents.windowOpen!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(fake.rec.opened).toEqual(['https://github.com/']);
  });

  it('binds every contract call to ipcMain behind the real trusted-sender check', async () => {
    expect([...fake.rec.ipc.keys()].sort()).toEqual(CALL_NAMES.map(ipcChannel).sort());
    const call = (url: string) => fake.rec.ipc.get(ipcChannel('getAppInfo'))!({ senderFrame: { url, parent: null } }, {}) as Promise<CallResult<unknown>>;
    expect((await call(APP_ENTRY_URL)).ok).toBe(true);
    expect(await call('https://evil.example/')).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('will-quit waits for the project to close, then quits', async () => {
    let prevented = 0;
    const event = { preventDefault: () => void prevented++ };
    emit('will-quit', event);
    expect(prevented).toBe(1);
    await vi.waitFor(() => expect(fake.rec.quits).toBe(1));
    // The second will-quit (from that app.quit) goes through.
    emit('will-quit', event);
    expect(prevented).toBe(1);
  });
});
