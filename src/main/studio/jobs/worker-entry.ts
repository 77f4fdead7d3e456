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
 * input) with Electron's binary acting as Node.
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
    const file = path.join(dir, 'worker.js');
    if (fs.existsSync(file)) return { file, execArgv: [], env };
  }
  return { file: path.join(path.dirname(here), 'worker.js'), execArgv: [], env };
}
