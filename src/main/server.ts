/**
 * Browser mode: the same studio core behind HTTP + a WebSocket, for a studio
 * on a remote GPU box and for testing in Chromium.
 *
 * - Every request needs the random token printed at start (as Jupyter does):
 *   `GET /?token=…` stores it in an HttpOnly SameSite=Strict cookie and
 *   redirects to `/`; after that the page, the API, the media and the events
 *   carry the cookie. `Authorization: Bearer <token>` also works (scripts).
 *   Anything else gets 401 — page, API, images, events. Since cookies ignore
 *   ports, subresource requests and WebSockets from another local site are
 *   refused (403) by their Fetch Metadata / Origin headers.
 * - `POST /api/<call>` with a JSON body validated by the call's schema →
 *   200 and the JSON result, or `{ error: { name, code, message } }` with a
 *   4xx/5xx status. Never a stack trace, never a crash.
 * - WebSocket `/events`: every core event as `{ event, payload }`.
 * - `GET /media/thumb/<hash>`, `/media/image/<id>`, `/media/report/<runId>`:
 *   only files inside the project's root folders, thumbnail cache and run
 *   artefacts (media-guard.ts).
 * - Anything else: the built renderer from out/renderer.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCookie } from 'cookie';
import { WebSocketServer, type WebSocket } from 'ws';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, HTTP_MEDIA_PREFIX, httpStatusFor, isCallName, type CallName } from '../shared/api.ts';
import { fieldError, serializeError, StudioError, type SerializedError } from '../shared/errors.ts';
import { mediaHeaders, parseMediaPath } from './media-guard.ts';
import { hostGuard } from './server-host.ts';
import { buildCsp, PAGE_CSP_DIRECTIVES } from './security-policy.ts';
import type { Studio } from './studio/studio-service.ts';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** Fixed token (tests); default: 32 random bytes, hex. */
  token?: string;
  /** The built renderer (default out/renderer beside the package). */
  rendererDir?: string;
}

export interface StudioServer {
  url: string;
  /** The URL to open, with the token. */
  urlWithToken: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Largest API request body (a relabel of a million ids is ~8 MB). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;
/**
 * A body over the limit is read and dropped up to this much, so the client
 * gets its 413 instead of a reset connection; beyond it the connection is cut.
 */
const MAX_DRAIN_BYTES = 4 * MAX_BODY_BYTES;

/** The page's policy, built from the directives the Electron shell extends (security-policy.ts). */
export const PAGE_CSP = buildCsp(PAGE_CSP_DIRECTIVES);

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../out/renderer');
}

