import type { DuplicateGroup } from '../../../shared/api.ts';
import type { Db } from '../db/project-db.ts';

export type { DuplicateGroup };

/**
 * Healthy images with identical content (same hash). `duplicates` counts the
 * extra copies (a group of 3 adds 2); groups are listed up to `limit`.
 */
export function duplicateSummary(db: Db, limit = 20): { duplicates: number; groupCount: number; groups: DuplicateGroup[] } {
  const agg = db.prepare(`SELECT count(*) AS groups, coalesce(sum(n - 1), 0) AS extra FROM
      (SELECT count(*) AS n FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING n > 1)`).get() as { groups: number; extra: number };
  const hashes = (db.prepare(`SELECT hash FROM images WHERE status = 'ok' AND hash IS NOT NULL GROUP BY hash HAVING count(*) > 1 ORDER BY min(id) LIMIT ?`).all(limit) as { hash: string }[]).map((r) => r.hash);
  const members = db.prepare(`SELECT i.id, r.path || '/' || i.rel_path AS path FROM images i JOIN roots r ON r.id = i.root_id WHERE i.hash = ? AND i.status = 'ok' ORDER BY i.id`);
  return {
    duplicates: agg.extra,
    groupCount: agg.groups,
    groups: hashes.map((hash) => ({ hash, images: members.all(hash) as { id: number; path: string }[] })),
  };
}
