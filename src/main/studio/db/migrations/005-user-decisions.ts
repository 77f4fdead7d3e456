import type { Migration } from '../migration.ts';

/**
 * What the user decided belongs in the project file, not in the side folder
 * (which holds only what can be re-derived): the labels confirmed as right in
 * the Suspects review, and the latest suspect list itself, so that the review
 * survives a deleted side folder and travels with the file.
 */
export const userDecisions: Migration = {
  version: 5,
  name: 'user-decisions',
  up(db) {
    db.exec(`
      -- "This label is right": the image leaves the suspect list until its label changes.
      CREATE TABLE label_confirmations (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        class_name TEXT NOT NULL,
        confirmed_at INTEGER NOT NULL
      );
      -- The latest ranked suspect list (one row), as the contract's SuspectList JSON.
      CREATE TABLE suspect_list (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        computed_at INTEGER NOT NULL,
        list TEXT NOT NULL
      );
    `);
  },
};
