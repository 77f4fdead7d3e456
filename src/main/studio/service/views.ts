/**
 * Read-only views of the project in the contract's shapes (classes, history
 * position, splits, status). Plain SQL reads over the foundation schema and the
 * core's own readers; the writes all happen in the core.
 */
import type { ClassInfo, GalleryItem, GalleryPage, HistoryState, ProjectStatus, RootInfo } from '../../../shared/api.ts';
import type { ImagePage, ImageRecord } from '../library/image-query.ts';
import { listClasses } from '../labels/classes.ts';
import { listSplits } from '../splits/split-service.ts';
import type { Db } from '../db/project-db.ts';
import type { Project } from '../project.ts';
import { projectName } from './recent-projects.ts';

export function classesOf(db: Db): ClassInfo[] {
  return listClasses(db).map((c, position) => ({ id: c.id, name: c.name, position, count: c.count }));
}

/** An image of the core's image list as the gallery shows it. */
export function galleryItemOf(r: ImageRecord): GalleryItem {
  return {
    id: r.id, name: r.path, hash: r.hash, width: r.width, height: r.height, status: r.status, error: r.error,
    label: r.class, labelSource: r.labelSource, duplicates: Math.max(0, r.copies - 1), part: r.part,
    prediction: r.prediction, suspect: r.suspect,
  };
}

export function galleryPageOf(p: ImagePage): GalleryPage {
  return { total: p.total, offset: p.offset, images: p.images.map(galleryItemOf), runId: p.runId };
}

export function historyStateOf(db: Db): HistoryState {
  const undo = db.prepare('SELECT id, description FROM label_history WHERE undone = 0 ORDER BY id DESC LIMIT 1').get() as { id: number; description: string } | undefined;
  const redo = db.prepare('SELECT description FROM label_history WHERE undone = 1 ORDER BY id ASC LIMIT 1').get() as { description: string } | undefined;
  return { canUndo: !!undo, canRedo: !!redo, undoDescription: undo?.description ?? null, redoDescription: redo?.description ?? null, position: undo?.id ?? 0 };
}

export function rootsOf(db: Db): RootInfo[] {
  return (db.prepare(`SELECT r.id, r.path, r.label_source AS labelSource, r.imported_at AS importedAt, count(i.id) AS images
                      FROM roots r LEFT JOIN images i ON i.root_id = r.id AND i.status != 'removed' GROUP BY r.id
                      -- A folder whose every image was removed is out of the project too (an empty import stays listed).
                      HAVING count(i.id) > 0 OR NOT EXISTS (SELECT 1 FROM images x WHERE x.root_id = r.id) ORDER BY r.id`).all() as RootInfo[]);
}

/**
 * Images by status and content: one pass over images_status (counts by status)
 * and one over images_hash (copies and distinct healthy contents), both
 * covering indexes, instead of a GROUP BY plus a count(DISTINCT) sort.
 */
function imageCounts(db: Db): ProjectStatus['images'] & { okContents: number } {
  const byStatus = db.prepare(`SELECT count(*) AS total,
      coalesce(sum(status = 'ok'), 0) AS ok, coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(status = 'missing'), 0) AS missing,
      (SELECT count(*) FROM labels l JOIN images li ON li.id = l.image_id AND li.status != 'removed') AS labelled,
      (SELECT count(*) FROM images u WHERE u.status = 'ok' AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = u.id)) AS unlabelled
      FROM images WHERE status != 'removed'`).get() as { total: number; ok: number; failed: number; missing: number; labelled: number; unlabelled: number };
  // Per content hash: healthy copies beyond the first (as the import summary counts them; two
  // files broken the same way are not duplicates anyone can use), and whether a healthy copy exists.
  const contents = db.prepare(`SELECT coalesce(sum(max(healthy - 1, 0)), 0) AS duplicates, coalesce(sum(healthy > 0), 0) AS okContents FROM (
      SELECT sum(status = 'ok') AS healthy FROM images WHERE hash IS NOT NULL GROUP BY hash)`).get() as { duplicates: number; okContents: number };
  return { ...byStatus, duplicates: contents.duplicates, okContents: contents.okContents };
}

/** Distinct contents with a healthy copy: the thumbnails a complete cache holds. */
export function healthyContents(db: Db): number {
  return (db.prepare(`SELECT coalesce(sum(healthy > 0), 0) AS n FROM (SELECT sum(status = 'ok') AS healthy FROM images WHERE hash IS NOT NULL GROUP BY hash)`).get() as { n: number }).n;
}

/**
 * What the status reads from the database, kept until the database changes:
 * `total_changes()` moves with every write of this connection and
 * `PRAGMA data_version` with every commit of another one (a CLI in another
 * process), so a status asked twice without a change in between (the app's
 * start, a page opened again, polling) costs two pragma reads.
 */
const statusCache = new WeakMap<Db, { key: string; value: Omit<ProjectStatus, 'file' | 'name' | 'isDefault' | 'thumbnails'> & { okContents: number } }>();

function changeKey(db: Db): string {
  const own = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  return `${db.pragma('data_version', { simple: true }) as number}:${own}`;
}

export function projectStatusOf(project: Project, isDefault: boolean, thumbnailsReady: (project: Project) => number): ProjectStatus {
  const db = project.db;
  const key = changeKey(db);
  let cached = statusCache.get(db);
  if (!cached || cached.key !== key) {
    const { okContents, ...images } = imageCounts(db);
    cached = { key, value: { images, okContents, classes: classesOf(db), splits: listSplits({ db }), roots: rootsOf(db), history: historyStateOf(db) } };
    statusCache.set(db, cached);
  }
  const { okContents, ...rest } = cached.value;
  return {
    file: project.file,
    name: projectName(project.file),
    isDefault,
    ...structuredClone(rest),
    thumbnails: { ready: Math.min(thumbnailsReady(project), okContents), total: okContents },
  };
}
