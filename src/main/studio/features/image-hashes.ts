import { hashFileSync } from '../library/image-probe.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../project.ts';

export interface HealthyImage {
  id: number;
  path: string;
  hash: string;
}

/**
 * The project's healthy images with their content hash, as it is on disk now:
 * a file whose size or mtime differs from what the library recorded is
 * re-hashed (sha256 of the bytes, as the library does) and its row updated,
 * so a changed image gets a new feature instead of its old one.
 * A file that vanished is left to the next import to mark missing.
 */
export function healthyImages(project: Project): HealthyImage[] {
  const rows = project.db
    .prepare(
      `SELECT i.id, r.path AS root, i.rel_path AS rel, i.size, i.mtime_ms AS mtime, i.hash
       FROM images i JOIN roots r ON r.id = i.root_id
       WHERE i.status = 'ok' ORDER BY i.id`,
    )
    .all() as { id: number; root: string; rel: string; size: number; mtime: number; hash: string | null }[];
  const update = project.db.prepare('UPDATE images SET hash = ?, size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?');
  const changed: [string, number, number, number, number][] = [];
  const out: HealthyImage[] = [];
  for (const r of rows) {
    const file = path.join(r.root, ...r.rel.split('/'));
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      continue;
    }
    let hash = r.hash;
    const mtime = Math.floor(st.mtimeMs); // as the library records it
    if (!hash || st.size !== r.size || mtime !== r.mtime) {
      hash = hashFileSync(file); // streamed: a 2 GB file must not be read whole
      if (hash !== r.hash || st.size !== r.size || mtime !== r.mtime) changed.push([hash, st.size, mtime, Date.now(), r.id]);
    }
    out.push({ id: r.id, path: file, hash });
  }
  if (changed.length) project.db.transaction(() => changed.forEach((c) => update.run(...c))).immediate();
  return out;
}

/** Marks images whose file could not be decoded as failed, with the reason (they are skipped from then on). */
export function markDecodeFailures(project: Project, failures: { hash: string; reason: string }[]): void {
  if (failures.length === 0) return;
  const mark = project.db.prepare(`UPDATE images SET status = 'failed', error = ?, updated_at = ? WHERE hash = ? AND status = 'ok'`);
  project.db.transaction(() => {
    for (const f of failures) mark.run(`cannot decode: ${f.reason}`, Date.now(), f.hash);
  }).immediate();
}
