import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../../../shared/errors.ts';
import { migrations } from './migrations/index.ts';
import { translateDiskFull } from './disk-full.ts';
import { nativeBindingPath } from './native-binding.ts';
import { readHeader, STUDIO_APPLICATION_ID, STUDIO_TABLES } from './studio-marker.ts';

export type Db = Database.Database;

/** The schema version this build writes. */
export const SCHEMA_VERSION = migrations[migrations.length - 1].version;

export interface OpenOptions {
  /**
   * Create the file when it does not exist (default true). Only an explicit
   * `true` also turns an existing zero-byte file into a project: an empty file
   * the user did not ask to create is more likely a failed copy than a wish.
   */
  create?: boolean;
  readonly?: boolean;
}

/** How long a write waits for another process's transaction (an import batch, a 20,000-image relabel). */
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (and creates on first use) a project file: one SQLite database in WAL
 * mode with foreign keys on, migrated to the current schema. Opening is
 * defensive (issue 9): a file that is not a studio project, an empty file, a
 * file from a newer studio and a damaged file are refused before anything is
 * written to them or beside them.
 */
/**
 * A key that changes whenever the database may have: `total_changes()` moves with
 * every write of this connection, `PRAGMA data_version` with every commit of another.
 */
export function changeCounter(db: Db): string {
  const own = db.prepare('SELECT total_changes()').pluck().get() as number;
  return `${db.pragma('data_version', { simple: true }) as number}:${own}`;
}

/** A sort key where runs of digits compare by value: each run is zero-padded to 12 digits (a leading count keeps longer ones in order). */
export function naturalKey(s: string): string {
  return s.toLowerCase().replace(/\d+/g, (d) => {
    const t = d.replace(/^0+(?=\d)/, '');
    return t.length <= 12 ? t.padStart(12, '0') : `${'9'.repeat(12)}${t}`;
  });
}

export function openProjectDb(file: string, options: OpenOptions = {}): Db {
  const { create = true, readonly = false } = options;
  const abs = path.resolve(file);
  const exists = fs.existsSync(abs);
  if (!exists && (!create || readonly)) {
    throw new StudioError('not-found', `project file ${abs} does not exist`);
  }
  if (!exists) fs.mkdirSync(path.dirname(abs), { recursive: true });
  const fresh = !exists || judgeExisting(abs, options.create === true && !readonly);

  const nativeBinding = nativeBindingPath();
  if (!fresh) refuseForeign(abs, nativeBinding);

  let db: Db;
  try {
    db = new Database(abs, { readonly, fileMustExist: exists, nativeBinding });
  } catch (err) {
    throw new StudioError('invalid-argument', `cannot open project file ${abs}: ${(err as Error).message}`);
  }
  translateDiskFull(db, abs);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!fresh && !readonly) refuseDamaged(db, abs);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // Natural order for names: "dog.98.jpg" before "dog.980.jpg", "img2" before "img10".
    db.function('natural_key', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? naturalKey(s) : s));
    if (!readonly) migrate(db, abs);
  } catch (err) {
    db.close();
    if (err instanceof StudioError) throw err;
    throw new StudioError('invalid-argument', `project file ${abs} is not a usable Xception Studio project: ${(err as Error).message}`);
  }
  return db;
}

/** Checks an existing file from its header alone; true when it is an empty file to make a project of. */
function judgeExisting(abs: string, mayInitialise: boolean): boolean {
  let header;
  try {
    header = readHeader(abs);
  } catch (err) {
    throw new StudioError('invalid-argument', `cannot read project file ${abs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (header.size === 0) {
    if (mayInitialise) return true;
    throw new StudioError('invalid-argument', `project file ${abs} is empty (0 bytes), not a project; it was left unchanged. Delete it, or create a project there explicitly (Projects → New, or createProject).`);
  }
  if (!header.sqlite) {
    throw new StudioError('invalid-argument', `${abs} is not a project file (not an SQLite database: expected the header "SQLite format 3", found ${header.size < 16 ? `${header.size} bytes` : 'other bytes'}); it was left unchanged`);
  }
  // Decided from the header, so not even a -wal or -shm file appears beside a newer studio's project.
  if (header.userVersion > SCHEMA_VERSION) throw tooNew(abs, header.userVersion);
  if (header.applicationId !== 0 && header.applicationId !== STUDIO_APPLICATION_ID) throw foreign(abs, `its application_id is 0x${header.applicationId.toString(16)}`);
  return false;
}

/**
 * A SQLite file without the studio's marker is a project only if it has the
 * studio's tables (a project made before the marker, stamped by migration 6).
 * Anything else is refused untouched: migrating it would add our tables to
 * someone else's database.
 */
function refuseForeign(abs: string, nativeBinding: string | undefined): void {
  let version: number;
  let appId: number;
  let tables: string[];
  // Read-write so that closing the probe removes the -wal/-shm files it needed (a read-only connection leaves them).
  let probe: Db;
  try {
    probe = new Database(abs, { fileMustExist: true, nativeBinding });
  } catch {
    try {
      probe = new Database(abs, { readonly: true, fileMustExist: true, nativeBinding });
    } catch (err) {
      throw new StudioError('invalid-argument', `${abs} is not a project file (not an SQLite database: ${(err as Error).message})`);
    }
  }
  try {
    version = probe.pragma('user_version', { simple: true }) as number;
    appId = probe.pragma('application_id', { simple: true }) as number;
    tables = (probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  } catch (err) {
    throw new StudioError('invalid-argument', `${abs} is not a usable project file (SQLite cannot read its schema: ${(err as Error).message}); it was left unchanged`);
  } finally {
    probe.close();
  }
  if (version > SCHEMA_VERSION) throw tooNew(abs, version);
  if (appId === STUDIO_APPLICATION_ID) return;
  const missing = STUDIO_TABLES.filter((t) => !tables.includes(t));
  if (version === 0 || missing.length) {
    throw foreign(abs, tables.length ? `it has the tables ${tables.slice(0, 6).join(', ')}${tables.length > 6 ? ', …' : ''} and no studio marker` : 'it is an empty SQLite database with no studio marker');
  }
}

/** A damaged page found now is refused for writes, before a write spreads the damage. */
function refuseDamaged(db: Db, abs: string): void {
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  } catch (err) {
    rows = [{ quick_check: (err as Error).message }];
  }
  if (rows.length === 1 && rows[0].quick_check === 'ok') return;
  throw new StudioError(
    'invalid-argument',
    `project file ${abs} is damaged (SQLite quick_check: ${rows.map((r) => r.quick_check).join('; ')}); it was not changed and is refused for writes. ` +
      `Restore it from a backup, or recover what is readable with \`sqlite3 "${abs}" .recover | sqlite3 recovered.xstudio\` and open recovered.xstudio.`,
  );
}

function tooNew(abs: string, version: number): StudioError {
  return new StudioError(
    'conflict',
    `project file ${abs} has schema version ${version}, written by a newer Xception Studio; this version understands up to ${SCHEMA_VERSION}. Update the studio to open it; the file was left unchanged.`,
  );
}

function foreign(abs: string, why: string): StudioError {
  return new StudioError('invalid-argument', `${abs} is an SQLite database but not an Xception Studio project (${why}); it was left unchanged. Pick a .xstudio project file, or a new file name to create a project.`);
}

/** Applies every migration above the file's user_version, each in one immediate transaction. */
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
      apply.immediate();
    } catch (err) {
      throw new StudioError('internal', `migration ${m.version} (${m.name}) failed on ${label}: ${(err as Error).message}`);
    } finally {
      if (fkWasOn) db.pragma('foreign_keys = ON');
    }
  }
}
