import type { Db } from './project-db.ts';

/**
 * Images removed from a project (never from disk): status 'removed', with the
 * status each had recorded in image_removals under the label-history entry
 * that removed it, so undo puts back exactly that and redo removes again
 * (migration 008 says why removal is a status, not a deleted row).
 */

/** Which of `ids` name images of the project (removed or not). */
export function existingImageIds(db: Db, ids: readonly number[]): number[] {
  return (db.prepare('SELECT id FROM images WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: number }[]).map((r) => r.id);
}

/** How many of `ids` are still in the project (not removed). */
export function countStillIn(db: Db, ids: readonly number[]): number {
  return (db.prepare("SELECT count(*) AS n FROM images WHERE id IN (SELECT value FROM json_each(?)) AND status != 'removed'").get(JSON.stringify(ids)) as { n: number }).n;
}

/** The images under `dir` (a path relative to the root, '' for the whole root) that are still in the project. */
export function imagesUnderFolder(db: Db, rootId: number, dir: string): number[] {
  const rows = dir === ''
    ? db.prepare("SELECT id FROM images WHERE root_id = ? AND status != 'removed'").all(rootId)
    // substr, not LIKE: folder names may hold % and _.
    : db.prepare("SELECT id FROM images WHERE root_id = ? AND substr(rel_path, 1, ?) = ? AND status != 'removed'").all(rootId, dir.length + 1, `${dir}/`);
  return (rows as { id: number }[]).map((r) => r.id);
}

/** Marks the images removed under history entry `historyId` (inside the caller's transaction); returns how many were still in the project. */
export function removeImageRows(db: Db, historyId: number, imageIds: readonly number[]): number {
  const ids = JSON.stringify(imageIds);
  const n = db.prepare(`INSERT INTO image_removals (history_id, image_id, old_status)
      SELECT ?, i.id, i.status FROM images i WHERE i.id IN (SELECT value FROM json_each(?)) AND i.status != 'removed'`).run(historyId, ids).changes;
  // Removing is what redo does once the removals are recorded.
  replayImageRemovals(db, historyId, 'redo');
  return n;
}

/** Undo puts each image's recorded status back; redo removes them again. Inside the caller's transaction. */
export function replayImageRemovals(db: Db, historyId: number, direction: 'undo' | 'redo'): void {
  if (direction === 'undo') {
    db.prepare(`UPDATE images SET status = (SELECT r.old_status FROM image_removals r WHERE r.history_id = @h AND r.image_id = images.id), updated_at = @now
        WHERE id IN (SELECT image_id FROM image_removals WHERE history_id = @h)`).run({ h: historyId, now: Date.now() });
  } else {
    db.prepare("UPDATE images SET status = 'removed', updated_at = ? WHERE id IN (SELECT image_id FROM image_removals WHERE history_id = ?)").run(Date.now(), historyId);
  }
}

export function removedImagesOf(db: Db, historyId: number): number[] {
  return (db.prepare('SELECT image_id FROM image_removals WHERE history_id = ?').all(historyId) as { image_id: number }[]).map((r) => r.image_id);
}

/**
 * Brings back the removed images of a root whose files an import finds again:
 * importing a folder is asking for its images (as re-importing into a photo
 * catalogue brings back what was removed from it). They are set 'missing' so
 * the import probes each file afresh; returns how many.
 */
export function restoreRemovedOfRoot(db: Db, rootId: number, relPaths: ReadonlySet<string>): number {
  const rows = db.prepare("SELECT id, rel_path FROM images WHERE root_id = ? AND status = 'removed'").all(rootId) as { id: number; rel_path: string }[];
  const restore = db.prepare("UPDATE images SET status = 'missing', updated_at = ? WHERE id = ?");
  let n = 0;
  const now = Date.now();
  for (const r of rows) if (relPaths.has(r.rel_path)) n += restore.run(now, r.id).changes;
  return n;
}
