import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerEntry {
  /** The module to fork. */
  file: string;
  /** Node options for the child (the tsx loader when running from sources). */
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Where the ML worker lives. From sources (the CLI through tsx, vitest) this
 * module's URL ends in .ts: fork src/main/ml/worker.ts with the tsx loader.
 * In the Electron bundle, fork out/main/worker.js (built as a second main
 * input) with Electron's binary acting as Node. In the packaged app that file
 * is unpacked from the asar archive (with node_modules): the worker is forked
 * from `app.asar.unpacked`, so it and its imports load as plain files.
 */
export function resolveWorkerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  const here = fileURLToPath(moduleUrl);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (here.endsWith('.ts')) {
    const file = path.resolve(path.dirname(here), '../../ml/worker.ts');
    // An absolute URL: the child may run with any cwd.
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return { file, execArgv: ['--import', tsx], env };
  }
  if ((process.versions as NodeJS.ProcessVersions & { electron?: string }).electron) env.ELECTRON_RUN_AS_NODE = '1';
  // The bundler may place this code in out/main/ or in a chunk folder below it.
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const file = unpackedPath(path.join(dir, 'worker.js'));
    if (fs.existsSync(file)) return { file, execArgv: [], env };
  }
  return { file: path.join(path.dirname(here), 'worker.js'), execArgv: [], env };
}

/** `…/app.asar/out/main/worker.js` → `…/app.asar.unpacked/out/main/worker.js` when that real file exists. */
export function unpackedPath(file: string, exists: (p: string) => boolean = fs.existsSync): string {
  const marker = `${path.sep}app.asar${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return file;
  const unpacked = `${file.slice(0, at)}${path.sep}app.asar.unpacked${path.sep}${file.slice(at + marker.length)}`;
  return exists(unpacked) ? unpacked : file;
}
