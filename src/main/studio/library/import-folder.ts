import type { ImportFailure, ImportSummary } from '../../../shared/api.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { notFound, StudioError } from '../../../shared/errors.ts';
import type { Db } from '../db/project-db.ts';
import { defaultActor } from '../labels/actor.ts';
import { ensureClass } from '../labels/classes.ts';
import { beginEntry, dropEntryIfEmpty } from '../labels/history.ts';
import { enclosingSideDir, projectSideDir } from '../paths.ts';
import type { Project } from '../project.ts';
import { DEFAULT_MAX_PIXELS, probeFile, WHOLE_READ_LIMIT, type ProbeResult } from './image-probe.ts';
import { describeLabelSource, makeLabeler, type LabelSource } from './label-sources.ts';
import { duplicateSummary } from './duplicates.ts';
import { acquireImportLock } from './import-lock.ts';
import { errText, walkImages, type WalkedFile } from './walk.ts';

/** Memory an import may hold in file bytes at once (issue 9: two 1 GB files took 2.2 GB). */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface ImportOptions {
  /** Where labels come from (default: the parent folder's name). */
  labels?: LabelSource;
  /** Images with more pixels than this fail (decompression bombs). */
  maxPixels?: number;
  /** Files read and probed at once. */
  concurrency?: number;
  /** Rows written per transaction. */
  batchSize?: number;
  actor?: string;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface ImportProgress {
  phase: 'walk' | 'index' | 'done';
  done: number;
  total: number;
}

/** What the core's import returns: the contract's summary without the service's timing and thumbnail job. */
export type ImportResult = Omit<ImportSummary, 'seconds' | 'filesPerSecond' | 'thumbnailsJob'>;

interface ImageRow {
  id: number;
  rel_path: string;
  size: number;
  mtime_ms: number;
  hash: string | null;
  status: 'ok' | 'failed' | 'missing' | 'removed';
  error: string | null;
}

type Outcome =
  | { kind: 'probed'; file: WalkedFile; row?: ImageRow; probe: ProbeResult }
  | { kind: 'walk-failure'; rel: string; reason: string; row?: ImageRow };

/**
 * Indexes every image under `folder` into the project: hash, format,
 * dimensions and validity of each file, and its label from the label source.
 * Incremental and idempotent: unchanged files (same size and mtime) are not
 * read again; vanished files are marked missing; a file that reappears under a
 * new path is recognised by its content. Labels set by a user are never
 * overwritten. Bad files are recorded as failed with a reason, never fatal.
 * Rows are written in large transactions, so readers always see whole batches.
 */
export async function importFolder(project: Project, folder: string, options: ImportOptions = {}): Promise<ImportResult> {
  const root = path.resolve(folder);
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    throw notFound(`folder ${root} does not exist`);
  }
  if (!st.isDirectory()) throw new StudioError('invalid-argument', `${root} is a file, not a folder: import takes a folder of images`);
  const side = enclosingSideDir(root, project.file);
  if (side) throw new StudioError('invalid-argument', `${root} is inside ${side}, a project's side folder of thumbnails and run files: the studio never imports its own files. Pick a folder of your images.`);
  // A second import of the same folder (another window, another CLI) waits for this one.
  const release = await acquireImportLock(project.db, root, { signal: options.signal });
  try {
    return await importLocked(project, root, options);
  } finally {
    release();
  }
}

