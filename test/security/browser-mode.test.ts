/**
 * Issue 9, browser mode: crafted requests against a real `xstudio serve`
 * over loopback. No request, with or without the token, may crash the server
 * or get a 5xx for a client mistake; media never runs script on the origin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StudioServer } from '../../src/main/server.ts';
import { createStudio, type Studio } from '../../src/main/studio/studio-service.ts';
import { writeImage } from '../helpers/make-images.ts';
import { tempStudio } from '../helpers/xstudio-cli.ts';

const tmp = tempStudio('xstudio-sec-http-');
const images = path.join(tmp.dir, 'images');
const outside = path.join(tmp.dir, 'outside');
let studio: Studio;
let server: StudioServer;

/** A raw HTTP exchange, so that headers (Host, Cookie, Upgrade) are exactly what the attack sends. */
function raw(port: number, request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      data += d;
      // Upgrade refusals and simple answers: enough once the head and the declared body are in.
      const end = data.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(data)?.[1];
      if (end >= 0 && len !== undefined && data.length >= end + 4 + Number(len)) s.end();
    });
    s.on('end', () => {
      const end = data.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), head: data.slice(0, end), body: data.slice(end + 4) });
    });
    s.on('error', reject);
    s.setTimeout(10_000, () => reject(new Error('no answer in 10 s')));
  });
}

function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, headers: { authorization: `Bearer ${server.token}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(call: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { message: string; field?: string } } }> {
  const res = await fetch(`${server.url}api/${call}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers }, body });
  return { status: res.status, json: (await res.json()) as { error?: { message: string; field?: string } } };
}

async function imageId(rel: string): Promise<number> {
  const page = (await post('queryImages', JSON.stringify({ search: rel, limit: 10 }))).json as unknown as { images: { id: number; name: string }[] };
  expect(page.images.length).toBeGreaterThan(0);
  return page.images[0].id;
}

