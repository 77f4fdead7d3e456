/**
 * One test per attack on the Electron shell, each against the real handler
 * src/main/index.ts registers (security-policy.ts decisions, app-protocol.ts
 * protocol handlers, ipc.ts's binding). Electron itself is not needed: these
 * are the functions, called with what Electron would pass them. The same
 * attacks are replayed inside a real window by test/electron/ where Electron's
 * binary exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_NAMES, ipcChannel, type CallResult } from '../../src/shared/api.ts';
import { createAppHandler, createMediaHandler } from '../../src/main/app-protocol.ts';
import { bindStudioIpc, type InvokeEventLike, type IpcMainLike } from '../../src/main/ipc.ts';
import type { MediaRequest } from '../../src/main/media-guard.ts';
import {
  allowNavigation, allowPermission, APP_ENTRY_URL, decideWindowOpen, electronPageCsp, isAllowedExternal, isTrustedSender, navigationGuard, windowOpenHandler,
} from '../../src/main/security-policy.ts';
import { createStudio, type Studio } from '../../src/main/studio/studio-service.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-shell-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('IPC: a crafted sender', () => {
  type Handler = (event: InvokeEventLike, input: unknown) => unknown;
  const handlers = new Map<string, Handler>();
  const ipc: IpcMainLike = { handle: (c, h) => void handlers.set(c, h as Handler), removeHandler: (c) => void handlers.delete(c) };
  let studio: Studio;
  beforeAll(async () => {
    studio = await createStudio({ transport: 'electron', dataDir: path.join(tmp, 'home') });
    bindStudioIpc(ipc, studio, () => []);
  });
  afterAll(() => studio.close());

  it('is refused on every call of the contract, by the check ipc.ts really applies', async () => {
    const evil: InvokeEventLike = { senderFrame: { url: 'https://evil.example/steal' } };
    expect(isTrustedSender(evil)).toBe(false);
    for (const call of CALL_NAMES) {
      const r = (await handlers.get(ipcChannel(call))!(evil, {})) as CallResult<unknown>;
      expect(r, call).toMatchObject({ ok: false, error: { name: 'StudioError', code: 'invalid-argument' } });
    }
  });

  it('from an iframe of the studio origin, a file:// page or a look-alike host is refused', () => {
    expect(isTrustedSender({ senderFrame: { url: APP_ENTRY_URL, parent: { url: APP_ENTRY_URL } } })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'file:///home/u/out/renderer/index.html' } })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'xstudio://app.evil.example/index.html' } })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: 'xstudio://evil@app/index.html' } })).toBe(false);
    expect(isTrustedSender({ senderFrame: null })).toBe(false);
    expect(isTrustedSender({ senderFrame: { url: APP_ENTRY_URL, parent: null } })).toBe(true);
  });
});

describe('navigation and new windows', () => {
  it('a navigation to another origin is refused (will-navigate, will-frame-navigate, will-redirect share it)', () => {
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://localhost:5173/', 'xstudio-media://media/image/1', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(allowNavigation(url), url).toBe(false);
    }
    expect(allowNavigation('xstudio://app/index.html')).toBe(true);
  });

  it('the guard index.ts installs prevents it, and hands only an allow-listed link to the browser, once', () => {
    const opened: string[] = [];
    const navigate = (guard: ReturnType<typeof navigationGuard>, url: string): boolean => {
      let prevented = false;
      guard({ url, preventDefault: () => void (prevented = true) });
      return prevented;
    };
    const willNavigate = navigationGuard({}, (u) => opened.push(u), true);
    const willFrameNavigate = navigationGuard({}, (u) => opened.push(u), false);
    for (const guard of [willNavigate, willFrameNavigate]) {
      expect(navigate(guard, 'https://evil.example/')).toBe(true);
      expect(navigate(guard, 'https://github.com/')).toBe(true);
      expect(navigate(guard, 'xstudio://app/index.html')).toBe(false);
    }
    expect(opened).toEqual(['https://github.com/']);
  });

  it('window.open never opens a window: another origin is dropped, a report or an allow-listed link goes to the system', () => {
    expect(decideWindowOpen('https://evil.example/')).toEqual({ kind: 'drop' });
    expect(decideWindowOpen('xstudio://app/index.html')).toEqual({ kind: 'drop' });
    expect(decideWindowOpen('xstudio-media://media/report/../../x')).toEqual({ kind: 'drop' });
    expect(decideWindowOpen('xstudio-media://media/image/3')).toEqual({ kind: 'drop' });
    expect(decideWindowOpen('xstudio-media://media/report/3')).toEqual({ kind: 'report', url: 'xstudio-media://media/report/3' });
    expect(decideWindowOpen('https://github.com/x/y')).toEqual({ kind: 'external', url: 'https://github.com/x/y' });
    const external: string[] = [];
    const reports: string[] = [];
    const handler = windowOpenHandler((u) => external.push(u), (u) => reports.push(u));
    for (const url of ['https://evil.example/', 'https://github.com/a', 'xstudio-media://media/report/2', 'file:///etc/passwd']) {
      expect(handler({ url })).toEqual({ action: 'deny' });
    }
    expect(external).toEqual(['https://github.com/a']);
    expect(reports).toEqual(['xstudio-media://media/report/2']);
  });

  it('shell.openExternal gets only https links to allow-listed hosts', () => {
    expect(isAllowedExternal('https://github.com/tensorflow/tfjs')).toBe(true);
    for (const url of [
      'http://github.com/', 'file:///etc/passwd', 'smb://host/share', 'ms-msdt:/id', 'https://github.com.evil.example/', 'https://evilgithub.com/',
      'https://user:pw@github.com/', 'https://github.com:8443/', 'javascript:alert(1)', 'not a url',
    ]) {
      expect(isAllowedExternal(url), url).toBe(false);
    }
  });
});

describe('permissions', () => {
  it('every permission request is denied, even from the studio page', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midiSysex', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'display-capture']) {
      expect(allowPermission(p, APP_ENTRY_URL), p).toBe(false);
      expect(allowPermission(p, 'https://evil.example/'), p).toBe(false);
    }
  });
});

describe('the page protocol (xstudio://app/)', () => {
  const renderer = path.join(tmp, 'renderer');
  const csp = electronPageCsp();
  const serve = createAppHandler(renderer, csp);
  beforeAll(() => {
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>studio</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'export {};');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    if (process.platform !== 'win32') fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(renderer, 'assets', 'link.js'));
  });

  it('serves the page with the CSP header, nosniff and the right type', async () => {
    const res = await serve(new Request('xstudio://app/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await serve(new Request('xstudio://app/assets/app.js'))).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('a path out of the renderer folder is not served', async () => {
    for (const url of [
      'xstudio://app/../secret.txt', 'xstudio://app/%2e%2e/secret.txt', 'xstudio://app/assets%2f..%2f..%2fsecret.txt', 'xstudio://app/..%5csecret.txt',
      'xstudio://app//etc/passwd', 'xstudio://other/index.html', 'xstudio://app/assets', 'xstudio://app/missing.js',
    ]) {
      const res = await serve(new Request(url));
      expect(res.status, url).toBe(404);
    }
    if (process.platform !== 'win32') expect((await serve(new Request('xstudio://app/assets/link.js'))).status).toBe(404);
  });
});

/** A real 1×1 PNG: the media protocol serves only bytes that are an image. */
const ONE_PIXEL_PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex');

