import type { Database } from 'better-sqlite3';

/**
 * A numbered schema change. Migrations run in order, each in its own
 * transaction, and `PRAGMA user_version` records the last one applied; a file
 * whose version is higher than the last known migration is refused untouched.
 */
export interface Migration {
  version: number;
  name: string;
  /**
   * Run with foreign keys off (a table rebuild: dropping the old table must
   * not cascade). PRAGMA foreign_keys is a no-op inside a transaction, so the
   * runner switches it around the transaction and checks the keys before commit.
   */
  foreignKeysOff?: boolean;
  up(db: Database): void;
}
