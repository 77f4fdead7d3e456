import type { WeightsImport } from '../../../shared/api.ts';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/errors.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import { knownByMd5 } from './known-weights.ts';
import { fileDigest, weightsDir } from './weights-cache.ts';

export type { WeightsImport as ImportResult };

/**
 * Copies a weights file the user already has (offline machines) into the
 * studio cache. An official file (md5 matches) goes in under its official
 * name and becomes the default. Any other file is accepted only if it loads
 * into Xception (checked in a worker), is stored under imported/, and the
 * result carries a warning.
 */
export async function importWeights(source: string, o: { runner?: JobRunner; env?: NodeJS.ProcessEnv } = {}): Promise<WeightsImport> {
  const env = o.env ?? process.env;
  const abs = path.resolve(source);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new StudioError('not-found', `file ${abs} does not exist`);
  const md5 = await fileDigest(abs, 'md5');
  const official = knownByMd5(md5);
  let target: string;
  let warning: string | undefined;
  if (official) {
    target = path.join(weightsDir(env), official.fileName);
  } else {
    const runner = o.runner ?? new JobRunner({ maxWorkers: 1, env });
    try {
      await runner.run('check-weights', { file: abs }, { label: `checking ${abs} against Xception` });
    } catch (e) {
      const msg = (e as Error).message;
      throw new StudioError('invalid-argument', `${abs} is not an official Keras Xception file (md5 ${md5}) and does not load into Xception: ${msg}`);
    } finally {
      if (!o.runner) await runner.close();
    }
    target = path.join(weightsDir(env), 'imported', path.basename(abs).replace(/\.(h5|hdf5|keras)$/i, '') + '.h5');
    warning = `md5 ${md5} is not one of the official Keras Xception files; it loads into Xception, but its values are whatever it holds. Use it with --weights ${target}`;
  }
  if (path.resolve(target) !== abs) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.import-${process.pid}`;
    fs.copyFileSync(abs, tmp);
    fs.renameSync(tmp, target);
  }
  return { file: target, md5, bytes: fs.statSync(target).size, official: official?.id ?? null, ...(warning ? { warning } : {}) };
}