beforeAll(async () => {
  await writeImage(path.join(images, 'cat', 'cat.0.jpg'), { width: 40, height: 30 });
  // The crafted dataset: an "image" that is a symlink to an HTML page inside the folder.
  fs.writeFileSync(path.join(images, 'cat', 'page.html'), '<script>fetch("/api/getAppInfo")</script>');
  fs.symlinkSync('page.html', path.join(images, 'cat', 'evil.jpg'));
  // The common dataset made of symlinks to images elsewhere.
  await writeImage(path.join(outside, 'real.png'), { format: 'png', width: 30, height: 20 });
  fs.mkdirSync(path.join(images, 'dog'), { recursive: true });
  fs.symlinkSync(path.join(outside, 'real.png'), path.join(images, 'dog', 'linked.png'));
  studio = await createStudio({ transport: 'http', project: path.join(tmp.dir, 'p.xstudio'), dataDir: path.join(tmp.dir, 'home') });
  await studio.service.importFolder({ folder: images, labelSource: 'folder' });
  server = await startServer(studio, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await studio?.close();
  tmp.cleanup();
});

describe('a bad cookie', () => {
  let child: ChildProcess;
  let port = 0;
  beforeAll(async () => {
    // The real command, so a throw out of a listener shows as a dead process.
    child = spawn(process.execPath, ['bin/xstudio.mjs', 'serve', '--project', path.join(tmp.dir, 'serve.xstudio'), '--port', '0'], { env: tmp.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /127\.0\.0\.1:(\d+)\/\?token=/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
  }, 60_000);
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('on the /events upgrade, without a token, is refused and the server lives on', async () => {
    const r = await raw(port, `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: xstudio_token_${port}=%\r\n\r\n`);
    expect(r.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.exitCode).toBeNull();
    const again = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect(again.status).toBe(401);
  });

  it('on plain HTTP is a 401, not a 500', async () => {
    for (const cookie of ['%', '%E0%A4%A', '%%%; x=%']) {
      const r = await raw(port, `GET /api/getAppInfo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: xstudio_token_${port}=${cookie}\r\nConnection: close\r\n\r\n`);
      expect(r.status).toBe(401);
    }
    expect(child.exitCode).toBeNull();
  });
});

describe('sibling: malformed request targets', () => {
  it('answers 400 to a target URL parsing cannot hold, on HTTP and on the upgrade', async () => {
    const r = await raw(server.port, `GET // HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBeLessThan(500);
    const u = await raw(server.port, `GET // HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(u.status).toBeGreaterThanOrEqual(400);
    expect(u.status).toBeLessThan(500);
  });
});

describe('media', () => {
  it('never serves a symlink to an HTML file as a page', async () => {
    const id = await imageId('evil.jpg');
    const r = await get(`/media/image/${id}`);
    expect(r.status).toBe(404);
    expect(r.headers['content-type'] ?? '').not.toMatch(/html/);
  });

  it('serves an image with its sniffed type, nosniff, a CSP of none and inline disposition', async () => {
    const r = await get(`/media/image/${await imageId('cat.0.jpg')}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.headers['content-disposition']).toBe('inline');
  });

  it('shows the images of a folder made of symlinks, full size', async () => {
    const r = await get(`/media/image/${await imageId('linked.png')}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.body.equals(fs.readFileSync(path.join(outside, 'real.png')))).toBe(true);
  });

  it('sibling: an image swapped for HTML after the import is no longer served', async () => {
    const file = path.join(images, 'cat', 'swapped.jpg');
    await writeImage(file, { width: 10, height: 10 });
    await post('importFolder', JSON.stringify({ folder: images, labelSource: 'folder' }));
    const id = await imageId('swapped.jpg');
    expect((await get(`/media/image/${id}`)).status).toBe(200);
    fs.writeFileSync(file, '<html><script>alert(1)</script></html>');
    expect((await get(`/media/image/${id}`)).status).toBe(404);
  });

  it('sibling: thumbnails carry nosniff and a CSP of none too', async () => {
    await post('makeThumbnails', '{}');
    const item = ((await post('getImage', JSON.stringify({ id: await imageId('cat.0.jpg') }))).json as unknown as { hash: string });
    const r = await get(`/media/thumb/${item.hash}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('DNS rebinding', () => {
  it('refuses a Host that is not the bound address, with the token and without it', async () => {
    const withToken = await raw(server.port, `GET /api/getAppInfo HTTP/1.1\r\nHost: evil.example:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nConnection: close\r\n\r\n`);
    expect(withToken.status).toBe(421);
    expect(withToken.body).toMatch(/evil\.example/);
    const withCookie = await raw(server.port, `GET / HTTP/1.1\r\nHost: evil.example:${server.port}\r\nCookie: xstudio_token_${server.port}=${server.token}\r\nConnection: close\r\n\r\n`);
    expect(withCookie.status).toBe(421);
    const without = await raw(server.port, `GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`);
    expect(without.status).toBe(421);
    const ok = await raw(server.port, `GET /media/image/999999 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nConnection: close\r\n\r\n`);
    expect(ok.status).toBe(404);
  });

  it('sibling: refuses it on the /events upgrade too', async () => {
    const r = await raw(server.port, `GET /events HTTP/1.1\r\nHost: evil.example:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    expect(r.status).toBe(421);
  });
});

describe('request bodies and numbers', () => {
  it('answers 413 to a body over the limit, on a connection that is not reset', async () => {
    const big = '[' + '1,'.repeat(17 * 1024 * 1024) + '1]';
    const r = await post('setLabel', big);
    expect(r.status).toBe(413);
    expect(r.json.error?.message).toMatch(/larger than the limit/);
  });

  it('answers 400 naming the field to offset 1e308', async () => {
    const r = await post('queryImages', '{"offset": 1e308}');
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ message: expect.stringMatching(/^offset: .*\(found 1e\+308\)$/), field: 'offset' });
  });

  it('sibling: every id, size and seed is bounded (1e308, 1e309)', async () => {
    // [call, body, the message (it starts with the field at fault), the field the error carries when the contract's schema checks it]
    const cases: [string, string, RegExp, string | undefined][] = [
      ['getImage', '{"id": 1e308}', /^id: /, 'id'],
      ['setLabel', '{"imageIds": [1e20], "className": "cat"}', /^imageIds\.0: /, 'imageIds.0'],
      ['previewSplit', '{"name":"s","unit":"count","sizes":{"train":1e309,"val":0,"test":0},"stratified":true,"seed":1}', /^sizes\.train: /, 'sizes.train'],
      ['startRun', '{"config": {"head": {"epochs": 1e308}}}', /epochs/, undefined],
      ['startRun', '{"config": {"head": {"hidden": [1000000000]}}}', /hidden/, undefined],
    ];
    for (const [call, body, message, field] of cases) {
      const r = await post(call, body);
      expect(r.status, `${call} ${body}`).toBe(400);
      expect(r.json.error?.message).toMatch(message);
      if (field) expect(r.json.error?.field, `${call} ${body}`).toBe(field);
    }
  });
});
