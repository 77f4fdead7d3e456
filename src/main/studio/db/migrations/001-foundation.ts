import type { Migration } from '../migration.ts';

/**
 * The foundation schema: image library, classes, labels with full history,
 * split plans with frozen memberships.
 *
 * Times are milliseconds since the epoch (INTEGER). Paths are stored relative
 * to their root folder with '/' separators so a project survives a move of the
 * whole folder (the root can be re-pointed).
 */
export const foundation: Migration = {
  version: 1,
  name: 'foundation',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- A folder the user imported. Image paths are relative to it.
      CREATE TABLE roots (
        id         INTEGER PRIMARY KEY,
        path       TEXT NOT NULL UNIQUE,
        label_source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        imported_at INTEGER
      );

      -- status: 'ok' (indexed and decodable), 'failed' (error says why),
      -- 'missing' (was there, vanished at the last import; labels and history kept).
      CREATE TABLE images (
        id         INTEGER PRIMARY KEY,
        root_id    INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        rel_path   TEXT NOT NULL,
        size       INTEGER NOT NULL,
        mtime_ms   INTEGER NOT NULL,
        hash       TEXT,
        width      INTEGER,
        height     INTEGER,
        format     TEXT,
        status     TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'missing')),
        error      TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (root_id, rel_path)
      );
      -- (hash, status) covers the duplicate queries without touching the table.
      CREATE INDEX images_hash ON images(hash, status);
      CREATE INDEX images_status ON images(status);

      -- Classes keep their id for life; a deleted class is only marked deleted
      -- so that history entries can still name it and undo can bring it back.
      CREATE TABLE classes (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        position   INTEGER NOT NULL,
        deleted    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX classes_live_name ON classes(name) WHERE deleted = 0;

      -- The current label of each image (absent row = unlabelled).
      -- source 'user' marks a label set by hand: a re-import never overwrites it.
      CREATE TABLE labels (
        image_id   INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        class_id   INTEGER NOT NULL REFERENCES classes(id),
        source     TEXT NOT NULL CHECK (source IN ('import', 'user')),
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX labels_class ON labels(class_id);

      -- One entry per change the user can undo: a relabel of one image or of
      -- ten thousand, a class rename, merge or delete, an import's labels.
      -- undone = 1 entries form the redo stack until a new change drops them.
      CREATE TABLE label_history (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        description TEXT NOT NULL,
        undone      INTEGER NOT NULL DEFAULT 0
      );

      -- The label changes of one history entry: old -> new (NULL = unlabelled),
      -- with the label source before and after so undo restores it exactly.
      CREATE TABLE label_changes (
        history_id   INTEGER NOT NULL REFERENCES label_history(id) ON DELETE CASCADE,
        image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        old_class_id INTEGER REFERENCES classes(id),
        new_class_id INTEGER REFERENCES classes(id),
        old_source   TEXT,
        new_source   TEXT,
        PRIMARY KEY (history_id, image_id)
      );
      CREATE INDEX label_changes_image ON label_changes(image_id);

      -- Class-level changes of one history entry (rename, merge, delete, create).
      CREATE TABLE class_changes (
        history_id  INTEGER NOT NULL REFERENCES label_history(id) ON DELETE CASCADE,
        class_id    INTEGER NOT NULL REFERENCES classes(id),
        old_name    TEXT,
        new_name    TEXT,
        old_deleted INTEGER,
        new_deleted INTEGER
      );

      -- A named, frozen split plan. Its membership never changes after creation.
      CREATE TABLE splits (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        seed        INTEGER NOT NULL,
        stratified  INTEGER NOT NULL,
        request     TEXT NOT NULL,  -- JSON of the sizes asked for
        test_locked INTEGER NOT NULL DEFAULT 0,
        test_evaluations INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL
      );

      -- Frozen membership, with the label each image had when the split was made.
      CREATE TABLE split_members (
        split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        part     TEXT NOT NULL CHECK (part IN ('train', 'val', 'test')),
        class_id INTEGER NOT NULL REFERENCES classes(id),
        PRIMARY KEY (split_id, image_id)
      );
      CREATE INDEX split_members_part ON split_members(split_id, part);
    `);
  },
};
