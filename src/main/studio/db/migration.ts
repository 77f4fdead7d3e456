import type { Database } from 'better-sqlite3';

/**
 * A numbered schema change. Migrations run in order, each in its own
 * transaction, and `PRAGMA user_version` records the last one applied; a file
 * whose version is higher than the last known migration is refused untouched.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
