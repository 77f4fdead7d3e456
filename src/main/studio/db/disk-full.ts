import type Database from 'better-sqlite3';
import { StudioError } from '../../../shared/errors.ts';

/**
 * Issue 9: "database or disk is full" said nothing of which file or what
 * survived. Every transaction of a project connection is wrapped so that a
 * full disk (SQLITE_FULL) or a failed write (SQLITE_IOERR*) becomes one
 * message naming the project file and saying what was kept: the transaction
 * rolled back whole, everything committed before it is intact.
 */
const FULL = /^SQLITE_(FULL|IOERR)/;

export function diskFullError(err: unknown, file: string): StudioError | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !FULL.test(code)) return null;
  const what = code === 'SQLITE_FULL' ? 'the disk is full' : `the disk refused a write (${code})`;
  return new StudioError(
    'conflict',
    `cannot write project file ${file}: ${what}. This change was rolled back; everything saved before it is kept. Free some space on the disk that holds ${file} and try again.`,
  );
}

type Tx = ReturnType<Database.Database['transaction']>;

export function translateDiskFull(db: Database.Database, file: string): void {
  const original = db.transaction.bind(db);
  const guard = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    try {
      return fn(...a);
    } catch (err) {
      throw diskFullError(err, file) ?? err;
    }
  };
  db.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const tx = original(fn) as Tx;
    const wrapped = guard(tx) as Tx;
    for (const variant of ['deferred', 'immediate', 'exclusive'] as const) wrapped[variant] = guard(tx[variant]);
    wrapped.default = wrapped;
    return wrapped;
  }) as Database.Database['transaction'];
}
