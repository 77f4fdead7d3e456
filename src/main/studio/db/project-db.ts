import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../../../shared/errors.ts';
import { migrations } from './migrations/index.ts';
import { nativeBindingPath } from './native-binding.ts';

export type Db = Database.Database;

/** The schema version this build writes. */
export const SCHEMA_VERSION = migrations[migrations.length - 1].version;

export interface OpenOptions {
  /** Create the file when it does not exist (default true). */
  create?: boolean;
  readonly?: boolean;
}

/**
 * Opens (and creates on first use) a project file: one SQLite database in WAL
 * mode with foreign keys on, migrated to the current schema. A file written by
 * a newer studio is refused before anything is written to it.
 */
export function openProjectDb(file: string, options: OpenOptions = {}): Db {
  const { create = true, readonly = false } = options;
  const abs = path.resolve(file);
  const exists = fs.existsSync(abs);
  if (!exists && (!create || readonly)) {
    throw new StudioError('not-found', `project file ${abs} does not exist`);
  }
  if (!exists) fs.mkdirSync(path.dirname(abs), { recursive: true });

  const nativeBinding = nativeBindingPath();
  if (exists) refuseNewerSchema(abs, nativeBinding);

  let db: Db;
  try {
    db = new Database(abs, { readonly, fileMustExist: exists, nativeBinding });
  } catch (err) {
    throw new StudioError('corrupt-file', `cannot open project file ${abs}: ${(err as Error).message}`);
  }
  try {
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    if (!readonly) migrate(db, abs);
  } catch (err) {
    db.close();
    if (err instanceof StudioError) throw err;
    throw new StudioError('corrupt-file', `project file ${abs} is not a usable Xception Studio project: ${(err as Error).message}`);
  }
  return db;
}

function refuseNewerSchema(abs: string, nativeBinding: string | undefined): void {
  let version: number;
  try {
    const probe = new Database(abs, { readonly: true, fileMustExist: true, nativeBinding });
    try {
      version = probe.pragma('user_version', { simple: true }) as number;
    } finally {
      probe.close();
    }
  } catch (err) {
    throw new StudioError('corrupt-file', `${abs} is not a project file (not an SQLite database: ${(err as Error).message})`);
  }
  if (version > SCHEMA_VERSION) {
    throw new StudioError(
      'project-too-new',
      `project file ${abs} has schema version ${version}, written by a newer Xception Studio; this version understands up to ${SCHEMA_VERSION}. Update the studio to open it; the file was left unchanged.`,
    );
  }
}

/** Applies every migration above the file's user_version, each in one transaction. */
export function migrate(db: Db, label = 'project'): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    const apply = db.transaction(() => {
      m.up(db);
      if (m.foreignKeysOff) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`${broken.length} foreign key violation(s) after the change`);
      }
      db.pragma(`user_version = ${m.version}`);
    });
    const fkWasOn = m.foreignKeysOff && (db.pragma('foreign_keys', { simple: true }) as number) === 1;
    if (fkWasOn) db.pragma('foreign_keys = OFF');
    try {
      apply();
    } catch (err) {
      throw new StudioError('internal', `migration ${m.version} (${m.name}) failed on ${label}: ${(err as Error).message}`);
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
  }
}
