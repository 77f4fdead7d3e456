import type { Migration } from '../migration.ts';

/**
 * Backbones of every built-in kind (MobileNetV2, ResNet50, EfficientNetB0
 * beside Xception): migration 2 allowed only 'xception' and 'layers-model'
 * in backbones.kind. SQLite cannot alter a CHECK, so the table is rebuilt
 * the documented way (new table, copy, drop, rename) with foreign keys off
 * for the duration — otherwise dropping the old table would cascade into
 * the cached features. The kind is now any lower-case name; the core checks
 * it against the backbones registry.
 */
export const builtinBackbones: Migration = {
  version: 7,
  name: 'builtin-backbones',
  foreignKeysOff: true,
  up(db) {
    db.exec(`
      CREATE TABLE backbones_new (
        key                TEXT PRIMARY KEY,
        backbone_id        TEXT,
        kind               TEXT NOT NULL CHECK (kind GLOB '[a-z]*' AND kind NOT GLOB '*[^a-z0-9_-]*'),
        name               TEXT NOT NULL,
        weights_hash       TEXT NOT NULL,
        source             TEXT,
        feature_layer      TEXT,
        input_size         INTEGER NOT NULL,
        preprocess         TEXT NOT NULL,
        preprocess_version INTEGER NOT NULL,
        random_init        INTEGER NOT NULL DEFAULT 0,
        feature_dim        INTEGER,
        created_at         INTEGER NOT NULL
      );
      INSERT INTO backbones_new SELECT key, backbone_id, kind, name, weights_hash, source, feature_layer, input_size, preprocess,
        preprocess_version, random_init, feature_dim, created_at FROM backbones;
      DROP TABLE backbones;
      ALTER TABLE backbones_new RENAME TO backbones;
    `);
  },
};
