import fs from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../shared/errors.ts';

/**
 * The shard files of a manifest, checked before any of them is read: each
 * path must be relative and stay inside the model's folder, also after
 * following symlinks (issue 9: '../../etc/passwd' was read as weights).
 */
export function shardFiles(file: string, manifest: unknown): string[] {
  const dir = path.dirname(file);
  if (manifest === undefined) return [];
  if (!Array.isArray(manifest)) throw new StudioError('invalid-argument', `model file ${file}: "weightsManifest" must be a list, found ${typeof manifest}`);
  const out: string[] = [];
  for (const [g, group] of manifest.entries()) {
    const paths = (group as { paths?: unknown })?.paths;
    if (!Array.isArray(paths)) throw new StudioError('invalid-argument', `model file ${file}: weightsManifest[${g}].paths must be a list of file names`);
    for (const p of paths) {
      if (typeof p !== 'string' || p === '' || path.isAbsolute(p) || /^[a-zA-Z]:|^[\\/]/.test(p) || p.split(/[\\/]/).includes('..')) {
        throw new StudioError('invalid-argument', `model file ${file}: weight shard path ${JSON.stringify(p)} leaves the model's folder; expected a file name inside ${dir}`);
      }
      const shard = path.resolve(dir, p);
      let real = shard;
      try {
        real = fs.realpathSync(shard);
      } catch {
        // Missing: reported when it is read.
      }
      const realDir = fs.realpathSync(dir);
      const rel = path.relative(realDir, real);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new StudioError('invalid-argument', `model file ${file}: weight shard ${p} is a link to ${real}, outside the model's folder ${realDir}`);
      }
      out.push(shard);
    }
  }
  return out;
}
