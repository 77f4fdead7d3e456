import type { Migration } from '../migration.ts';
import { STUDIO_APPLICATION_ID } from '../studio-marker.ts';

/**
 * Issue 9: a killed `extract` left its row 'running' forever. Extractions now
 * record the process that runs them (owner_pid) and may be 'interrupted', as
 * runs already could. SQLite cannot change a CHECK in place, so the table is
 * rebuilt with its rows. The file is also stamped with the studio's
 * application_id, the marker that tells a project from any other SQLite file.
 */
export const jobOwners: Migration = {
  version: 6,
  name: 'job-owners',
  up(db) {
    db.exec(`
      CREATE TABLE extractions_new (
        id                INTEGER PRIMARY KEY,
        backbone_key      TEXT NOT NULL REFERENCES backbones(key) ON DELETE CASCADE,
        status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
        backend           TEXT,
        workers           INTEGER,
        extracted         INTEGER NOT NULL DEFAULT 0,
        cached            INTEGER NOT NULL DEFAULT 0,
        failed            INTEGER NOT NULL DEFAULT 0,
        images_per_second REAL,
        error             TEXT,
        started_at        INTEGER NOT NULL,
        finished_at       INTEGER,
        owner_pid         INTEGER
      );
      INSERT INTO extractions_new (id, backbone_key, status, backend, workers, extracted, cached, failed, images_per_second, error, started_at, finished_at)
        SELECT id, backbone_key, status, backend, workers, extracted, cached, failed, images_per_second, error, started_at, finished_at FROM extractions;
      DROP TABLE extractions;
      ALTER TABLE extractions_new RENAME TO extractions;
      CREATE INDEX extractions_backbone ON extractions(backbone_key);
    `);
    db.pragma(`application_id = ${STUDIO_APPLICATION_ID}`);
  },
};
