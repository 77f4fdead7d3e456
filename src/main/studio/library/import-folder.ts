import type { ImportFailure, ImportSummary } from '../../../shared/api.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { notFound, StudioError } from '../../../shared/errors.ts';
import { defaultActor } from '../labels/actor.ts';
import { ensureClass, findLiveClass } from '../labels/classes.ts';
import { beginEntry, dropEntryIfEmpty, dropRedoStack } from '../labels/history.ts';
import { classCounts, countKeptUserLabels, liveClassNames, writeLabelChanges } from '../db/label-store.ts';
import {
  duplicateSummary, failedImagesOfRoot, imagesOfRoot, imageWriter, markImagesMissing, missingCountOfRoot, setRootImported, unlabelledHealthyCount, upsertRoot, type ImageFields, type StoredImage,
} from '../db/image-store.ts';
import { enclosingSideDir, projectSideDir } from '../paths.ts';
import type { Project } from '../project.ts';
import { DEFAULT_MAX_PIXELS, probeFile, WHOLE_READ_LIMIT, type ProbeResult } from './image-probe.ts';
import { describeLabelSource, makeLabeler, type LabelSource } from './label-sources.ts';
import { acquireImportLock } from './import-lock.ts';
import { errText, walkImages, type WalkedFile } from './walk.ts';

/** Memory an import may hold in file bytes at once (issue 9: two 1 GB files took 2.2 GB). */
const MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Files one task of the import's pool reads in turn, at most. */
const FILES_PER_TASK = 16;

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

