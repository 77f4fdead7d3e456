/**
 * Electron end-to-end harness: launches the real desktop app with
 * playwright-core's `_electron` — the built tree (`electron .` on out/) or,
 * with XSTUDIO_ELECTRON_APP=<executable>, a packaged app (asar, fuses) — on a
 * throw-away data folder, and gives the tests its first window.
 *
 * Electron's binary is absent where it cannot be downloaded (installed with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1): `electronAbsent()` says why, and the suite
 * is left out with one line (vitest.config.ts + skip-reporter.ts). ELECTRON_E2E=1
 * (set by `npm run test:electron`, so on CI) turns that absence into a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { packagedApp, REPO_ROOT } from './presence.ts';

export { electronAbsent, electronReady, REPO_ROOT } from './presence.ts';
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'electron');

export interface LaunchedStudio {
  app: ElectronApplication;
  page: Page;
  /** The throw-away studio data folder (XSTUDIO_HOME): the default project is created in it. */
  home: string;
  defaultProject: string;
  /** Closes the window the way a user does and waits for the process to exit; returns its exit code. */
  closeWindow(): Promise<number | null>;
}

export async function launchStudio(): Promise<LaunchedStudio> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-electron-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // A run-as-node flag inherited from a parent would start Node instead of the app.
  delete env.ELECTRON_RUN_AS_NODE;
  Object.assign(env, { XSTUDIO_HOME: path.join(home, 'data'), XSTUDIO_CACHE: path.join(home, 'cache'), XSTUDIO_BACKEND: process.env.XSTUDIO_BACKEND ?? 'wasm' });
  const packaged = packagedApp();
  // Playwright passes --no-sandbox on Linux unless told otherwise: the suite checks the real
  // sandbox (CI allows the user namespaces it needs; XSTUDIO_E2E_NO_SANDBOX=1 where they are not).
  const chromiumSandbox = process.env.XSTUDIO_E2E_NO_SANDBOX !== '1';
  const app = await _electron.launch(
    packaged
      ? { executablePath: packaged, args: [], env, chromiumSandbox, timeout: 60_000 }
      : // Without executablePath Playwright starts the electron package's binary with its loader, on out/.
        { args: [REPO_ROOT], cwd: REPO_ROOT, env, chromiumSandbox, timeout: 60_000 },
  );
  app.process().stderr?.on('data', (d: Buffer) => process.env.XSTUDIO_DEBUG && process.stderr.write(d));
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  const exited = new Promise<number | null>((resolve) => app.process().once('exit', (code) => resolve(code)));
  return {
    app,
    page,
    home,
    defaultProject: path.join(home, 'data', 'default.xstudio'),
    async closeWindow() {
      // As a user does: the window's close button; on macOS closing the last window keeps
      // the app running (the platform's convention), so there the user then quits it.
      // The process may be gone before the reply arrives: that is the point, so no error.
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close()).catch(() => {});
      if (process.platform === 'darwin') await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => {});
      return exited;
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`) });
}

/** Loads a URL as an <img> in the page: its natural size, or null when it did not load. */
export function loadImageInPage(page: Page, url: string): Promise<{ width: number; height: number } | null> {
  return page.evaluate(
    (src) =>
      new Promise<{ width: number; height: number } | null>((resolve) => {
        const img = new Image();
        img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
        img.onerror = () => resolve(null);
        img.src = src;
      }),
    url,
  );
}
