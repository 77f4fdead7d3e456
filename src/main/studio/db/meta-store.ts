import type { Db } from './project-db.ts';

/** The meta store: table meta, small named values of the project file (an import's lock, for one). */

export function readMeta(db: Db, key: string): string | undefined {
  return db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
}

export function writeMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
}

/** Deletes the value only while it still starts with `prefix` (a lock released by its own holder). */
export function deleteMetaIfStartsWith(db: Db, key: string, prefix: string): void {
  db.prepare("DELETE FROM meta WHERE key = ? AND substr(value, 1, length(?)) = ?").run(key, prefix, prefix);
}
