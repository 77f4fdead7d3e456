/**
 * Browser mode is locked by the printed token: without it the page, the API,
 * the images and the event stream all answer 401; with it (kept in an
 * HttpOnly SameSite=Strict cookie after the first visit) everything works.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { e2eReady, launchBrowser, openStudioPage, screenshot, startStudio, type RunningStudio } from './harness.ts';

const notReady = e2eReady();

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe.skipIf(notReady)('browser mode token', () => {
  let studio: RunningStudio;
  let browser: Browser;

  beforeAll(async () => {
    studio = await startStudio({ images: { perClass: 2 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
  });

  it('prints an address on 127.0.0.1 with a long random token', () => {
    expect(studio.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
  });

  it('answers 401 to the page, the API, the media and the events without the token', async () => {
    const page = await fetch(studio.baseUrl);
    expect(page.status).toBe(401);
    expect(await page.text()).not.toContain('<script');
    expect((await fetch(`${studio.baseUrl}assets/app.js`)).status).toBe(401);

    const api = await fetch(`${studio.baseUrl}api/getAppInfo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { message: string } }).error.message).toMatch(/token/);

    expect((await fetch(`${studio.baseUrl}media/image/1`)).status).toBe(401);
    expect((await fetch(`${studio.baseUrl}media/thumb/0123456789abcdef`)).status).toBe(401);

    const wsUrl = studio.baseUrl.replace('http:', 'ws:') + 'events';
    expect(await wsStatus(wsUrl)).toBe(401);
  });

  it('answers 401 to a wrong token in every place it can be given', async () => {
    const wrong = 'f'.repeat(64);
    expect((await fetch(`${studio.baseUrl}?token=${wrong}`, { redirect: 'manual' })).status).toBe(401);
    const api = await fetch(`${studio.baseUrl}api/getAppInfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${wrong}`, cookie: `xstudio_token_${studio.port}=${wrong}` },
      body: '{}',
    });
    expect(api.status).toBe(401);
    const wsUrl = studio.baseUrl.replace('http:', 'ws:') + 'events';
    expect(await wsStatus(wsUrl, { cookie: `xstudio_token_${studio.port}=${wrong}` })).toBe(401);
  });

  it('with the token: the page loads, keeps it in an HttpOnly cookie, and reaches API, media and events', { timeout: 180_000 }, async () => {
    const { page, context } = await openStudioPage(browser, studio);
    // The token left the address bar…
    expect(page.url()).toBe(studio.baseUrl);
    // …and lives in a cookie the page's scripts cannot read.
    const cookies = await context.cookies();
    const cookie = cookies.find((c) => c.name === `xstudio_token_${studio.port}`);
    expect(cookie).toMatchObject({ value: studio.token, httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => document.cookie)).toBe('');

    const api = await page.evaluate(async () => {
      const r = await fetch('/api/getAppInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: r.status, body: (await r.json()) as { transport: string } };
    });
    expect(api).toMatchObject({ status: 200, body: { transport: 'http' } });

    // Media: with the cookie, a hash that has no thumbnail is a 404, not a 401.
    const media = await page.evaluate(async () => (await fetch('/media/thumb/0123456789abcdef')).status);
    expect(media).toBe(404);

    // Events: the page's WebSocket opens with the cookie and receives what the core emits.
    // (A string, because the test file's own `WebSocket` import would be rewritten into the page function.)
    await page.evaluate(`(() => {
      window.got = [];
      const sock = new window.WebSocket('ws://' + location.host + '/events');
      sock.onmessage = (e) => window.got.push(String(e.data));
      window.opened = new Promise((resolve) => (sock.onopen = () => resolve()));
    })()`);
    await page.evaluate(() => (window as unknown as { opened: Promise<void> }).opened);
    await studio.api('createProject', { file: `${studio.tempDir}/second.xstudio` });
    await page.waitForFunction(() => (window as unknown as { got: string[] }).got.some((m) => m.includes('project.changed')), undefined, { timeout: 30_000 });
    const got = await page.evaluate(() => (window as unknown as { got: string[] }).got.map((m) => JSON.parse(m) as { event: string; payload: { file?: string } }));
    expect(got.find((m) => m.event === 'project.changed')?.payload.file).toMatch(/second\.xstudio$/);

    await screenshot(page, 'token-page-with-token');
    await context.close();
  });

  it('refuses a page of another local site that carries the cookie (cookies ignore ports)', { timeout: 180_000 }, async () => {
    await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder' });
    const { page, context } = await openStudioPage(browser, studio);
    const [item] = (await studio.api('queryImages', { limit: 1 })).images;
    // Same origin: the image loads.
    const own = await page.evaluate(`new Promise((resolve) => { const i = new Image(); i.onload = () => resolve('loaded'); i.onerror = () => resolve('refused'); i.src = '/media/image/${item.id}'; })`);
    expect(own).toBe('loaded');
    // Another site on 127.0.0.1 (another port), in the same browser, with the cookie in the jar.
    const other = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>other</title><p>another local site</p>');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const otherPage = await context.newPage();
      await otherPage.goto(`http://127.0.0.1:${(other.address() as { port: number }).port}/`);
      const img = await otherPage.evaluate(`new Promise((resolve) => { const i = new Image(); i.onload = () => resolve('loaded'); i.onerror = () => resolve('refused'); i.src = '${studio.baseUrl}media/image/${item.id}'; })`);
      expect(img).toBe('refused');
      const ws = await otherPage.evaluate(`new Promise((resolve) => { const s = new WebSocket('${studio.baseUrl.replace('http:', 'ws:')}events'); s.onopen = () => resolve('open'); s.onerror = () => resolve('refused'); })`);
      expect(ws).toBe('refused');
    } finally {
      other.close();
      await context.close();
    }
  });

  it('a fresh browser without the token sees only the 401 message', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(studio.baseUrl);
    expect(res?.status()).toBe(401);
    expect(await page.textContent('body')).toMatch(/Not authorised/);
    await screenshot(page, 'token-page-without-token');
    await context.close();
  });
});
