// The plain policy functions index.ts and ipc.ts run. Attacks, one per test,
// are in test/security/electron-shell.test.ts; this file checks the builders.
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, buildCsp, electronPageCsp, extendCsp, isStudioUrl, PAGE_CSP_DIRECTIVES } from './security-policy.ts';
import { PAGE_CSP } from './server.ts';

/** Parses a policy back into directives, to assert on parts rather than on substrings. */
function parseCsp(csp: string): Record<string, string[]> {
  return Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
}

describe('CSP builder', () => {
  it('serialises directives in order, and browser mode serves exactly those', () => {
    expect(buildCsp({ 'default-src': ["'self'"], 'img-src': ["'self'", 'data:'] })).toBe("default-src 'self'; img-src 'self' data:");
    expect(parseCsp(PAGE_CSP)).toEqual(PAGE_CSP_DIRECTIVES);
  });

  it('extends without duplicates and without touching the base', () => {
    const out = extendCsp(PAGE_CSP_DIRECTIVES, { 'img-src': ["'self'", 'x:'], 'worker-src': ["'none'"] });
    expect(out['img-src']).toEqual(["'self'", 'data:', 'blob:', 'x:']);
    expect(out['worker-src']).toEqual(["'none'"]);
    expect(PAGE_CSP_DIRECTIVES['img-src']).toEqual(["'self'", 'data:', 'blob:']);
  });

  it('refuses a source that would inject a directive', () => {
    expect(() => buildCsp({ 'img-src': ["'self'; script-src *"] })).toThrow(/invalid token/);
    expect(() => buildCsp({ 'img-src': ['a, b'] })).toThrow(/invalid token/);
    expect(() => buildCsp({ 'img-src': [''] })).toThrow(/invalid token/);
  });

  it("Electron's policy adds only the media scheme, and the dev server's own origin under npm run dev", () => {
    const prod = parseCsp(electronPageCsp());
    expect(prod['img-src']).toEqual(["'self'", 'data:', 'blob:', 'xstudio-media:']);
    expect(prod['connect-src']).toEqual(["'self'", 'xstudio-media:']);
    expect(prod['script-src']).toEqual(["'self'"]);
    expect(prod['frame-ancestors']).toEqual(["'none'"]);
    const dev = parseCsp(electronPageCsp({ devServerUrl: 'http://localhost:5173/' }));
    expect(dev['connect-src']).toEqual(["'self'", 'xstudio-media:', 'http://localhost:5173', 'ws://localhost:5173']);
    for (const policy of [prod, dev]) {
      expect(policy['connect-src']).not.toContain('ws:');
      expect(policy['connect-src']).not.toContain('wss:');
      expect(policy['script-src']).not.toContain("'unsafe-eval'");
    }
  });
});

describe('studio origin', () => {
  it('is the app scheme page, and the dev server only when named', () => {
    expect(isStudioUrl(APP_ENTRY_URL)).toBe(true);
    expect(isStudioUrl('xstudio://app/assets/index-abc.js')).toBe(true);
    expect(isStudioUrl('http://localhost:5173/')).toBe(false);
    expect(isStudioUrl('http://localhost:5173/', { devServerUrl: 'http://localhost:5173' })).toBe(true);
    expect(isStudioUrl('http://localhost:51730/', { devServerUrl: 'http://localhost:5173' })).toBe(false);
    expect(isStudioUrl('file:///x/out/renderer/index.html', { devServerUrl: 'file:///x/out/renderer/index.html' })).toBe(false);
    expect(isStudioUrl('not a url')).toBe(false);
    expect(isStudioUrl(undefined)).toBe(false);
  });
});
