/**
 * End-to-end harness: browser mode (`xstudio serve`) on a temporary project
 * with images generated here, driven by Debian's Chromium through
 * playwright-core. Used by every test/e2e/*.test.ts.
 *
 *   const studio = await startStudio({ images: { perClass: 6 } });
 *   const browser = await launchBrowser();
 *   const page = await openStudioPage(browser, studio);   // authenticated through the token URL
 *   await studio.api('importFolder', { folder: studio.imagesDir, labelSource: 'folder' });
 *   await screenshot(page, 'gallery');                    // test-results/gallery.png
 *   await browser.close(); await studio.stop();
 *
 * Needs `npm run build` first (the server serves out/renderer) and
 * /usr/bin/chromium (`apt-get install -y chromium`); `e2eReady()` says what is
 * missing so tests can skip with the reason instead of failing obscurely.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { CallInput, CallName, CallOutput } from '../../src/shared/api.ts';
import { writeImage, type Rgb } from '../helpers/make-images.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
export const CHROMIUM = process.env.XSTUDIO_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Null when e2e tests can run, else why not (for `describe.skipIf`). */
export function e2eReady(): string | null {
  let missing: string | null = null;
  if (!fs.existsSync(path.join(REPO_ROOT, 'out/renderer/index.html'))) missing = 'out/renderer is not built: run `npm run build` first';
  else if (!fs.existsSync(CHROMIUM)) missing = `${CHROMIUM} is missing: apt-get install -y chromium`;
  // `npm test` (and so CI) sets XSTUDIO_REQUIRE_E2E: there a missing browser or build is a failure, not a skip.
  if (missing && process.env.XSTUDIO_REQUIRE_E2E) throw new Error(`end-to-end tests cannot run: ${missing}`);
  return missing;
}

export interface ClassImages {
  /** Class name → base colour. Default: red and blue, easy to tell apart even for a random backbone. */
  classes?: Record<string, Rgb>;
  perClass?: number;
  /** Square size in pixels (default 48). */
  size?: number;
  /** Lay images out as `<class>/<class>.<n>.jpg` (default) or flat `<class>.<n>.jpg`. */
  layout?: 'folders' | 'flat';
}

/**
 * Writes labelled JPEGs: each class a base colour with per-image jitter, so
 * every file has distinct content. Returns the written paths.
 */
export async function writeClassImages(dir: string, o: ClassImages = {}): Promise<string[]> {
  const classes = o.classes ?? { red: [200, 40, 40], blue: [40, 60, 200] };
  const perClass = o.perClass ?? 6;
  const size = o.size ?? 48;
  const out: string[] = [];
  for (const [name, base] of Object.entries(classes)) {
    for (let i = 0; i < perClass; i++) {
      const jitter = (k: number): number => Math.max(0, Math.min(255, base[k] + ((i * 37 + k * 11) % 41) - 20));
      const rel = o.layout === 'flat' ? `${name}.${i}.jpg` : `${name}/${name}.${i}.jpg`;
      out.push(await writeImage(path.join(dir, rel), { width: size, height: size, color: [jitter(0), jitter(1), jitter(2)] }));
    }
  }
  return out;
}

export interface StartOptions {
  /** Generate labelled images into `imagesDir` (not imported: the test imports them, by UI or API). */
  images?: ClassImages | false;
  /** Use this project file instead of a new one in the temp folder. */
  projectFile?: string;
  /** Extra environment (XSTUDIO_BACKEND, …). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the printed address (default 60 s: tsx compiles on first start). */
  startTimeoutMs?: number;
}

export interface RunningStudio {
  /** http://127.0.0.1:PORT/ */
  baseUrl: string;
  /** The printed address with ?token=… */
  tokenUrl: string;
  token: string;
  port: number;
  tempDir: string;
  projectFile: string;
  imagesDir: string;
  /** XSTUDIO_HOME / XSTUDIO_CACHE of the server. */
  env: NodeJS.ProcessEnv;
  /** Calls the API over HTTP with the token (for test set-up and checks); rejects with the server's error message. */
  api<K extends CallName>(call: K, input?: CallInput<K>): Promise<CallOutput<K>>;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `xstudio serve` on a free port with a temporary project, studio home and cache. */
export async function startStudio(o: StartOptions = {}): Promise<RunningStudio> {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-e2e-'));
  const imagesDir = path.join(tempDir, 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  if (o.images !== false) await writeClassImages(imagesDir, o.images ?? {});
  const projectFile = o.projectFile ?? path.join(tempDir, 'project.xstudio');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XSTUDIO_HOME: path.join(tempDir, 'home'),
    XSTUDIO_CACHE: path.join(tempDir, 'cache'),
    ...o.env,
  };
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/xstudio.mjs'), 'serve', '--project', projectFile, '--port', '0'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr += d;
  });
  child.stdout!.resume();

  const tokenUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`xstudio serve printed no address within ${o.startTimeoutMs ?? 60_000} ms. stderr:\n${stderr}`)), o.startTimeoutMs ?? 60_000);
    const onData = (): void => {
      const m = /open (http:\/\/\S+\?token=[0-9a-f]+)/.exec(stderr);
      if (m) done(null, m[1]);
    };
    const onExit = (code: number | null): void => done(new Error(`xstudio serve exited with code ${code} before printing its address. stderr:\n${stderr}`));
    function done(err: Error | null, url?: string): void {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve(url!);
    }
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
  const url = new URL(tokenUrl);
  const token = url.searchParams.get('token')!;
  const baseUrl = `${url.protocol}//${url.host}/`;

  return {
    baseUrl,
    tokenUrl,
    token,
    port: Number(url.port),
    tempDir,
    projectFile,
    imagesDir,
    env,
    async api(call, input) {
      const res = await fetch(`${baseUrl}api/${call}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input ?? {}),
      });
      const body = (await res.json()) as { error?: { message: string; code: string } };
      if (!res.ok) throw Object.assign(new Error(`${call}: HTTP ${res.status}: ${body.error?.message}`), { status: res.status, code: body.error?.code });
      return body as never;
    },
    stderr: () => stderr,
    stop: () => stopChild(child, tempDir),
  };
}

async function stopChild(child: ChildProcess, tempDir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(tempDir, { recursive: true, force: true });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface StudioPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and page errors seen so far (a test can assert there are none). */
  errors: string[];
}

/** Opens the studio in a new context through its token URL (which sets the cookie), and waits for the app to mount. */
export async function openStudioPage(browser: Browser, studio: RunningStudio, viewport = { width: 1400, height: 900 }): Promise<StudioPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(studio.tokenUrl);
  await page.waitForSelector('#app > *', { timeout: 90_000 });
  return { page, context, errors };
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Imports a folder through the Projects view's dialog as a user does (open the
 * dialog, type the path, wait for its sub-folder `expectEntry`, start) and
 * returns the text of the import summary once it shows.
 */
export async function importThroughDialog(page: Page, folder: string, expectEntry: string): Promise<string> {
  await page.click('[data-testid="open-import"]');
  await page.waitForSelector('.folder-browser .entries');
  await page.fill('input[aria-label="Folder path"]', folder);
  await page.press('input[aria-label="Folder path"]', 'Enter');
  await page.waitForSelector(`.folder-browser .entry:has-text("${expectEntry}")`);
  await page.click('[data-testid="start-import"]');
  const summary = page.locator('[data-testid="import-summary"]');
  await summary.waitFor({ timeout: 60_000 });
  return (await summary.textContent()) ?? '';
}
