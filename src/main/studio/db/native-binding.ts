import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * better-sqlite3 is a native module compiled against one ABI. Node (CLI,
 * tests, browser mode) uses the build in node_modules. Electron needs a build
 * for its own ABI: `npm start` makes one with scripts/electron-native.mjs into
 * `.native/electron-<version>/better_sqlite3.node`, and inside Electron we
 * point better-sqlite3 at it, so both runtimes work from one install.
 * The packaged app carries that same build as `resources/native/better_sqlite3.node`
 * (electron-builder.config.cjs, extraResources), outside the asar archive.
 */
export function nativeBindingPath(
  versions: NodeJS.ProcessVersions = process.versions,
  repoRoot: string = findRepoRoot(),
  resourcesPath: string | undefined = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath,
): string | undefined {
  const electron = (versions as NodeJS.ProcessVersions & { electron?: string }).electron;
  if (!electron) return undefined;
  const candidates = [path.join(repoRoot, '.native', `electron-${electron}`, 'better_sqlite3.node')];
  if (resourcesPath) candidates.push(path.join(resourcesPath, 'native', 'better_sqlite3.node'));
  return candidates.find((c) => fs.existsSync(c));
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
