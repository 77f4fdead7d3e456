// The Electron entry: one window, locked down. Everything the studio does runs
// in the plain Node core (createStudio); this file only wires Electron to the
// plain decisions of security-policy.ts (sender, navigation, window.open,
// openExternal, permissions, CSP) and the handlers of app-protocol.ts (the page
// on xstudio://app/, media on xstudio-media://), so what the tests check is
// what runs here.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session, shell, type WebContents } from 'electron';
import { MEDIA_PROTOCOL } from '../shared/api.ts';
import { createAppHandler, createMediaHandler } from './app-protocol.ts';
import { bindStudioIpc } from './ipc.ts';
import { parseMediaPath } from './media-guard.ts';
import {
  allowPermission, APP_ENTRY_URL, APP_SCHEME, electronPageCsp, isStudioUrl, navigationGuard, windowOpenHandler, type StudioOrigin,
} from './security-policy.ts';
import { unpackedPath } from './studio/jobs/worker-entry.ts';
import { createStudio, type Studio } from './studio/studio-service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
// In the packaged app out/ is unpacked beside app.asar: serve the real files (realpath-checked by app-protocol.ts).
const rendererDir = unpackedPath(path.join(here, '../renderer'));

// The dev server is trusted only when running from sources (`npm run dev`), never in a packaged app.
const origin: StudioOrigin = { devServerUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL };
const csp = electronPageCsp(origin);

// The studio's data (default project, recent projects) lives in the user's data folder.
if (!process.env.XSTUDIO_HOME) process.env.XSTUDIO_HOME = app.getPath('userData');

// Must run before the app is ready. Both schemes behave like secure standard
// origins (fetch, ES modules, <img>); the page gets its own origin instead of file://.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

let studio: Studio | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    title: 'Xception Studio',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(origin.devServerUrl ?? APP_ENTRY_URL);
  return win;
}

/** Every web contents (the window, and anything that ever appears) gets the same navigation rules. */
function lockDown(contents: WebContents): void {
  const openExternal = (url: string): void => void shell.openExternal(url);
  contents.on('will-navigate', navigationGuard(origin, openExternal, true));
  contents.on('will-frame-navigate', navigationGuard(origin, openExternal, false));
  contents.on('will-redirect', navigationGuard(origin, openExternal, false));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler(openExternal, (url) => void openReport(url)));
}

/** A run's report opens in the system browser from its file (the media guard resolves it). */
async function openReport(url: string): Promise<void> {
  const request = parseMediaPath(new URL(url).pathname);
  const file = request && studio ? await studio.resolveMedia(request) : null;
  if (file) await shell.openPath(file);
}

function installSessionPolicy(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => callback(allowPermission(permission, details.requestingUrl, origin)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => allowPermission(permission, requestingOrigin, origin));
  ses.setDevicePermissionHandler(() => false);
  // The app scheme's handler sets the CSP itself; the dev server's pages get it here.
  ses.webRequest.onHeadersReceived((details, callback) => {
    const page = (details.resourceType === 'mainFrame' || details.resourceType === 'subFrame') && isStudioUrl(details.url, origin);
    if (!page) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  protocol.handle(APP_SCHEME, createAppHandler(rendererDir, csp));
  protocol.handle(MEDIA_PROTOCOL, createMediaHandler((request, signal) => (studio ? studio.resolveMedia(request, signal) : Promise.resolve(null))));
}

app.on('web-contents-created', (_event, contents) => lockDown(contents));

void app.whenReady().then(async () => {
  installSessionPolicy();
  // First launch: the default project in the user's data folder, so the first thing to do is import a folder;
  // later launches reopen the last project.
  studio = await createStudio({ transport: 'electron', version: app.getVersion(), reopenLast: true });
  // Events go only to the studio's own pages; calls from anything else are refused by ipc.ts.
  const studioPages = (): WebContents[] => BrowserWindow.getAllWindows().map((w) => w.webContents).filter((wc) => !wc.isDestroyed() && isStudioUrl(wc.getURL(), origin));
  bindStudioIpc(ipcMain, studio, studioPages, { origin });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Quit waits for the project to close (jobs cancelled, workers ended, the
// SQLite file checkpointed), then quits for real.
let closing: Promise<void> | null = null;
app.on('will-quit', (event) => {
  if (!studio) return;
  event.preventDefault();
  closing ??= studio
    .close()
    .catch((err: unknown) => console.error(`xstudio: closing the project failed: ${(err as Error)?.stack ?? String(err)}`))
    .finally(() => {
      studio = null;
      app.quit();
    });
});