async function importLocked(project: Project, root: string, options: ImportOptions): Promise<ImportResult> {
  const db = project.db;

  const source = options.labels ?? { kind: 'folder' };
  const labeler = makeLabeler(source, root);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  // Bytes in flight are bounded: each file holds at most WHOLE_READ_LIMIT in memory
  // (larger ones are streamed), and no more files are read at once than the budget allows.
  const concurrency = options.concurrency ?? Math.max(4, Math.min(os.availableParallelism() * 8, Math.floor(MAX_BYTES_IN_FLIGHT / WHOLE_READ_LIMIT)));
  const batchSize = options.batchSize ?? 2000;
  const actor = options.actor ?? defaultActor();
  const progress = options.onProgress ?? (() => {});
  const now = Date.now();

  const rootId = upsertRoot(db, root, describeLabelSource(source), now);
  progress({ phase: 'walk', done: 0, total: 0 });
  const walk = await walkImages(root, { skipDirs: [projectSideDir(project.file)], signal: options.signal });
  if (options.signal?.aborted) throw cancelled();

  const existing = db.prepare('SELECT id, rel_path, size, mtime_ms, hash, status, error FROM images WHERE root_id = ?').all(rootId) as ImageRow[];
  const byRel = new Map(existing.map((r) => [r.rel_path, r]));
  const seen = new Set<string>();
  const toProbe: { file: WalkedFile; row?: ImageRow }[] = [];
  const unchanged: ImageRow[] = [];
  let restored = 0;
  for (const file of walk.files) {
    seen.add(file.rel);
    const row = byRel.get(file.rel);
    // A removed image found again is probed afresh and comes back: importing a folder asks for its images.
    if (row?.status === 'removed') restored++;
    if (row && row.status !== 'missing' && row.status !== 'removed' && row.size === file.size && row.mtime_ms === file.mtimeMs) unchanged.push(row);
    else toProbe.push({ file, row });
  }
  const outcomes: Outcome[] = [];
  for (const f of walk.failures) {
    seen.add(f.path);
    outcomes.push({ kind: 'walk-failure', rel: f.path, reason: f.reason, row: byRel.get(f.path) });
  }
  // Vanished records whose content may reappear under a new path (a move or rename).
  const vanished = existing.filter((r) => !seen.has(r.rel_path));
  const movable = new Map<string, ImageRow[]>();
  for (const r of vanished) if (r.hash && r.status !== 'failed' && r.status !== 'removed') movable.set(r.hash, [...(movable.get(r.hash) ?? []), r]);
  const movedIds = new Set<number>();

  const counts = { added: 0, updated: 0, moved: 0, labelled: 0, keptUserLabels: 0, unchangedFailures: 0 };
  let historyId: number | null = null;
  const classIds = new Map<string, number>();
  const st_ = statements(db);

  const entryId = (): number => {
    historyId ??= beginEntry(db, { actor, action: 'import', description: `labels from ${describeLabelSource(source)} on import of ${root}` });
    return historyId;
  };
  const classId = (name: string): number => {
    let id = classIds.get(name);
    if (id === undefined) {
      id = ensureClass(db, name, entryId());
      classIds.set(name, id);
    }
    return id;
  };
  // Classes new to the project are created in name order (not walk order), so
  // the gallery's number keys 1–9 follow the alphabet: cat before dog.
  const knownClasses = new Set((db.prepare('SELECT name FROM classes WHERE deleted = 0').all() as { name: string }[]).map((r) => r.name));
  const newClassNames = [...new Set(walk.files.map((f) => labeler.labelFor(f.rel)))]
    .filter((n): n is string => n !== null && !knownClasses.has(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (newClassNames.length) db.transaction(() => newClassNames.forEach(classId)).immediate();
  const applyLabel = (imageId: number, rel: string, fresh: boolean): void => {
    const wanted = labeler.labelFor(rel);
    if (wanted === null) return;
    const current = fresh ? undefined : (st_.getLabel.get(imageId) as { class_id: number; source: string } | undefined);
    const cid = classId(wanted);
    if (current?.class_id === cid) return;
    if (current?.source === 'user') {
      counts.keptUserLabels++;
      return;
    }
    st_.recordChange.run(entryId(), imageId, current?.class_id ?? null, cid, current?.source ?? null, 'import');
    st_.setLabel.run(imageId, cid, 'import', Date.now());
    counts.labelled++;
  };

  const write = (batch: Outcome[]): void => {
    db.transaction(() => {
      const t = Date.now();
      for (const o of batch) {
        if (o.kind === 'walk-failure') {
          if (o.row?.status === 'failed' && o.row.error === o.reason) {
            counts.unchangedFailures++;
            continue;
          }
          const id = o.row
            ? (st_.update.run(-1, 0, null, null, null, null, 'failed', o.reason, t, o.rel, o.row.id), o.row.id)
            : Number(st_.insert.run(rootId, o.rel, -1, 0, null, null, null, null, 'failed', o.reason, t, t).lastInsertRowid);
          if (o.row) counts.updated++;
          else counts.added++;
          applyLabel(id, o.rel, !o.row);
          continue;
        }
        const { file, probe } = o;
        const fields = probe.ok
          ? [probe.hash, probe.width, probe.height, probe.format, 'ok', null]
          : [probe.hash, probe.width ?? null, probe.height ?? null, probe.format ?? null, 'failed', probe.reason];
        let row = o.row;
        let fresh = false;
        if (!row && probe.ok) {
          const candidates = movable.get(probe.hash);
          const match = candidates?.find((r) => !movedIds.has(r.id));
          if (match) {
            movedIds.add(match.id);
            row = match;
            counts.moved++;
          }
        } else if (row) counts.updated++;
        let id: number;
        if (row) {
          st_.update.run(file.size, file.mtimeMs, ...fields, t, file.rel, row.id);
          id = row.id;
        } else {
          id = Number(st_.insert.run(rootId, file.rel, file.size, file.mtimeMs, ...fields, t, t).lastInsertRowid);
          counts.added++;
          fresh = true;
        }
        applyLabel(id, file.rel, fresh);
      }
    }).immediate();
  };

  // Index: read each file once, probe it, write in large transactions.
  let pending: Outcome[] = outcomes;
  let done = 0;
  let next = 0;
  const total = toProbe.length;
  progress({ phase: 'index', done: 0, total });
  let lastProgress = 0;
  const worker = async (): Promise<void> => {
    while (next < toProbe.length) {
      if (options.signal?.aborted) throw cancelled();
      const item = toProbe[next++];
      let probe: ProbeResult;
      try {
        // Small files: one synchronous read (half the cost of an async one; the
        // worker yields every few dozen files, below). Large ones: streamed.
        probe = await probeFile(item.file.abs, item.file.size, maxPixels);
      } catch (err) {
        probe = { ok: false, hash: null, reason: `cannot read: ${errText(err)}` };
      }
      pending.push({ kind: 'probed', file: item.file, row: item.row, probe });
      done++;
      if (done % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (pending.length >= batchSize) {
        const batch = pending;
        pending = [];
        write(batch);
      }
      if (Date.now() - lastProgress > 250) {
        lastProgress = Date.now();
        progress({ phase: 'index', done, total });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, total)) }, worker));

  // Last batch, labels of unchanged files, vanished files, all in one transaction.
  db.transaction(() => {
    write(pending);
    for (const row of unchanged) applyLabel(row.id, row.rel_path, false);
    const t = Date.now();
    const markMissing = db.prepare("UPDATE images SET status = 'missing', updated_at = ? WHERE id = ? AND status NOT IN ('missing', 'removed')");
    for (const r of vanished) if (!movedIds.has(r.id)) markMissing.run(t, r.id);
    db.prepare('UPDATE roots SET imported_at = ? WHERE id = ?').run(t, rootId);
    if (historyId !== null && dropEntryIfEmpty(db, historyId)) historyId = null;
  }).immediate();
  // Fold the write-ahead log into the file now, so that the next small change
  // (a relabel) does not pay for the import's checkpoint.
  db.pragma('wal_checkpoint(PASSIVE)');
  progress({ phase: 'done', done: total, total });

  const failedRows = db.prepare("SELECT rel_path AS path, error AS reason FROM images WHERE root_id = ? AND status = 'failed' ORDER BY rel_path").all(rootId) as ImportFailure[];
  const missing = (db.prepare("SELECT count(*) AS n FROM images WHERE root_id = ? AND status = 'missing'").get(rootId) as { n: number }).n;
  const dup = duplicateSummary(db);
  const unmatched = source.kind === 'csv' ? labeler.unmatched(seen) : undefined;
  return {
    root,
    labelSource: describeLabelSource(source),
    images: walk.files.length + walk.failures.length,
    added: counts.added,
    updated: counts.updated,
    unchanged: unchanged.length + counts.unchangedFailures,
    moved: counts.moved,
    restored,
    missing,
    duplicates: dup.duplicates,
    duplicateGroups: dup.groups,
    ignored: walk.ignored,
    failed: [...walk.folderFailures.map((f) => ({ path: f.path + '/', reason: f.reason })), ...failedRows],
    labelled: counts.labelled,
    keptUserLabels: counts.keptUserLabels,
    ...(unmatched ? { csvUnmatched: unmatched.slice(0, 50) } : {}),
    classes: classCounts(db),
    unlabelled: (db.prepare("SELECT count(*) AS n FROM images i WHERE i.status = 'ok' AND NOT EXISTS (SELECT 1 FROM labels l WHERE l.image_id = i.id)").get() as { n: number }).n,
    historyId,
  };
}

function cancelled(): StudioError {
  return new StudioError('cancelled', 'import cancelled; the files indexed before the cancel are saved, run the import again to finish');
}

function upsertRoot(db: Db, root: string, labelSource: string, now: number): number {
  // Read then write: one immediate transaction, so two processes cannot both insert the root.
  return db.transaction(() => {
    const row = db.prepare('SELECT id FROM roots WHERE path = ?').get(root) as { id: number } | undefined;
    if (row) {
      db.prepare('UPDATE roots SET label_source = ? WHERE id = ?').run(labelSource, row.id);
      return row.id;
    }
    return Number(db.prepare('INSERT INTO roots (path, label_source, created_at) VALUES (?, ?, ?)').run(root, labelSource, now).lastInsertRowid);
  }).immediate();
}

function statements(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO images (root_id, rel_path, size, mtime_ms, hash, width, height, format, status, error, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: db.prepare(`UPDATE images SET size = ?, mtime_ms = ?, hash = ?, width = ?, height = ?, format = ?, status = ?, error = ?, updated_at = ?, rel_path = ?
                        WHERE id = ?`),
    getLabel: db.prepare('SELECT class_id, source FROM labels WHERE image_id = ?'),
    setLabel: db.prepare('INSERT OR REPLACE INTO labels (image_id, class_id, source, updated_at) VALUES (?, ?, ?, ?)'),
    recordChange: db.prepare(`INSERT INTO label_changes (history_id, image_id, old_class_id, new_class_id, old_source, new_source)
                              VALUES (?, ?, ?, ?, ?, ?)`),
  };
}

/** Healthy labelled images per live class, in class order. */
export function classCounts(db: Db): Record<string, number> {
  const rows = db.prepare(`
    SELECT c.name, count(i.id) AS n FROM classes c
    LEFT JOIN labels l ON l.class_id = c.id LEFT JOIN images i ON i.id = l.image_id AND i.status = 'ok'
    WHERE c.deleted = 0 GROUP BY c.id ORDER BY c.position, c.id`).all() as { name: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}
