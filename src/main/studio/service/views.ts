/**
 * Read-only views of the project in the contract's shapes (classes, history
 * position, splits, status), read through the stores (studio/db/) and the
 * core's own readers; the writes all happen in the core.
 */
import type { ClassInfo, GalleryItem, GalleryPage, HistoryState, ProjectStatus, RootInfo } from '../../../shared/api.ts';
import type { ImagePage, ImageRecord } from '../library/image-query.ts';
import { listClasses } from '../labels/classes.ts';
import { listSplits } from '../splits/split-service.ts';
import { changeCounter, type Db } from '../db/project-db.ts';
import { nextEntryDescription } from '../db/label-store.ts';
import { healthyContentCount, imageStatusCounts, listRoots } from '../db/image-store.ts';
import type { Project } from '../project.ts';
import { projectName } from './recent-projects.ts';

export function classesOf(db: Db): ClassInfo[] {
  return listClasses(db).map((c, position) => ({ id: c.id, name: c.name, position, count: c.count, unreadable: c.labelled - c.count }));
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
  const undo = nextEntryDescription(db, 'undo');
  const redo = nextEntryDescription(db, 'redo');
  return { canUndo: !!undo, canRedo: !!redo, undoDescription: undo?.description ?? null, redoDescription: redo?.description ?? null, position: undo?.id ?? 0 };
}

export function rootsOf(db: Db): RootInfo[] {
  return listRoots(db);
}

function imageCounts(db: Db): ProjectStatus['images'] & { okContents: number } {
  const c = imageStatusCounts(db);
  return { total: c.total, ok: c.ok, failed: c.failed, missing: c.missing, labelled: c.labelled, unlabelled: c.unlabelled, duplicates: c.duplicates, okContents: c.okContents };
}

/** Distinct contents with a healthy copy: the thumbnails a complete cache holds. */
export function healthyContents(db: Db): number {
  return healthyContentCount(db);
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
  return changeCounter(db);
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
