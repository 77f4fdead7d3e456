import { hashFileSync } from '../library/image-probe.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../project.ts';
import { healthyImageFiles, markContentsFailed, updateImageContents } from '../db/image-store.ts';

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
  const rows = healthyImageFiles(project.db);
  const changed: { id: number; hash: string; size: number; mtimeMs: number }[] = [];
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
      if (hash !== r.hash || st.size !== r.size || mtime !== r.mtime) changed.push({ id: r.id, hash, size: st.size, mtimeMs: mtime });
    }
    out.push({ id: r.id, path: file, hash });
  }
  updateImageContents(project.db, changed);
  return out;
}

/** Marks images whose file could not be decoded as failed, with the reason (they are skipped from then on). */
export function markDecodeFailures(project: Project, failures: { hash: string; reason: string }[]): void {
  markContentsFailed(project.db, failures.map((f) => ({ hash: f.hash, reason: `cannot decode: ${f.reason}` })));
}
