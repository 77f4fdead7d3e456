import type { Migration } from '../migration.ts';

/**
 * Backbones and their cached bottleneck features.
 *
 * A feature is keyed by (backbone key, image content hash). The backbone key
 * already folds in everything that changes the numbers — backbone kind,
 * weights content hash (or random-init seed), feature layer, input size,
 * preprocessing mode and version — so a duplicate image (same hash) is
 * computed once and a changed image (new hash) gets a new feature.
 */
export const features: Migration = {
  version: 2,
  name: 'features',
  up(db) {
    db.exec(`
      CREATE TABLE backbones (
        key                TEXT PRIMARY KEY,
        backbone_id        TEXT,             -- the network's own identity (Backbone.id), known after the first batch
        kind               TEXT NOT NULL CHECK (kind IN ('xception', 'layers-model')),
        name               TEXT NOT NULL,    -- for people: "Xception (ImageNet, notop)", "model.json"
        weights_hash       TEXT NOT NULL,    -- sha256 of the weights file(s), or 'random-init:<seed>'
        source             TEXT,             -- weights file or model.json path it was made from
        feature_layer      TEXT,
        input_size         INTEGER NOT NULL,
        preprocess         TEXT NOT NULL,
        preprocess_version INTEGER NOT NULL,
        random_init        INTEGER NOT NULL DEFAULT 0,
        feature_dim        INTEGER,
        created_at         INTEGER NOT NULL
      );

      -- One row per distinct image content per backbone. vector: float32 little-endian.
      CREATE TABLE features (
        backbone_key TEXT NOT NULL REFERENCES backbones(key) ON DELETE CASCADE,
        image_hash   TEXT NOT NULL,
        vector       BLOB NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (backbone_key, image_hash)
      ) WITHOUT ROWID;

      -- Every extract command: what it did, so "the latest extraction" is well defined.
      CREATE TABLE extractions (
        id                INTEGER PRIMARY KEY,
        backbone_key      TEXT NOT NULL REFERENCES backbones(key) ON DELETE CASCADE,
        status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
        backend           TEXT,
        workers           INTEGER,
        extracted         INTEGER NOT NULL DEFAULT 0,
        cached            INTEGER NOT NULL DEFAULT 0,
        failed            INTEGER NOT NULL DEFAULT 0,
        images_per_second REAL,
        error             TEXT,
        started_at        INTEGER NOT NULL,
        finished_at       INTEGER
      );
      CREATE INDEX extractions_backbone ON extractions(backbone_key);
    `);
  },
};
