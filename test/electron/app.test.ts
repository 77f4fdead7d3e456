/**
 * The desktop window, end to end: the real main process, preload, ipcMain
 * handlers, protocols, CSP and Electron-ABI better-sqlite3, driven by
 * playwright-core's `_electron` (see harness.ts; `npm run test:electron`).
 * Each test would fail if the piece it names were broken: a wrong preload API,
 * a contract call without an ipcMain handler, a missing CSP header, a media URL
 * answered with a file outside the project, an open navigation…
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, type CallName, type CallResult, type GalleryPage, type JobInfo, type JobRef } from '../../src/shared/api.ts';
import { APP_ENTRY_URL, electronPageCsp } from '../../src/main/security-policy.ts';
import { importThroughDialog } from '../e2e/harness.ts';
import { writeImages } from '../helpers/make-images.ts';
import { electronReady, launchStudio, loadImageInPage, screenshot, type LaunchedStudio } from './harness.ts';

const skip = electronReady();

/** Calls that only read, so the generated test can also make each of them succeed. */
const READ_ONLY: CallName[] = [
  'getAppInfo', 'listRecentProjects', 'getProjectStatus', 'listFolder', 'queryImages', 'queryImageIds', 'listClasses', 'getHistory',
  'listSplits', 'getWeightsStatus', 'getFeatureStatus', 'listJobs', 'getRunDefaults', 'listRuns', 'getRunQueue',
];

