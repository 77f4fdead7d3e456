import type { Migration } from '../migration.ts';

/**
 * Removing images from a project (never from disk), with undo. A removed
 * image keeps its row, labels, split memberships and run records — runs and
 * frozen splits still name it — but gets status 'removed', which every view,
 * count, split and run leaves out, as it leaves out 'missing' ones. SQLite
 * cannot alter a CHECK, so the images table is rebuilt the documented way
 * with foreign keys off (dropping it would otherwise cascade into labels,
 * splits and runs); its indexes are made again.
 *
 * image_removals is the undo record: one row per image a history entry
 * removed, with the status it had, so undo puts back exactly that ('ok',
 * 'failed' or 'missing') and redo removes again.
 */
export const imageRemovals: Migration = {
  version: 8,
  name: 'image-removals',
  foreignKeysOff: true,
  up(db) {
    db.exec(`
      CREATE TABLE images_new (
        id         INTEGER PRIMARY KEY,
        root_id    INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        rel_path   TEXT NOT NULL,
        size       INTEGER NOT NULL,
        mtime_ms   INTEGER NOT NULL,
        hash       TEXT,
        width      INTEGER,
        height     INTEGER,
        format     TEXT,
        status     TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'missing', 'removed')),
        error      TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (root_id, rel_path)
      );
      INSERT INTO images_new SELECT id, root_id, rel_path, size, mtime_ms, hash, width, height, format, status, error, created_at, updated_at FROM images;
      DROP TABLE images;
      ALTER TABLE images_new RENAME TO images;
      CREATE INDEX images_hash ON images(hash, status);
      CREATE INDEX images_status ON images(status);
      CREATE INDEX images_rel_path ON images(rel_path, id);

      CREATE TABLE image_removals (
        history_id INTEGER NOT NULL REFERENCES label_history(id) ON DELETE CASCADE,
        image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        old_status TEXT NOT NULL,
        PRIMARY KEY (history_id, image_id)
      ) WITHOUT ROWID;
    `);
  },
};
