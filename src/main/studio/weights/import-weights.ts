import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import type { WeightsImport } from '../../../shared/api.ts';
import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../shared/errors.ts';
import { JobRunner } from '../jobs/job-runner.ts';
import type { BuiltinName } from '../../../shared/backbone-catalog.ts';
import { knownByFileName, knownByMd5 } from './known-weights.ts';
import { fileDigest, weightsDir } from './weights-cache.ts';

export type { WeightsImport as ImportResult };

/**
 * Copies a weights file the user already has (offline machines) into the
 * studio cache. An official file (md5 matches) goes in under its official
 * name and becomes that backbone's default. So does a file with the official
 * name of one Keras publishes no md5 for (MobileNetV2), once it loads into
 * that network. Any other file is accepted only if it loads into a built-in
 * backbone (checked in a worker; the one named, else each in turn), is
 * stored under imported/, and the result carries a warning.
 */
export async function importWeights(source: string, o: { runner?: JobRunner; env?: NodeJS.ProcessEnv; backbone?: BuiltinName } = {}): Promise<WeightsImport> {
  const env = o.env ?? process.env;
  const abs = path.resolve(source);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new StudioError('not-found', `file ${abs} does not exist`);
  const md5 = await fileDigest(abs, 'md5');
  let official = knownByMd5(md5);
  if (official && o.backbone && official.backbone !== o.backbone) {
    throw new StudioError('invalid-argument', `${abs} is the official ${official.id} file, not ${o.backbone} weights`);
  }
  let target: string;
  let warning: string | undefined;
  let backbone: BuiltinName;
  if (official) {
    target = path.join(weightsDir(env), official.fileName);
    backbone = official.backbone;
  } else {
    const byName = knownByFileName(path.basename(abs));
    const runner = o.runner ?? new JobRunner({ maxWorkers: 1, env });
    const want = o.backbone ?? byName?.backbone;
    try {
      const r = await runner.run('check-weights', { file: abs, backbone: want }, { label: `checking ${abs} against ${want ?? 'the built-in backbones'}` });
      backbone = r.backbone;
    } catch (e) {
      const msg = (e as Error).message;
      throw new StudioError('invalid-argument', `${abs} is not an official Keras weights file (md5 ${md5}) and does not load into ${want ?? 'any built-in backbone'}: ${msg}`);
    } finally {
      if (!o.runner) await runner.close();
    }
    if (byName && byName.backbone === backbone) {
      official = byName;
      target = path.join(weightsDir(env), byName.fileName);
    } else {
      target = path.join(weightsDir(env), 'imported', path.basename(abs).replace(/\.(h5|hdf5|keras)$/i, '') + '.h5');
      warning = `md5 ${md5} is not one of the official Keras weights files; it loads into ${backbone}, but its values are whatever it holds. Extract with backbone ${backbone} and weights file ${target} to use it`;
    }
  }
  if (path.resolve(target) !== abs) {
    writeFileAtomicSync(target, (tmp) => fs.copyFileSync(abs, tmp));
  }
  return { file: target, md5, bytes: fs.statSync(target).size, official: official?.id ?? null, backbone, ...(warning ? { warning } : {}) };
}