type ImageRow = StoredImage;

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

  // Read then write: one immediate transaction, so two processes cannot both insert the root.
  const rootId = db.transaction(() => upsertRoot(db, root, describeLabelSource(source), now)).immediate();
  progress({ phase: 'walk', done: 0, total: 0 });
  const walk = await walkImages(root, { skipDirs: [projectSideDir(project.file)], signal: options.signal });
  if (options.signal?.aborted) throw cancelled();

  const existing = imagesOfRoot(db, rootId);
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
  const images = imageWriter(db);

  // The entry is begun keeping the redo stack, which is dropped only once the import changes something.
  let changedSomething = false;
  const entryId = (): number => {
    historyId ??= beginEntry(db, { actor, action: 'import', description: `labels from ${describeLabelSource(source)} on import of ${root}` }, { keepRedo: true });
    return historyId;
  };
  const changed = (): void => {
    if (!changedSomething) dropRedoStack(db);
    changedSomething = true;
  };
  const classId = (name: string): number => {
    let id = classIds.get(name);
    if (id === undefined) {
      id = findLiveClass(db, name)?.id;
      if (id === undefined) {
        id = ensureClass(db, name, entryId());
        changed();
      }
      classIds.set(name, id);
    }
    return id;
  };
  // Classes new to the project are created in name order (not walk order), so
  // the gallery's number keys 1–9 follow the alphabet: cat before dog.
  const knownClasses = new Set(liveClassNames(db));
  const newClassNames = [...new Set(walk.files.map((f) => labeler.labelFor(f.rel)))]
    .filter((n): n is string => n !== null && !knownClasses.has(n))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (newClassNames.length) db.transaction(() => newClassNames.forEach(classId)).immediate();
  // The labels a batch wants, written together by the one label-change function at the end of its transaction.
  let wanted: { imageId: number; classId: number }[] = [];
  const applyLabel = (imageId: number, rel: string): void => {
    const name = labeler.labelFor(rel);
    if (name !== null) wanted.push({ imageId, classId: classId(name) });
  };
  const writeLabels = (): void => {
    if (wanted.length === 0) return;
    counts.keptUserLabels += countKeptUserLabels(db, wanted);
    const n = writeLabelChanges(db, entryId(), { rows: wanted, source: 'import' });
    if (n > 0) changed();
    else if (historyId !== null && dropEntryIfEmpty(db, historyId)) historyId = null; // a cancel must not leave it behind
    counts.labelled += n;
    wanted = [];
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
          const failed: ImageFields = [null, null, null, null, 'failed', o.reason];
          const id = o.row ? (images.update(o.row.id, o.rel, -1, 0, failed, t), o.row.id) : images.insert(rootId, o.rel, -1, 0, failed, t);
          if (o.row) counts.updated++;
          else counts.added++;
          applyLabel(id, o.rel);
          continue;
        }
        const { file, probe } = o;
        const fields: ImageFields = probe.ok
          ? [probe.hash, probe.width, probe.height, probe.format, 'ok', null]
          : [probe.hash, probe.width ?? null, probe.height ?? null, probe.format ?? null, 'failed', probe.reason];
        let row = o.row;
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
          images.update(row.id, file.rel, file.size, file.mtimeMs, fields, t);
          id = row.id;
        } else {
          id = images.insert(rootId, file.rel, file.size, file.mtimeMs, fields, t);
          counts.added++;
        }
        applyLabel(id, file.rel);
      }
      writeLabels();
    }).immediate();
  };

  // Index: read each file once, probe it, write in large transactions.
  let pending: Outcome[] = outcomes;
  let done = 0;
  const total = toProbe.length;
  progress({ phase: 'index', done: 0, total });
  let lastProgress = 0;
  const limit = pLimit(Math.max(1, concurrency));
  // Probes finish out of order; rows are written in walk order (image ids follow it), through this buffer.
  const probed: (Outcome | undefined)[] = new Array(toProbe.length);
  let inOrder = 0;
  const probeOne = async (item: (typeof toProbe)[number], index: number): Promise<void> => {
    if (options.signal?.aborted) {
      limit.clearQueue();
      throw cancelled();
    }
    let probe: ProbeResult;
    try {
      // Small files: one synchronous read (half the cost of an async one; the
      // pool yields every few dozen files, below). Large ones: streamed.
      probe = await probeFile(item.file.abs, item.file.size, maxPixels);
    } catch (err) {
      probe = { ok: false, hash: null, reason: `cannot read: ${errText(err)}` };
    }
    probed[index] = { kind: 'probed', file: item.file, row: item.row, probe };
    for (; inOrder < probed.length && probed[inOrder]; inOrder++) {
      pending.push(probed[inOrder]!);
      probed[inOrder] = undefined;
    }
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
  };
  // The pool bounds the files read at once; each of its tasks reads a run of
  // files in turn, so its bookkeeping (a few promises a task) is paid per run:
  // paid per file it was a fifth of the index of 5,000 small files. Runs are
  // short enough that a small import still keeps the whole pool busy.
  const perTask = Math.max(1, Math.min(FILES_PER_TASK, Math.floor(total / Math.max(1, concurrency))));
  const starts: number[] = [];
  for (let i = 0; i < toProbe.length; i += perTask) starts.push(i);
  await Promise.all(starts.map((start) => limit(async () => {
    for (let i = start; i < Math.min(start + perTask, toProbe.length); i++) await probeOne(toProbe[i], i);
  })));

  // Last batch, labels of unchanged files, vanished files, all in one transaction.
  db.transaction(() => {
    write(pending);
    for (const row of unchanged) applyLabel(row.id, row.rel_path);
    writeLabels();
    const t = Date.now();
    markImagesMissing(db, vanished.filter((r) => !movedIds.has(r.id)).map((r) => r.id), t);
    setRootImported(db, rootId, t);
    if (historyId !== null && dropEntryIfEmpty(db, historyId)) historyId = null;
  }).immediate();
  // Fold the write-ahead log into the file now, so that the next small change
  // (a relabel) does not pay for the import's checkpoint.
  db.pragma('wal_checkpoint(PASSIVE)');
  progress({ phase: 'done', done: total, total });

  const failedRows: ImportFailure[] = failedImagesOfRoot(db, rootId);
  const missing = missingCountOfRoot(db, rootId);
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
    unlabelled: unlabelledHealthyCount(db),
    historyId,
  };
}

function cancelled(): StudioError {
  return new StudioError('cancelled', 'import cancelled; the files indexed before the cancel are saved, run the import again to finish');
}