export function cookieName(port: number): string {
  // Cookies ignore ports: two studios on one machine must not overwrite each other's token.
  return `xstudio_token_${port}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * The cookie's value, or undefined. Any page on another 127.0.0.1 port can set
 * a cookie we receive, so the header is hostile input: the `cookie` package
 * never throws on bad percent-encoding (it keeps the raw value).
 */
function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, error: SerializedError): void {
  sendJson(res, status, { error });
}

class BodyTooLarge extends StudioError {
  constructor() {
    super('invalid-argument', `request body is larger than the limit of ${MAX_BODY_BYTES} bytes`);
  }
}

/** The body, or BodyTooLarge once it passes the limit (the rest is drained, not kept). */
function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_DRAIN_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_DRAIN_BYTES) req.destroy();
      else if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export async function startServer(studio: Studio, options: ServerOptions = {}): Promise<StudioServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? crypto.randomBytes(32).toString('hex');
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  let port = options.port ?? 0;

  const authorised = (req: http.IncomingMessage): boolean => {
    const fromCookie = readCookie(req.headers.cookie, cookieName(port));
    if (fromCookie && safeEqual(fromCookie, token)) return true;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), token)) return true;
    return false;
  };

  const unauthorised = (res: http.ServerResponse, api: boolean): void => {
    const message = 'Not authorised: open the address printed by `xstudio serve`, with its ?token=… part.';
    if (api) sendError(res, 401, { name: 'StudioError', code: 'invalid-argument', message });
    else {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(message + '\n');
    }
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendError(res, 405, { name: 'StudioError', code: 'invalid-argument', message: `${HTTP_API_PREFIX}${name}: use POST with a JSON body` });
    }
    if (!isCallName(name)) return sendError(res, 404, { name: 'StudioError', code: 'not-found', message: `no API call named "${name}"` });
    // A JSON content type forces a CORS preflight on any cross-site attempt.
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('application/json')) {
      return sendError(res, 415, { name: 'StudioError', code: 'invalid-argument', message: `${name}: expected content-type application/json, got ${type || 'none'}` });
    }
    let input: unknown;
    try {
      const body = await readBody(req);
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        // The rest of an over-long body is not read: close once the answer is out.
        res.setHeader('connection', 'close');
        return sendError(res, 413, { name: 'StudioError', code: 'invalid-argument', message: `${name}: ${err.message}` });
      }
      const message = err instanceof StudioError ? err.message : `${name}: the request body is not valid JSON (${(err as Error).message})`;
      return sendError(res, 400, { name: 'StudioError', code: 'invalid-argument', message });
    }
    const call = name as CallName;
    try {
      // The service validates the input with the contract's schema (studio-service.ts).
      const fn = studio.service[call] as (i: unknown) => Promise<unknown>;
      const result = await fn(input);
      sendJson(res, 200, result ?? null);
    } catch (err) {
      const e = serializeError(err);
      if (!(err instanceof StudioError)) console.error(`xstudio serve: ${name} failed: ${(err as Error)?.stack ?? String(err)}`);
      sendError(res, httpStatusFor(e.code), e);
    }
  };

  const handleMedia = async (req: http.IncomingMessage, res: http.ServerResponse, rest: string): Promise<void> => {
    const request = parseMediaPath(rest);
    // A closed connection before the answer: the page dropped the request (a tile scrolled away).
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const file = request ? await studio.resolveMedia(request, gone.signal) : null;
    if (!request || !file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    const headers = await mediaHeaders(request, file);
    if (!headers) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    await streamFile(req, res, file, headers);
  };

  const handleStatic = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      rel = '/';
    }
    let file = path.resolve(rendererDir, '.' + (rel === '/' ? '/index.html' : rel));
    if (!file.startsWith(rendererDir + path.sep)) file = path.join(rendererDir, 'index.html');
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      // Unknown asset → 404; anything else is a page route of the single-page app.
      if (path.extname(rel)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return;
      }
      file = path.join(rendererDir, 'index.html');
    }
    if (!fs.existsSync(file)) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The renderer is not built: ${file} is missing. Run \`npm run build\` (or \`npm run serve\`).\n`);
      return;
    }
    const isHtml = file.endsWith('.html');
    await streamFile(req, res, file, {
      'content-type': STATIC_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'cache-control': isHtml ? 'no-store' : 'private, max-age=3600',
      ...(isHtml ? { 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' } : {}),
    });
  };

  const refuseHost = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const guard = hostGuard(host, port);
    if (guard.allows(req.headers.host)) return false;
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 talks to us under its own name.
    sendError(res, 421, { name: 'StudioError', code: 'invalid-argument', message: `Host header ${JSON.stringify(req.headers.host ?? '')} is not this server's address; expected ${guard.shown}` });
    return true;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      if (refuseHost(req, res)) return;
      // Dot segments never name anything here: refuse them before URL parsing folds them away.
      if (/(^|\/)(\.|%2e){2}(\/|%2f|$)/i.test(req.url ?? '')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return;
      }
      const url = requestUrl(req);
      if (!url) return sendError(res, 400, { name: 'StudioError', code: 'invalid-argument', message: `request target ${JSON.stringify(req.url)} is not a valid path` });
      const given = url.searchParams.get('token');
      if (given !== null && (req.method === 'GET' || req.method === 'HEAD') && !url.pathname.startsWith(HTTP_API_PREFIX)) {
        if (!safeEqual(given, token)) return unauthorised(res, false);
        // Keep the token in a cookie the page's scripts cannot read, and take it out of the address bar.
        url.searchParams.delete('token');
        res.writeHead(302, {
          'set-cookie': `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
          location: url.pathname + (url.search || ''),
          'cache-control': 'no-store',
        });
        res.end();
        return;
      }
      const isApi = url.pathname.startsWith(HTTP_API_PREFIX);
      if (!authorised(req)) return unauthorised(res, isApi);
      if (fromOtherSite(req)) {
        // Cookies ignore ports, so another local site would carry ours: only the studio's own page may use it.
        if (isApi) return sendError(res, 403, { name: 'StudioError', code: 'invalid-argument', message: 'requests from other sites are refused' });
        res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('requests from other sites are refused\n');
        return;
      }
      if (isApi) return handleApi(req, res, url.pathname.slice(HTTP_API_PREFIX.length));
      if (url.pathname.startsWith(HTTP_MEDIA_PREFIX)) return handleMedia(req, res, url.pathname.slice(HTTP_MEDIA_PREFIX.length));
      return handleStatic(req, res, url.pathname);
    })().catch((err: unknown) => {
      console.error(`xstudio serve: ${req.method} ${req.url} failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, err instanceof StudioError ? httpStatusFor(err.code) : 500, serializeError(err));
      else res.destroy();
    });
  });
  // A malformed request line or header: answer 400 rather than drop it.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    // A throw out of this listener would end the process: every check is inside the try.
    let refusal: string | null;
    try {
      const url = requestUrl(req);
      refusal = !url ? '400 Bad Request' : !hostGuard(host, port).allows(req.headers.host) ? '421 Misdirected Request'
        : url.pathname !== HTTP_EVENTS_PATH ? '404 Not Found' : !authorised(req) ? '401 Unauthorized' : !sameOrigin(req) ? '403 Forbidden' : null;
    } catch {
      refusal = '400 Bad Request';
    }
    socket.on('error', () => socket.destroy());
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      // The page only listens; anything it sends is ignored.
    });
  });
  const unsubscribe = studio.events.subscribe((message) => {
    if (sockets.size === 0) return;
    const text = JSON.stringify(message);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(fieldError('conflict', 'port', `${port} is already in use; pick another, or leave the port out for a free one`));
      else if (err.code === 'EADDRNOTAVAIL') reject(fieldError('invalid-argument', 'host', `this machine has no address ${host}`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as { port: number }).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${shownHost}:${port}/`;

  return {
    url,
    urlWithToken: `${url}?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A subresource request that a page of another site (another port of
 * 127.0.0.1 counts: cookies ignore ports) made with our cookie. Navigations
 * (following a link to the studio) are fine; requests without Fetch
 * Metadata (scripts, curl with the token) are judged by the token alone.
 */
function fromOtherSite(req: http.IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== 'cross-site' && site !== 'same-site') return false;
  return req.headers['sec-fetch-mode'] !== 'navigate';
}

/** The request's URL, or null when its target is not a path a URL can hold ('//', for one). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/** A WebSocket handshake from a browser carries Origin: it must be the studio's own page. */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Streams a file (whole, no ranges) with the given headers; HEAD gets headers only. */
async function streamFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, headers: Record<string, string>): Promise<void> {
  const st = await fs.promises.stat(file);
  res.writeHead(200, { ...headers, 'content-length': String(st.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = fs.createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', () => resolve());
    stream.pipe(res);
  });
}
