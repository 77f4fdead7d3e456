/**
 * Whether the Electron suite can run here, with no DOM or Playwright types so
 * that vitest.config.ts and the skip reporter can ask it too. Electron's binary
 * is absent where it cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The packaged app to test instead of the built tree, if any. */
export function packagedApp(): string | undefined {
  return process.env.XSTUDIO_ELECTRON_APP || undefined;
}

/** Path of Electron's binary from the electron package, or null when it was never downloaded. */
export function electronBinary(): string | null {
  try {
    // The electron package exports the binary's path, and throws when its download was skipped.
    const bin = createRequire(import.meta.url)('electron') as unknown;
    return typeof bin === 'string' && fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Null when the Electron suite can run here, else the one-line reason it cannot. Never throws. */
export function electronAbsent(): string | null {
  const packaged = packagedApp();
  if (packaged) return fs.existsSync(packaged) ? null : `the packaged app XSTUDIO_ELECTRON_APP=${packaged} does not exist`;
  if (!electronBinary()) return "Electron's binary is absent (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1)";
  if (!fs.existsSync(path.join(REPO_ROOT, 'out/main/index.js'))) return 'out/ is not built: run `npm run build` first';
  return null;
}

/** For the test files: null when they can run; throws when ELECTRON_E2E=1 demands they run and they cannot. */
export function electronReady(): string | null {
  const reason = electronAbsent();
  if (reason && process.env.ELECTRON_E2E === '1') throw new Error(`ELECTRON_E2E=1 but the Electron suite cannot run: ${reason}`);
  return reason;
}

