import path from 'node:path';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import { rootsLongestFirst } from '../db/image-store.ts';
import { countStillIn, existingImageIds, imagesUnderFolder, removeImageRows } from '../db/removal-store.ts';
import { defaultActor } from '../labels/actor.ts';
import { beginEntry } from '../labels/history.ts';
import type { Project } from '../project.ts';
import { plural } from '../../../shared/words.ts';

export interface RemoveImagesOutcome {
  /** Images taken out of the project now (already removed ones are not counted). */
  removed: number;
  historyId: number | null;
  description: string;
}

/**
 * Takes images out of the project — never off the disk — as one undoable
 * history entry: by id (a gallery selection) or by folder (an imported
 * folder, a subfolder of one, or a folder holding several imported ones).
 * Their labels, split memberships and run records stay, so undo (or
 * importing the folder again) brings them back as they were.
 */
export function removeImages(project: Project, request: { ids?: readonly number[]; folder?: string }, opts: { actor?: string } = {}): RemoveImagesOutcome {
  const db = project.db;
  if ((request.ids === undefined) === (request.folder === undefined)) throw invalidArgument('give either image ids or a folder to remove from the project', 'ids');
  return db.transaction(() => {
    let ids: readonly number[];
    let description: (n: number) => string;
    if (request.folder !== undefined) {
      const folder = path.resolve(request.folder);
      ids = imagesOfFolder(project, folder);
      description = (n) => `remove folder ${folder} from the project (${plural(n, 'image')})`;
    } else {
      ids = request.ids!;
      const known = new Set(existingImageIds(db, ids));
      const unknown = ids.filter((i) => !known.has(i));
      if (unknown.length) throw notFound(`no image with id ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`, 'ids');
      description = (n) => `remove ${plural(n, 'image')} from the project`;
    }
    const n = countStillIn(db, ids);
    // Nothing left to remove: no history entry, and the redo stack stays.
    if (n === 0) return { removed: 0, historyId: null, description: description(0) };
    const h = beginEntry(db, { actor: opts.actor ?? defaultActor(), action: 'remove-images', description: description(n) });
    removeImageRows(db, h, ids);
    return { removed: n, historyId: h, description: description(n) };
  }).immediate();
}

/** Image ids of every imported folder at or inside `folder`, or of the part of one imported folder under it. */
function imagesOfFolder(project: Project, folder: string): number[] {
  const roots = rootsLongestFirst(project.db);
  const ids: number[] = [];
  let matched = false;
  for (const r of roots) {
    if (r.path === folder || r.path.startsWith(folder + path.sep)) {
      matched = true;
      ids.push(...imagesUnderFolder(project.db, r.id, ''));
    } else if (folder.startsWith(r.path + path.sep)) {
      matched = true;
      ids.push(...imagesUnderFolder(project.db, r.id, folder.slice(r.path.length + 1).split(path.sep).join('/')));
    }
  }
  if (!matched) throw notFound(`${folder} is not an imported folder, nor inside one, nor holding one`, 'folder');
  return ids;
}

