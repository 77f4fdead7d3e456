import path from 'node:path';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import type { Project } from '../project.ts';

/**
 * Turns what a user typed (image ids, absolute or relative file paths, or
 * paths relative to an imported folder) into image ids; the error names each
 * reference that matches nothing.
 */
export function resolveImageRefs(project: Project, refs: string[]): number[] {
  const db = project.db;
  const roots = db.prepare('SELECT id, path FROM roots ORDER BY length(path) DESC').all() as { id: number; path: string }[];
  const byId = db.prepare('SELECT id FROM images WHERE id = ?');
  const byRootRel = db.prepare('SELECT id FROM images WHERE root_id = ? AND rel_path = ?');
  const byRel = db.prepare('SELECT id FROM images WHERE rel_path = ? LIMIT 2');
  const ids: number[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    if (/^\d+$/.test(ref)) {
      const r = byId.get(Number(ref)) as { id: number } | undefined;
      if (r) ids.push(r.id);
      else unknown.push(ref);
      continue;
    }
    const abs = path.resolve(ref);
    let found: number | undefined;
    for (const root of roots) {
      if (abs.startsWith(root.path + path.sep)) {
        const rel = abs.slice(root.path.length + 1).split(path.sep).join('/');
        found = (byRootRel.get(root.id, rel) as { id: number } | undefined)?.id;
        if (found !== undefined) break;
      }
    }
    if (found === undefined) {
      const matches = byRel.all(ref.replace(/\\/g, '/').replace(/^\.\//, '')) as { id: number }[];
      if (matches.length > 1) throw invalidArgument(`"${ref}" names images in more than one imported folder; give an absolute path or an image id`);
      found = matches[0]?.id;
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
