/**
 * The Electron shell's security decisions, as plain functions of plain inputs
 * (no electron import), so the tests exercise exactly what src/main/index.ts
 * and src/main/ipc.ts run:
 * - where the page comes from (the privileged `xstudio://app/` scheme, not file://)
 *   and which senders and navigations count as the studio itself;
 * - the Content-Security-Policy, built from directives rather than patched strings;
 * - which permission requests are granted (none: the studio uses none);
 * - which URLs `shell.openExternal` may open (https to an allow-list of hosts).
 */
import { MEDIA_PROTOCOL } from '../shared/api.ts';

/** The page is served from `xstudio://app/index.html` by a protocol handler (app-protocol.ts). */
export const APP_SCHEME = 'xstudio';
export const APP_HOST = 'app';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

// ───────────────────────────── who is the studio ─────────────────────────────

/** Where the page may legitimately come from: the app scheme, or in `npm run dev` the electron-vite dev server. */
export interface StudioOrigin {
  /** ELECTRON_RENDERER_URL when running `npm run dev`, else undefined. */
  devServerUrl?: string;
}

function parse(url: string | undefined | null): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` is a page of the studio itself. Compares parsed parts, never
 * prefixes: `xstudio://app.evil/`, `http://localhost:51730/` or
 * `xstudio://user@app/` are not the studio.
 */
export function isStudioUrl(url: string | undefined | null, origin: StudioOrigin = {}): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST;
  const dev = parse(origin.devServerUrl);
  // Node gives non-special schemes an opaque origin, so compare protocol + host explicitly.
  return !!dev && (dev.protocol === 'http:' || dev.protocol === 'https:') && u.protocol === dev.protocol && u.host === dev.host;
}

/** The part of Electron's IpcMainInvokeEvent the trusted-sender check reads. */
export interface SenderLike {
  senderFrame?: { url: string; parent?: unknown } | null;
}

/**
 * The check ipc.ts applies to every call: the sending frame must be the
 * studio's own top-level page. A sub-frame (an <iframe>, even of the studio's
 * origin) or a frame already gone (senderFrame null) is refused.
 */
export function isTrustedSender(event: SenderLike, origin: StudioOrigin = {}): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent) return false;
  return isStudioUrl(frame.url, origin);
}

// ───────────────────────────── navigation & windows ─────────────────────────────

/** The studio's pages never navigate: everything is one page. Reloads of the studio itself are allowed. */
export function allowNavigation(url: string, origin: StudioOrigin = {}): boolean {
  return isStudioUrl(url, origin);
}

/** The part of Electron's will-navigate / will-frame-navigate / will-redirect event a guard reads. */
export interface NavigationEventLike {
  url: string;
  preventDefault(): void;
}

/**
 * The handler index.ts installs on will-navigate (mayOpenExternal: true),
 * will-frame-navigate and will-redirect (false: for the main frame both
 * navigate events fire, and only one may hand an allow-listed link to the browser).
 */
export function navigationGuard(origin: StudioOrigin, openExternal: (url: string) => void, mayOpenExternal: boolean): (event: NavigationEventLike) => void {
  return (event) => {
    if (allowNavigation(event.url, origin)) return;
    event.preventDefault();
    if (mayOpenExternal && isAllowedExternal(event.url)) openExternal(event.url);
  };
}

/** What a `window.open` (or target=_blank link) becomes; in every case no Electron window opens. */
export type WindowOpenDecision = { kind: 'drop' } | { kind: 'external'; url: string } | { kind: 'report'; url: string };

/**
 * No window ever opens inside Electron. A run's report (`xstudio-media://media/report/<id>`)
 * opens from its file in the system browser; an allow-listed https link opens in the
 * system browser; everything else is dropped.
 */
export function decideWindowOpen(url: string): WindowOpenDecision {
  const u = parse(url);
  if (u && u.protocol === `${MEDIA_PROTOCOL}:` && u.host === 'media' && /^\/report\/[1-9][0-9]{0,15}$/.test(u.pathname)) {
    return { kind: 'report', url };
  }
  if (isAllowedExternal(url)) return { kind: 'external', url };
  return { kind: 'drop' };
}

/** The setWindowOpenHandler index.ts installs: acts on the decision, and always denies the window. */
export function windowOpenHandler(openExternal: (url: string) => void, openReport: (url: string) => void): (details: { url: string }) => { action: 'deny' } {
  return ({ url }) => {
    const decision = decideWindowOpen(url);
    if (decision.kind === 'external') openExternal(decision.url);
    else if (decision.kind === 'report') openReport(decision.url);
    return { action: 'deny' };
  };
}

// ───────────────────────────── shell.openExternal ─────────────────────────────

/** The hosts the studio links to (project pages, the Keras and TensorFlow docs). */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'keras.io', 'www.tensorflow.org', 'js.tensorflow.org'];

/** https only, exact host from the allow-list, default port, no credentials. */
export function isAllowedExternal(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port !== '') return false;
  return hosts.includes(u.hostname);
}

// ───────────────────────────── permissions ─────────────────────────────

/**
 * Permissions the studio uses. It uses none (no camera, microphone, geolocation,
 * notifications, clipboard reads, MIDI, HID, serial, fullscreen requests…), so
 * every request and every check is denied; a permission added here must be
 * granted only to the studio's own page.
 */
export const GRANTED_PERMISSIONS: readonly string[] = [];

export function allowPermission(permission: string, requestingUrl: string | undefined, origin: StudioOrigin = {}): boolean {
  return GRANTED_PERMISSIONS.includes(permission) && isStudioUrl(requestingUrl, origin);
}

// ───────────────────────────── Content-Security-Policy ─────────────────────────────

export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/** The studio page's policy in browser mode (server.ts): only its own origin. */
export const PAGE_CSP_DIRECTIVES: CspDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'none'"],
};

/** Adds sources to directives (deduplicated), leaving the input unchanged. */
export function extendCsp(base: CspDirectives, extra: CspDirectives): CspDirectives {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(base)) out[k] = [...v];
  for (const [k, v] of Object.entries(extra)) out[k] = [...new Set([...(out[k] ?? []), ...v])];
  return out;
}

/** Serialises directives; refuses a source that could smuggle in another directive. */
export function buildCsp(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, sources]) => {
      for (const s of [name, ...sources]) {
        if (!s || /[;,\s]/.test(s)) throw new Error(`CSP: invalid token ${JSON.stringify(s)}`);
      }
      return [name, ...sources].join(' ');
    })
    .join('; ');
}

/**
 * The Electron page's policy: browser mode's, plus the media scheme for images
 * and fetches, plus, under `npm run dev` only, the dev server's own WebSocket
 * origin for hot reload. No scheme-wide `ws:`/`wss:`: a page cannot reach any other host.
 */
export function electronPageCsp(origin: StudioOrigin = {}): string {
  const media = `${MEDIA_PROTOCOL}:`;
  let directives = extendCsp(PAGE_CSP_DIRECTIVES, { 'img-src': [media], 'connect-src': [media] });
  const dev = parse(origin.devServerUrl);
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:')) {
    const ws = `${dev.protocol === 'https:' ? 'wss' : 'ws'}://${dev.host}`;
    directives = extendCsp(directives, { 'connect-src': [dev.origin, ws] });
  }
  return buildCsp(directives);
}
