import os from 'node:os';
import { StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import { processAlive } from '../jobs/process-alive.ts';
import { deleteMetaIfStartsWith, readMeta, writeMeta } from '../db/meta-store.ts';

/**
 * One import of a folder at a time, across processes (issue 9: two imports of
 * the same folder at once failed with "UNIQUE constraint failed"). The lock is
 * a row of `meta` naming the owning process, taken in an immediate
 * transaction; a second import waits its turn. A lock whose process is gone
 * (a killed import) is taken over.
 */
interface Holder {
  pid: number;
  host: string;
  at: number;
}

const POLL_MS = 200;

export interface ImportLockOptions {
  /** Give up after this long with a plain "an import is running" (default 10 minutes). */
  waitMs?: number;
  signal?: AbortSignal;
  onWait?: (holder: Holder) => void;
}

export async function acquireImportLock(db: Db, root: string, options: ImportLockOptions = {}): Promise<() => void> {
  const key = `import-lock:${root}`;
  const me: Holder = { pid: process.pid, host: os.hostname(), at: Date.now() };
  const until = Date.now() + (options.waitMs ?? 10 * 60_000);
  const tryTake = db.transaction((): Holder | null => {
    const value = readMeta(db, key);
    const holder = value !== undefined ? parseHolder(value) : null;
    if (holder && holderAlive(holder)) return holder;
    writeMeta(db, key, JSON.stringify({ ...me, at: Date.now() }));
    return null;
  });
  let waited = false;
  for (;;) {
    const holder = tryTake.immediate();
    if (!holder) break;
    if (!waited) options.onWait?.(holder);
    waited = true;
    if (options.signal?.aborted) throw new StudioError('cancelled', `import of ${root} cancelled while waiting for another import of it to finish`);
    if (Date.now() > until) {
      throw new StudioError('conflict', `an import of ${root} is already running (process ${holder.pid} on ${holder.host}, since ${new Date(holder.at).toISOString()}); wait for it to finish and run this import again`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return () => {
    if (db.open) deleteMetaIfStartsWith(db, key, `{"pid":${me.pid},`);
  };
}

function parseHolder(text: string): Holder | null {
  try {
    const v = JSON.parse(text) as Holder;
    return typeof v.pid === 'number' ? v : null;
  } catch {
    return null;
  }
}

/** Another machine's process cannot be checked: its lock holds until it releases it. */
function holderAlive(h: Holder): boolean {
  return h.host !== os.hostname() || processAlive(h.pid);
}