describe.skipIf(skip)('Electron app', () => {
  let s: LaunchedStudio;
  const invoke = <T>(call: string, input: unknown): Promise<CallResult<T>> =>
    s.page.evaluate(([c, i]) => window.studio!.invoke(c as CallName, i) as Promise<CallResult<T>>, [call, input] as const);
  const ok = async <T>(call: CallName, input: unknown = {}): Promise<T> => {
    const r = await invoke<T>(call, input);
    if (!r.ok) throw new Error(`${call} failed: ${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const imagesDir = (): string => path.join(s.home, 'images');

  beforeAll(async () => {
    s = await launchStudio();
    await s.page.waitForSelector('[data-nav="gallery"]', { timeout: 30_000 });
  });
  afterAll(async () => {
    // A test that failed before the close test leaves the app running.
    if (s && !s.app.process().killed && s.app.process().exitCode === null) await s.app.close().catch(() => {});
  });

  it('opens the studio from xstudio://app/ with contextIsolation, sandbox and no Node in the page', async () => {
    expect(s.page.url()).toBe(APP_ENTRY_URL);
    const prefs = await s.app.evaluate(({ BrowserWindow }) => {
      // Undocumented in the typings but present: the preferences the renderer really got.
      type Prefs = { contextIsolation?: boolean; sandbox?: boolean; nodeIntegration?: boolean; webviewTag?: boolean };
      const wc = BrowserWindow.getAllWindows()[0].webContents as unknown as { getLastWebPreferences(): Prefs | null };
      const p = wc.getLastWebPreferences();
      return p && { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webviewTag: p.webviewTag };
    });
    expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    // From inside the page: no Node, and the preload's world is not the page's (contextIsolation).
    const inside = await s.page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      module: typeof (globalThis as { module?: unknown }).module,
      ipcRenderer: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
    }));
    expect(inside).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', ipcRenderer: 'undefined' });
    await screenshot(s.page, '1-window');
  });

  it('serves the page with the CSP header the shell builds, and the page enforces it', async () => {
    const header = await s.page.evaluate(() => fetch(location.href).then((r) => r.headers.get('content-security-policy')));
    expect(header).toBe(electronPageCsp());
    const blocked = await s.page.evaluate(() => {
      try {
        return String(eval('"eval ran"'));
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(blocked).toBe('EvalError');
  });

  it('the preload exposes exactly the studio transport', async () => {
    const shape = await s.page.evaluate(() => ({
      keys: Object.keys(window.studio ?? {}).sort(),
      kind: window.studio?.kind,
      mediaBase: window.studio?.mediaBase,
      types: Object.values(window.studio ?? {}).map((v) => typeof v).sort(),
    }));
    expect(shape).toEqual({ keys: ['invoke', 'kind', 'mediaBase', 'subscribe'], kind: 'electron', mediaBase: 'xstudio-media://media/', types: ['function', 'function', 'string', 'string'] });
    expect(await invoke('notACall', {})).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument' } });
  });

  // Generated from the contract: a call the preload cannot reach, or with no ipcMain handler, fails here
  // ("No handler registered for 'studio:<call>'" rejects page.evaluate). An unknown field proves the call's
  // own handler validated it, and the error crossed IPC as { name, code, message }.
  describe('every contract call through the real preload and ipcMain', () => {
    for (const call of CALL_NAMES) {
      it(call, async () => {
        const r = await invoke(call, { __probe: 1 });
        expect(r).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument' } });
        if (!r.ok) {
          expect(Object.keys(r.error).sort()).toEqual(['code', 'message', 'name']);
          expect(r.error.message.startsWith(`${call}: `)).toBe(true);
        }
        if (READ_ONLY.includes(call)) expect((await invoke(call, {})).ok).toBe(true);
      });
    }
  });

  it('imports a folder of generated images through the import dialog; thumbnails and images load through xstudio-media:', async () => {
    const files: Record<string, { format?: 'jpeg' | 'png'; width: number; height: number }> = {};
    for (let i = 0; i < 4; i++) {
      files[`red/red.${i}.jpg`] = { width: 40, height: 32 };
      files[`blue/blue.${i}.png`] = { format: 'png', width: 40, height: 32 };
    }
    await writeImages(imagesDir(), files);
    expect(await importThroughDialog(s.page, imagesDir(), 'red')).toContain('8 added');

    const page = await ok<GalleryPage>('queryImages', { sort: 'name' });
    expect(page.total).toBe(8);
    const item = page.images[0];
    expect(await loadImageInPage(s.page, `xstudio-media://media/image/${item.id}`)).toEqual({ width: 40, height: 32 });
    // The thumbnail job runs after the import; a missing thumbnail is also made on request.
    await expect.poll(() => loadImageInPage(s.page, `xstudio-media://media/thumb/${item.hash}`), { timeout: 30_000 }).not.toBeNull();
    await s.page.click('[data-nav="gallery"]');
    await expect
      .poll(() => s.page.$$eval('img[src^="xstudio-media://media/thumb/"]', (imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await screenshot(s.page, '2-gallery');
  });

  it('never serves a file outside the project through xstudio-media:', async () => {
    // Statuses from the registered handler itself (an <img> fails on a 404 and on a served non-image alike).
    const status = (url: string): Promise<number> => s.app.evaluate(({ net }, u) => net.fetch(u).then((r) => r.status), url);
    const { images: items } = await ok<GalleryPage>('queryImages', { sort: 'name' });
    expect(await status(`xstudio-media://media/image/${items[0].id}`)).toBe(200);
    for (const url of ['xstudio-media://media/image/999999', 'xstudio-media://media/../../../../etc/passwd', 'xstudio-media://media/thumb/%2e%2e%2f%2e%2e', 'xstudio-media://other/image/1']) {
      expect(await status(url), url).toBe(404);
    }
    if (process.platform === 'win32') return; // symlinks need privileges there
    // An imported image swapped for a link out of the project after the import.
    const victim = items[items.length - 1];
    const file = path.join(imagesDir(), victim.name);
    const outside = path.join(s.home, 'outside.png');
    fs.copyFileSync(file, outside);
    fs.rmSync(file);
    fs.symlinkSync(outside, file);
    expect(await status(`xstudio-media://media/image/${victim.id}`)).toBe(404);
    expect(await loadImageInPage(s.page, `xstudio-media://media/image/${victim.id}`)).toBeNull();
  });

  it('blocks a navigation and a window.open to another origin; only allow-listed links reach shell.openExternal', async () => {
    await s.app.evaluate(({ shell }) => {
      const opened: string[] = [];
      (globalThis as { __opened?: string[] }).__opened = opened;
      shell.openExternal = async (url: string) => void opened.push(url);
    });
    await s.page.evaluate(() => {
      location.href = 'https://evil.example/';
    });
    await s.page.evaluate(() => window.open('https://evil.example/popup'));
    await s.page.evaluate(() => window.open('https://github.com/'));
    await s.page.waitForTimeout(1000);
    expect(s.page.url()).toBe(APP_ENTRY_URL);
    expect(s.app.windows()).toHaveLength(1);
    expect(await s.app.evaluate(() => (globalThis as { __opened?: string[] }).__opened)).toEqual(['https://github.com/']);
    expect(await s.page.evaluate(() => typeof window.studio?.invoke)).toBe('function');
  });

  it('denies permission requests (Electron grants them all by default)', async () => {
    expect(await s.page.evaluate(() => Notification.requestPermission())).toBe('denied');
  });

  it('refuses a call from a crafted sender (another page with the same preload) with the real trusted-sender check', async () => {
    const preload = await s.app.evaluate(({ app }) => app.getAppPath());
    const result = await s.app.evaluate(async ({ BrowserWindow }, preloadPath) => {
      const w = new BrowserWindow({ show: false, webPreferences: { preload: preloadPath, sandbox: true, contextIsolation: true } });
      try {
        await w.loadURL('data:text/html,<title>not the studio</title>');
        return (await w.webContents.executeJavaScript("window.studio.invoke('getAppInfo', {})")) as unknown;
      } finally {
        w.destroy();
      }
    }, path.join(preload, 'out', 'preload', 'index.cjs'));
    expect(result).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument', message: expect.stringMatching(/not the studio/) } });
  });

  it('runs an ML job in the worker (Electron as Node) and its result and events reach the window', async () => {
    const backend = await ok<{ chosen: string; backends: unknown[] }>('getBackend');
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(backend.chosen);
    // Start a tiny random-init extraction and wait for its job.finished event in the page.
    const finished = s.page.evaluate(
      () =>
        new Promise<JobInfo>((resolve) => {
          const off = window.studio!.subscribe((m) => {
            if (m.event === 'job.finished' && m.payload.kind === 'extract') {
              off();
              resolve(m.payload);
            }
          });
        }),
    );
    await ok<JobRef>('startExtraction', { backbone: 'xception', randomInit: true, inputSize: 71, batchSize: 4, workers: 1 });
    const job = await finished;
    expect(job.state, job.error?.message).toBe('done');
    const features = await ok<{ backbones: { images: number }[] }>('getFeatureStatus');
    expect(features.backbones[0]?.images).toBeGreaterThan(0);
  });

  it('closing the window quits after the project is closed cleanly', async () => {
    const status = await ok<{ file: string }>('getProjectStatus');
    const code = await s.closeWindow();
    expect(code).toBe(0);
    // will-quit waited for Project.close(): the WAL was checkpointed and removed, and the file is whole.
    expect(fs.existsSync(`${status.file}-wal`)).toBe(false);
    // Read-write: a read-only open of a WAL file with no -shm beside it can be refused.
    const db = new Database(status.file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n).toBe(8);
    } finally {
      db.close();
    }
  });
});
