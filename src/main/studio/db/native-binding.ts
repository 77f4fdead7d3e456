import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * better-sqlite3 is a native module compiled against one ABI. Node (CLI,
 * tests, browser mode) uses the build in node_modules. Electron needs a build
 * for its own ABI: `npm start` makes one with scripts/electron-native.mjs into
 * `.native/electron-<version>/better_sqlite3.node`, and inside Electron we
 * point better-sqlite3 at it, so both runtimes work from one install.
 */
export function nativeBindingPath(
  versions: NodeJS.ProcessVersions = process.versions,
  repoRoot: string = findRepoRoot(),
): string | undefined {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron;
  if (!electron) return undefined;
  const candidate = path.join(repoRoot, '.native', `electron-${electron}`, 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
