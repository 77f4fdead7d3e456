// The Electron entry: one window, locked down. Everything the studio does runs
// in the plain Node core (createStudio); this file only owns the window, its
// security (sandbox, CSP, no navigation), the xstudio-media: protocol and the
// IPC binding.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { MEDIA_PROTOCOL } from '../shared/api.ts';
import { bindStudioIpc } from './ipc.ts';
import { mediaContentType, parseMediaPath, REPORT_CSP } from './media-guard.ts';
import { PAGE_CSP } from './server.ts';
import { createStudio, type Studio } from './studio/studio-service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '../renderer/index.html');

// The studio's data (default project, recent projects) lives in the user's data folder.
if (!process.env.XSTUDIO_HOME) process.env.XSTUDIO_HOME = app.getPath('userData');

// Must run before the app is ready: xstudio-media: behaves like a secure standard scheme (fetch, <img>).
protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

let studio: Studio | null = null;

function isStudioPage(url: string | undefined): boolean {
  if (!url) return false;
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl && url.startsWith(devUrl)) return true;
  try {
    return url.startsWith('file://') && path.resolve(fileURLToPath(url.split(/[?#]/)[0])) === path.resolve(rendererIndex);
  } catch {
    return false;
  }
}

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
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No navigation away from the studio, no new windows: external links open in the browser.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    // A run's report opens in the system browser from its file.
    else if (url.startsWith(`${MEDIA_PROTOCOL}://media/report/`)) void openReport(url);
    return { action: 'deny' };
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(rendererIndex);
  return win;
}

async function openReport(url: string): Promise<void> {
  const request = parseMediaPath(url.slice(`${MEDIA_PROTOCOL}://media/`.length));
  const file = request && studio ? await studio.resolveMedia(request) : null;
  if (file) await shell.openPath(file);
}

/** xstudio-media://media/{thumb/<hash>|image/<id>|report/<runId>} → a file inside the project's allowed folders, else 404. */
function registerMediaProtocol(): void {
  protocol.handle(MEDIA_PROTOCOL, async (req) => {
    const url = new URL(req.url);
    const request = url.host === 'media' ? parseMediaPath(url.pathname) : null;
    const file = request && studio ? await studio.resolveMedia(request) : null;
    if (!request || !file) return new Response('not found', { status: 404 });
    const body = await fs.promises.readFile(file);
    const headers: Record<string, string> = { 'content-type': mediaContentType(file), 'x-content-type-options': 'nosniff' };
    if (request.kind === 'report') headers['content-security-policy'] = REPORT_CSP;
    return new Response(body, { status: 200, headers });
  });
}

/** The same strict CSP as browser mode, plus the media scheme for images. */
function installCsp(): void {
  const csp = PAGE_CSP.replace("img-src 'self' data: blob:", `img-src 'self' data: blob: ${MEDIA_PROTOCOL}:`).replace(
    "connect-src 'self'",
    `connect-src 'self' ${MEDIA_PROTOCOL}:`,
  );
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

void app.whenReady().then(async () => {
  installCsp();
  registerMediaProtocol();
  // First launch: the default project in the user's data folder, so the first thing to do is import a folder;
  // later launches reopen the last project.
  studio = await createStudio({ transport: 'electron', version: app.getVersion(), reopenLast: true });
  bindStudioIpc(ipcMain, studio, () => BrowserWindow.getAllWindows().map((w) => w.webContents), {
    isTrustedSender: (event) => isStudioPage(event.senderFrame?.url),
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('will-quit', () => {
  void studio?.close();
});
