import path from 'node:path';
import type { DuplicateGroup, ImageStatus, RootInfo } from '../../../shared/api.ts';
import type { Db } from './project-db.ts';

/**
 * The image store: tables roots and images (migration 001). Paths are kept
 * relative to their root with '/' separators; an image's file is
 * root + rel_path. Status is 'ok', 'failed' (error says why), 'missing', or
 * 'removed' (taken out of the project by the user: migration 008).
 */

/** An image row as import compares it with the file on disk. */
export interface StoredImage {
  id: number;
  rel_path: string;
  size: number;
  mtime_ms: number;
  hash: string | null;
  status: ImageStatus;
  error: string | null;
}

/** What a probe of the file found: content hash, dimensions, format, status and the reason of a failure. */
export type ImageFields = [hash: string | null, width: number | null, height: number | null, format: string | null, status: ImageStatus, error: string | null];

// ---- roots ----

/** The root's id, creating it or updating its label source. Run inside an immediate transaction. */
export function upsertRoot(db: Db, root: string, labelSource: string, now: number): number {
  const id = db.prepare('SELECT id FROM roots WHERE path = ?').pluck().get(root) as number | undefined;
  if (id !== undefined) {
    db.prepare('UPDATE roots SET label_source = ? WHERE id = ?').run(labelSource, id);
    return id;
  }
  return Number(db.prepare('INSERT INTO roots (path, label_source, created_at) VALUES (?, ?, ?)').run(root, labelSource, now).lastInsertRowid);
}

export function setRootImported(db: Db, rootId: number, at: number): void {
  db.prepare('UPDATE roots SET imported_at = ? WHERE id = ?').run(at, rootId);
}

/** Every root still in the project with its image count, in import order. */
export function listRoots(db: Db): RootInfo[] {
  return db.prepare(`SELECT r.id, r.path, r.label_source AS labelSource, r.imported_at AS importedAt, count(i.id) AS images
                     FROM roots r LEFT JOIN images i ON i.root_id = r.id AND i.status != 'removed' GROUP BY r.id
                     -- A folder whose every image was removed is out of the project too (an empty import stays listed).
                     HAVING count(i.id) > 0 OR NOT EXISTS (SELECT 1 FROM images x WHERE x.root_id = r.id) ORDER BY r.id`).all() as RootInfo[];
}

/** Roots, the longest path first (so a nested root wins when resolving a path). */
export function rootsLongestFirst(db: Db): { id: number; path: string }[] {
  return db.prepare('SELECT id, path FROM roots ORDER BY length(path) DESC').all() as { id: number; path: string }[];
}

// ---- images: import ----

export function imagesOfRoot(db: Db, rootId: number): StoredImage[] {
  return db.prepare('SELECT id, rel_path, size, mtime_ms, hash, status, error FROM images WHERE root_id = ?').all(rootId) as StoredImage[];
}

