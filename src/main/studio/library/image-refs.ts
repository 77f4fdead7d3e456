import path from 'node:path';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import type { Project } from '../project.ts';
import { imageExists, imageIdAt, imageIdsWithRelPath, rootsLongestFirst } from '../db/image-store.ts';

/**
 * Turns what a user typed (image ids, absolute or relative file paths, or
 * paths relative to an imported folder) into image ids; the error names each
 * reference that matches nothing.
 */
export function resolveImageRefs(project: Project, refs: string[]): number[] {
  const db = project.db;
  const roots = rootsLongestFirst(db);
  const ids: number[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    if (/^\d+$/.test(ref)) {
      if (imageExists(db, Number(ref))) ids.push(Number(ref));
      else unknown.push(ref);
      continue;
    }
    const abs = path.resolve(ref);
    let found: number | undefined;
    for (const root of roots) {
      if (abs.startsWith(root.path + path.sep)) {
        const rel = abs.slice(root.path.length + 1).split(path.sep).join('/');
        found = imageIdAt(db, root.id, rel);
        if (found !== undefined) break;
      }
    }
    if (found === undefined) {
      const matches = imageIdsWithRelPath(db, ref.replace(/\\/g, '/').replace(/^\.\//, ''));
      if (matches.length > 1) throw invalidArgument(`"${ref}" names images in more than one imported folder; give an absolute path or an image id`);
      found = matches[0];
    }
    if (found === undefined) unknown.push(ref);
    else ids.push(found);
  }
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((u) => `"${u}"`).join(', ');
    throw notFound(`${unknown.length} image reference(s) match no image of the project: ${shown}${unknown.length > 5 ? ', …' : ''} (give image ids or paths of imported files)`);
  }
  return [...new Set(ids)];
}
