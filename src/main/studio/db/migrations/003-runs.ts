import type { Migration } from '../migration.ts';

/**
 * Training runs: configuration, data, per-epoch metrics, evaluations with a
 * prediction per image, and artefacts (files in the project's side folder,
 * runs/<id>/).
 */
export const runs: Migration = {
  version: 3,
  name: 'runs',
  up(db) {
    db.exec(`
      -- state: queued → running → done | failed (error says why) | cancelled;
      -- 'interrupted' = found 'running' or 'queued' after its process died (checkpoint kept).
      CREATE TABLE runs (
        id               INTEGER PRIMARY KEY,
        name             TEXT NOT NULL DEFAULT '',
        state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
        error            TEXT,
        split_id         INTEGER REFERENCES splits(id) ON DELETE SET NULL,
        split_name       TEXT NOT NULL,
        backbone_key     TEXT NOT NULL,
        backbone_id      TEXT,
        backbone_name    TEXT,
        weights_hash     TEXT,
        random_init      INTEGER NOT NULL DEFAULT 0,
        feature_dim      INTEGER,
        backend          TEXT,
        seed             INTEGER NOT NULL,
        config           TEXT NOT NULL,   -- JSON RunConfig (src/main/ml/run-config.ts), defaults filled in
        classes          TEXT NOT NULL,   -- JSON [{id, name}] in output order
        label_history_id INTEGER,         -- newest label_history entry in effect when the run started
        owner_pid        INTEGER,         -- process running it (interrupted detection)
        stage            TEXT,            -- 'head' | 'fine-tune' while running
        best_epoch       INTEGER,
        val_loss         REAL,
        val_accuracy     REAL,
        timings          TEXT,            -- JSON {headMs, fineTuneMs, evalMs, …}
        created_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER
      );
      CREATE INDEX runs_state ON runs(state);

      -- The images a run used, with the part and the label they had at the run's start.
      CREATE TABLE run_images (
        run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        part     TEXT NOT NULL CHECK (part IN ('train', 'val', 'test')),
        class_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, image_id)
      ) WITHOUT ROWID;

      CREATE TABLE run_epochs (
        run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        stage        TEXT NOT NULL CHECK (stage IN ('head', 'fine-tune')),
        epoch        INTEGER NOT NULL,
        loss         REAL NOT NULL,
        accuracy     REAL NOT NULL,
        val_loss     REAL,
        val_accuracy REAL,
        lr           REAL NOT NULL,
        ms           REAL NOT NULL,
        PRIMARY KEY (run_id, stage, epoch)
      ) WITHOUT ROWID;

      -- One evaluation of a run on a part (val or test); metrics JSON holds
      -- per-class precision/recall/F1, confusion matrix and ROC AUC.
      CREATE TABLE run_evaluations (
        id         INTEGER PRIMARY KEY,
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        part       TEXT NOT NULL CHECK (part IN ('train', 'val', 'test')),
        model      TEXT NOT NULL,       -- 'head' (features) | 'fine-tuned' (images)
        n          INTEGER NOT NULL,
        loss       REAL,
        accuracy   REAL,
        metrics    TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX run_evaluations_run ON run_evaluations(run_id, part);

      -- A prediction per image of an evaluation. probs: float32 little-endian, one per class.
      CREATE TABLE run_predictions (
        evaluation_id INTEGER NOT NULL REFERENCES run_evaluations(id) ON DELETE CASCADE,
        image_id      INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        true_class    INTEGER NOT NULL,  -- class index in the run's classes
        predicted     INTEGER NOT NULL,
        correct       INTEGER NOT NULL,
        probs         BLOB NOT NULL,
        PRIMARY KEY (evaluation_id, image_id)
      ) WITHOUT ROWID;

      -- Files a run produced: checkpoints, fine-tuned model, exports.
      CREATE TABLE run_artefacts (
        id         INTEGER PRIMARY KEY,
        run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        path       TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX run_artefacts_run ON run_artefacts(run_id);
    `);
  },
};