/** Prepared once per import: inserts and updates of image rows, many per transaction. */
export function imageWriter(db: Db): {
  insert(rootId: number, rel: string, size: number, mtimeMs: number, fields: ImageFields, at: number): number;
  update(id: number, rel: string, size: number, mtimeMs: number, fields: ImageFields, at: number): void;
} {
  const insert = db.prepare(`INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, width, height, format, status, error, created_at, updated_at)
                             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const update = db.prepare(`UPDATE images SET size = ?, mtime_ms = ?, hash = ?, width = ?, height = ?, format = ?, status = ?, error = ?, updated_at = ?, rel_path = ?
                             WHERE id = ?`);
  return {
    insert: (rootId, rel, size, mtimeMs, fields, at) => Number(insert.run(rootId, rel, size, mtimeMs, ...fields, at, at).lastInsertRowid),
    update: (id, rel, size, mtimeMs, fields, at) => void update.run(size, mtimeMs, ...fields, at, rel, id),
  };
}

export function markImagesMissing(db: Db, ids: readonly number[], at: number): void {
  const mark = db.prepare("UPDATE images SET status = 'missing', updated_at = ? WHERE id = ? AND status NOT IN ('missing', 'removed')");
  for (const id of ids) mark.run(at, id);
}

export function failedImagesOfRoot(db: Db, rootId: number): { path: string; reason: string }[] {
  return db.prepare("SELECT rel_path AS path, error AS reason FROM images WHERE root_id = ? AND status = 'failed' ORDER BY rel_path").all(rootId) as { path: string; reason: string }[];
}

export function missingCountOfRoot(db: Db, rootId: number): number {
  return db.prepare("SELECT count(*) FROM images WHERE root_id = ? AND status = 'missing'").pluck().get(rootId) as number;
}

// ---- images: content ----

/** Healthy images with their file and what the library recorded of it, in id order. */
export function healthyImageFiles(db: Db): { id: number; root: string; rel: string; size: number; mtime: number; hash: string | null }[] {
  return db.prepare(`SELECT i.id, r.path AS root, i.rel_path AS rel, i.size, i.mtime_ms AS mtime, i.hash
                     FROM images i JOIN roots r ON r.id = i.root_id WHERE i.status = 'ok' ORDER BY i.id`)
    .all() as { id: number; root: string; rel: string; size: number; mtime: number; hash: string | null }[];
}

/** Records new content of files that changed on disk (one transaction). */
export function updateImageContents(db: Db, changes: readonly { id: number; hash: string; size: number; mtimeMs: number }[]): void {
  if (changes.length === 0) return;
  const update = db.prepare('UPDATE images SET hash = ?, size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?');
  db.transaction(() => changes.forEach((c) => update.run(c.hash, c.size, c.mtimeMs, Date.now(), c.id))).immediate();
}

/** Marks the healthy images of each content hash failed with the reason given (one transaction). */
export function markContentsFailed(db: Db, failures: readonly { hash: string; reason: string }[]): void {
  if (failures.length === 0) return;
  const mark = db.prepare("UPDATE images SET status = 'failed', error = ?, updated_at = ? WHERE hash = ? AND status = 'ok'");
  db.transaction(() => {
    for (const f of failures) mark.run(f.reason, Date.now(), f.hash);
  }).immediate();
}

/** One healthy file per distinct content (the first by path), in import order: what thumbnails are made from. */
export function distinctHealthyContents(db: Db): { hash: string; abs: string; rel: string }[] {
  return db.prepare(`SELECT i.hash, min(r.path || '/' || i.rel_path) AS abs, min(i.rel_path) AS rel
      FROM images i JOIN roots r ON r.id = i.root_id WHERE i.status = 'ok' AND i.hash IS NOT NULL GROUP BY i.hash ORDER BY min(i.id)`).all() as { hash: string; abs: string; rel: string }[];
}

/** The first healthy file with this content, as root and relative path. */
export function healthyFileOfContent(db: Db, hash: string): { root: string; rel: string } | undefined {
  return db.prepare(`SELECT r.path AS root, i.rel_path AS rel FROM images i JOIN roots r ON r.id = i.root_id
                     WHERE i.hash = ? AND i.status = 'ok' ORDER BY i.id LIMIT 1`).get(hash) as { root: string; rel: string } | undefined;
}

/** A healthy image's file and what the import recorded of it (the media server checks it is unchanged). */
export function healthyImageFile(db: Db, id: number): { root: string; rel: string; format: string | null; size: number; mtimeMs: number } | undefined {
  return db.prepare(`SELECT r.path AS root, i.rel_path AS rel, i.format, i.size, i.mtime_ms AS mtimeMs FROM images i JOIN roots r ON r.id = i.root_id
                     WHERE i.id = ? AND i.status = 'ok'`).get(id) as { root: string; rel: string; format: string | null; size: number; mtimeMs: number } | undefined;
}

/** Absolute paths of images by id (ids with no image are left out). */
export function imageFiles(db: Db, ids: readonly number[]): Map<number, string> {
  const get = db.prepare('SELECT r.path AS root, i.rel_path AS rel FROM images i JOIN roots r ON r.id = i.root_id WHERE i.id = ?');
  const out = new Map<number, string>();
  for (const id of ids) {
    const row = get.get(id) as { root: string; rel: string } | undefined;
    if (row) out.set(id, path.join(row.root, ...row.rel.split('/')));
  }
  return out;
}

/** Name (path relative to its root) and content hash of images by id. */
export function imageNames(db: Db, ids: readonly number[]): Map<number, { name: string; hash: string | null }> {
  const get = db.prepare('SELECT rel_path AS name, hash FROM images WHERE id = ?');
  const out = new Map<number, { name: string; hash: string | null }>();
  for (const id of ids) {
    const row = get.get(id) as { name: string; hash: string | null } | undefined;
    if (row) out.set(id, row);
  }
  return out;
}

// ---- images: lookups and counts ----

export function imageExists(db: Db, id: number): boolean {
  return db.prepare('SELECT 1 FROM images WHERE id = ?').get(id) !== undefined;
}

export function imageIdAt(db: Db, rootId: number, rel: string): number | undefined {
  return db.prepare('SELECT id FROM images WHERE root_id = ? AND rel_path = ?').pluck().get(rootId, rel) as number | undefined;
}

/** Images with this relative path in any root (two at most: enough to tell it is ambiguous). */
export function imageIdsWithRelPath(db: Db, rel: string): number[] {
  return db.prepare('SELECT id FROM images WHERE rel_path = ? LIMIT 2').pluck().all(rel) as number[];
}

export function healthyImageCount(db: Db): number {
  return db.prepare(`SELECT count(*) FROM images WHERE status = 'ok'`).pluck().get() as number;
}

/**
 * Images by status and content: one pass over images_status (counts by status)
 * and one over images_hash (copies and distinct healthy contents), both
 * covering indexes, instead of a GROUP BY plus a count(DISTINCT) sort.
 */
export function imageStatusCounts(db: Db): { total: number; ok: number; failed: number; missing: number; labelled: number; unlabelled: number; duplicates: number; okContents: number } {
  // Removed images are out of the project: in none of these figures.
  const byStatus = db.prepare(`SELECT count(*) AS total,
      coalesce(sum(status = 'ok'), 0) AS ok, coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(status = 'missing'), 0) AS missing,
      (SELECT count(*) FROM labels l JOIN images li ON li.id = l.image_id AND li.status != 'removed') AS labelled,
      (SELECT count(*) FROM images u WHERE u.status = 'ok' AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = u.id)) AS unlabelled
      FROM images WHERE status != 'removed'`).get() as { total: number; ok: number; failed: number; missing: number; labelled: number; unlabelled: number };
  // Per content hash: healthy copies beyond the first (as the import summary counts them; two
  // files broken the same way are not duplicates anyone can use), and whether a healthy copy exists.
  const contents = db.prepare(`SELECT coalesce(sum(max(healthy - 1, 0)), 0) AS duplicates, coalesce(sum(healthy > 0), 0) AS okContents FROM (
      SELECT sum(status = 'ok') AS healthy FROM images WHERE hash IS NOT NULL GROUP BY hash)`).get() as { duplicates: number; okContents: number };
  return { ...byStatus, ...contents };
}

/** Readable images without a label (what the 'unlabelled' chip counts). */
export function unlabelledHealthyCount(db: Db): number {
  return db.prepare("SELECT count(*) FROM images i WHERE i.status = 'ok' AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)").pluck().get() as number;
}

/** Distinct contents with a healthy copy: the thumbnails a complete cache holds. */
export function healthyContentCount(db: Db): number {
  return db.prepare(`SELECT coalesce(sum(healthy > 0), 0) FROM (SELECT sum(status = 'ok') AS healthy FROM images WHERE hash IS NOT NULL GROUP BY hash)`).pluck().get() as number;
}

/**
 * Healthy images with identical content (same hash). `duplicates` counts the
 * extra copies (a group of 3 adds 2); groups are listed up to `limit`.
 */
export function duplicateSummary(db: Db, limit = 20): { duplicates: number; groupCount: number; groups: DuplicateGroup[] } {
  const agg = db.prepare(`SELECT count(*) AS groups, coalesce(sum(n - 1), 0) AS extra FROM
      (SELECT count(*) AS n FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING n > 1)`).get() as { groups: number; extra: number };
  const hashes = db.prepare(`SELECT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING count(*) > 1 ORDER BY min(id) LIMIT ?`).pluck().all(limit) as string[];
  const members = db.prepare(`SELECT i.id, r.path || '/' || i.rel_path AS path FROM images i JOIN roots r ON r.id = i.root_id WHERE i.hash = ? AND i.status = 'ok' ORDER BY i.id`);
  return {
    duplicates: agg.extra,
    groupCount: agg.groups,
    groups: hashes.map((hash) => ({ hash, images: members.all(hash) as { id: number; path: string }[] })),
  };
}
