/**
 * The two protocol handlers of the Electron shell, as plain fetch-style
 * functions (Request → Response, both global in Node 20 and in Electron's
 * main process), so tests call the very handlers index.ts registers:
 * - `xstudio://app/<file>`: the built renderer (out/renderer), with the CSP
 *   header on every response. Serving the page from a privileged custom scheme
 *   instead of file:// gives it a real origin that nothing on disk shares, and
 *   lets the packaged app turn off file:// extra privileges (a fuse).
 * - `xstudio-media://media/{thumb/<hash>|image/<id>|report/<runId>}`: a file
 *   inside the open project's allowed folders (media-guard.ts), else 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import { guardMediaFile, mediaHeaders, parseMediaPath, type MediaRequest } from './media-guard.ts';
import { APP_HOST, APP_SCHEME } from './security-policy.ts';

const APP_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.wasm': 'application/wasm',
};

const notFound = (): Response => new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });

/**
 * The file of `rendererDir` an app URL names, or null. Decoded segments may not
 * be '..', contain a slash or backslash, or be empty; the result must then be
 * a regular file inside rendererDir after following symlinks.
 */
export async function resolveAppFile(url: string, rendererDir: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  const raw = u.pathname === '/' ? ['index.html'] : u.pathname.slice(1).split('/');
  const segments: string[] = [];
  for (const seg of raw) {
    let s: string;
    try {
      s = decodeURIComponent(seg);
    } catch {
      return null;
    }
    if (s === '' || s === '.' || s === '..' || /[\\/\0]/.test(s)) return null;
    segments.push(s);
  }
  return guardMediaFile(path.join(rendererDir, ...segments), [rendererDir]);
}

/** The `xstudio:` handler: the renderer's files, each with the page CSP and no sniffing. */
export function createAppHandler(rendererDir: string, csp: string): (req: Request) => Promise<Response> {
  return async (req) => {
    const file = await resolveAppFile(req.url, rendererDir);
    if (!file) return notFound();
    const body = await fs.promises.readFile(file);
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': APP_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
        'cross-origin-opener-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      },
    });
  };
}

/**
 * The `xstudio-media:` handler over the studio's guarded resolver (Studio.resolveMedia).
 * The request's signal goes with it, as browser mode passes its socket's: a
 * thumbnail asked for by a tile that has scrolled away is not made.
 */
export function createMediaHandler(resolveMedia: (request: MediaRequest, signal?: AbortSignal) => Promise<string | null>): (req: Request) => Promise<Response> {
  return async (req) => {
    let u: URL;
    try {
      u = new URL(req.url);
    } catch {
      return notFound();
    }
    const request = u.host === 'media' ? parseMediaPath(u.pathname) : null;
    const file = request ? await resolveMedia(request, req.signal) : null;
    if (!request || !file) return notFound();
    // The same headers as browser mode: the sniffed type, nosniff, a CSP under which nothing runs.
    const headers = await mediaHeaders(request, file);
    if (!headers) return notFound();
    return new Response(await fs.promises.readFile(file), { status: 200, headers });
  };
}