describe('the media protocol (xstudio-media://)', () => {
  it('gives an image the type sniffed from its bytes, nosniff, a CSP under which nothing runs, inline; an HTML file named .png is not served', async () => {
    const image = path.join(tmp, 'real.png');
    fs.writeFileSync(image, ONE_PIXEL_PNG);
    const page = path.join(tmp, 'page.png');
    fs.writeFileSync(page, '<html><script>alert(1)</script></html>');
    const serve = createMediaHandler(async (r) => (r.kind === 'image' ? (r.id === 1 ? image : page) : null));
    const ok = await serve(new Request('xstudio-media://media/image/1'));
    expect(ok.status).toBe(200);
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      'content-type': 'image/png', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox", 'content-disposition': 'inline',
    });
    expect((await serve(new Request('xstudio-media://media/image/2'))).status).toBe(404);
  });

  it('serves what the guarded resolver returns and nothing else: no path, no other host, no file outside the project', async () => {
    const inside = path.join(tmp, 'inside.png');
    fs.writeFileSync(inside, ONE_PIXEL_PNG);
    const asked: MediaRequest[] = [];
    // Stands in for Studio.resolveMedia: the real one is covered with a project below.
    const serve = createMediaHandler(async (r) => (asked.push(r), r.kind === 'image' && r.id === 1 ? inside : null));
    expect((await serve(new Request('xstudio-media://media/image/1'))).status).toBe(200);
    for (const url of ['xstudio-media://media/image/2', 'xstudio-media://media/../../etc/passwd', 'xstudio-media://media/file/%2Fetc%2Fpasswd', 'xstudio-media://evil/image/1', 'xstudio-media://media/image/1/x']) {
      expect((await serve(new Request(url))).status, url).toBe(404);
    }
    expect(asked).toEqual([{ kind: 'image', id: 1 }, { kind: 'image', id: 2 }]);
  });

  it("passes the request's signal to the resolver: a thumbnail whose asker has gone is not made", async () => {
    let seen: AbortSignal | undefined;
    const serve = createMediaHandler(async (_r, signal) => ((seen = signal), null));
    const asker = new AbortController();
    await serve(new Request(`xstudio-media://media/thumb/${'ab'.repeat(32)}`, { signal: asker.signal }));
    expect(seen?.aborted).toBe(false);
    asker.abort();
    expect(seen?.aborted).toBe(true);
  });

  it("with a real project, an image swapped for a symlink to a file outside the project's folders is 404", async () => {
    if (process.platform === 'win32') return; // symlinks need privileges there
    const images = path.join(tmp, 'images', 'cat');
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(images, { recursive: true });
    fs.mkdirSync(outside, { recursive: true });
    const { writeImage } = await import('../helpers/make-images.ts');
    await writeImage(path.join(images, 'ok.png'), { format: 'png', color: [200, 10, 10] });
    await writeImage(path.join(images, 'swapped.png'), { format: 'png', color: [10, 200, 10] });
    await writeImage(path.join(outside, 'secret.png'), { format: 'png', color: [10, 10, 200] });
    const studio = await createStudio({ transport: 'electron', dataDir: path.join(tmp, 'home2') });
    try {
      await studio.service.importFolder({ folder: path.dirname(images), labelSource: 'folder', thumbnails: false });
      const ids = Object.fromEntries((await studio.service.queryImages({})).images.map((i) => [i.name, i.id]));
      // After the import, the file the project knows becomes a link out of the project.
      fs.rmSync(path.join(images, 'swapped.png'));
      fs.symlinkSync(path.join(outside, 'secret.png'), path.join(images, 'swapped.png'));
      const serve = createMediaHandler((r) => studio.resolveMedia(r));
      expect((await serve(new Request(`xstudio-media://media/image/${ids['cat/ok.png']}`))).status).toBe(200);
      expect((await serve(new Request(`xstudio-media://media/image/${ids['cat/swapped.png']}`))).status).toBe(404);
      expect((await serve(new Request('xstudio-media://media/image/999999'))).status).toBe(404);
    } finally {
      await studio.close();
    }
  });
});
