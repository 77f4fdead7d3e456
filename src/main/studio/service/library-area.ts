/**
 * Library calls: import (with progress and a background thumbnail job after
 * it), thumbnails, the gallery, image details, labels with undo / redo, and
 * class operations. Each call is a thin wrapper over the core (library/,
 * labels/, thumbnails/) plus the events the UI needs.
 */
import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { ClassInfo, HistoryStep, ImageDetail, ImportRequest, ImportSummary, LabelChangeResult, UndoResult } from '../../../shared/api.ts';
import { fieldError, notFound } from '../../../shared/errors.ts';
import { isSafeRelative, type ImportedFile, type MediaRequest } from '../../media-guard.ts';
import { defaultActor } from '../labels/actor.ts';
import { addClass, deleteClass, mergeClass, renameClass } from '../labels/classes.ts';
import { listHistory, imageHistory } from '../labels/history.ts';
import { exportLabels, redoLabels, setLabels, undoLabels } from '../labels/label-service.ts';
import { resolveImageRefs } from '../library/image-refs.ts';
import { importFolder } from '../library/import-folder.ts';
import { removeImages } from '../library/remove-images.ts';
import { removedImagesOf } from '../db/removal-store.ts';
import { WHOLE_READ_LIMIT } from '../library/image-probe.ts';
import type { LabelSource } from '../library/label-sources.ts';
import type { ImageFormat } from '../library/image-formats.ts';
import type { Project } from '../project.ts';
import { makeThumbnails, thumbnailDir, thumbnailPath, renderThumbnail } from '../thumbnails/make-thumbnails.ts';
import type { ServiceArea, ServiceContext } from './context.ts';
import { imageRecord, queryImageIds, queryImages } from '../library/image-query.ts';
import { judge, probabilitiesRecord, runPredictions } from '../runs/run-predictions.ts';
import { ThumbnailCounter } from './thumbnail-count.ts';
import { changedImageIds, nextEntry } from '../db/label-store.ts';
import { healthyFileOfContent, healthyImageFile } from '../db/image-store.ts';
import { splitsOfImage } from '../db/split-store.ts';
import { runsPredictingImage } from '../db/run-store.ts';
import { classesOf, galleryItemOf, galleryPageOf, healthyContents, historyStateOf } from './views.ts';

export interface LibraryArea {
  calls: ServiceArea;
  /** Thumbnails in the cache (best known now; a background re-count that changes it emits thumbnails.ready). */
  thumbnailsReady(project: Project): number;
  mediaFile(project: Project, request: MediaRequest, signal?: AbortSignal): Promise<{ file: string; allowedRoots: string[]; imageFormat?: ImageFormat; imported?: ImportedFile } | null>;
}

function labelSourceOf(r: ImportRequest): LabelSource {
  switch (r.labelSource) {
    case 'csv':
      return { kind: 'csv', file: path.resolve(r.csvFile!) };
    case 'pattern':
      return { kind: 'pattern', pattern: r.labelPattern! };
    default:
      return { kind: r.labelSource };
  }
}

/** The gallery's page size when the call gives none (src/shared/api.ts). */
const GALLERY_PAGE = 200;

/** Thumbnails made on demand at most at once (the gallery asks for a screenful before the background job reaches it). */
const ON_DEMAND_CONCURRENCY = 4;
/** The background thumbnail job keeps out of the way this long after the last thumbnail made on demand. */
const ON_DEMAND_GRACE_MS = 400;

export function libraryArea(ctx: ServiceContext): LibraryArea {
  const actor = defaultActor(ctx.transport === 'electron' ? 'app' : ctx.transport === 'http' ? 'browser' : 'cli');
  let thumbnailJob: string | null = null;
  // Thumbnails being made on demand, by hash: the work, and the signals of those who asked (none
  // in the list = someone who cannot go away asked, e.g. the Electron protocol).
  const onDemand = new Map<string, { work: Promise<string | null>; askers: (AbortSignal | null)[] }>();
  let running = 0;
  // A background re-count that moved the figure is announced like the thumbnail job's progress.
  const thumbCounter = new ThumbnailCounter((ready) => {
    const project = ctx.projectOrNull();
    if (!project) return;
    const total = healthyContents(project.db);
    ctx.events.emit('thumbnails.ready', { hashes: [], ready: Math.min(ready, total), total });
  });
  const waiting: (() => void)[] = [];
  // The background job waits here while on-demand thumbnails are asked for or being made, and for
  // ON_DEMAND_GRACE_MS after the last one: the screen the user looks at comes before the rest of
  // the folder. (A fling ends on tiles the job has not reached; their requests come in waves as
  // the browser's six connections free up, and between two waves the job refilled libuv's thread
  // pool with its own decodes, so each wave queued behind them.)
  let whenIdle: { promise: Promise<void>; resolve: () => void } | null = null;
  let lastOnDemand = 0;
  let graceTimer: ReturnType<typeof setTimeout> | null = null;
  const onDemandIdle = (): Promise<void> | void => {
    if (running === 0 && waiting.length === 0 && Date.now() - lastOnDemand >= ON_DEMAND_GRACE_MS) return;
    if (!whenIdle) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      whenIdle = { promise, resolve };
      wakeBackground();
    }
    return whenIdle.promise;
  };
  const wakeBackground = (): void => {
    if (!whenIdle || running > 0 || waiting.length > 0 || graceTimer) return;
    const left = ON_DEMAND_GRACE_MS - (Date.now() - lastOnDemand);
    if (left > 0) {
      graceTimer = setTimeout(() => {
        graceTimer = null;
        wakeBackground();
      }, left);
      return;
    }
    whenIdle.resolve();
    whenIdle = null;
  };

  const labelsChanged = (imageIds: number[] | null): { history: LabelChangeResult['history']; classes: ClassInfo[] } => {
    const db = ctx.project().db;
    const state = { history: historyStateOf(db), classes: classesOf(db) };
    ctx.events.emit('labels.changed', { imageIds, ...state });
    return state;
  };

  const changedImages = (historyId: number): number[] => changedImageIds(ctx.project().db, historyId);

  const startThumbnails = (concurrency?: number): string => {
    if (thumbnailJob && ctx.jobs.get(thumbnailJob)?.state === 'running') return thumbnailJob;
    const project = ctx.project();
    const job = ctx.jobs.start('thumbnails', 'Making thumbnails', async (handle) => {
      let lastEmit = 0;
      const result = await makeThumbnails(project, {
        concurrency,
        signal: handle.signal,
        yieldTo: onDemandIdle,
        onProgress: ({ done, total }) => {
          handle.progress({ done, total, unit: 'images' });
          const now = Date.now();
          if (now - lastEmit > 500 || done === total) {
            lastEmit = now;
            ctx.events.emit('thumbnails.ready', { hashes: [], ready: done, total });
          }
        },
      });
      if (result.failed.length) ctx.projectChanged();
      return result;
    }, { unit: 'images' });
    thumbnailJob = job.id;
    return job.id;
  };

  const undoRedo = (which: 'undo' | 'redo'): UndoResult => {
    const project = ctx.project();
    const r = which === 'undo' ? undoLabels(project) : redoLabels(project);
    if (!r.entry) {
      const db = project.db;
      return { applied: false, description: null, action: null, imageIds: [], history: historyStateOf(db), classes: classesOf(db) };
    }
    const imageIds = [...changedImages(r.entry.id), ...removedImagesOf(project.db, r.entry.id)];
    // A removal undone or redone changes which images are in the project: every view reloads.
    const state = labelsChanged(r.entry.imagesRemoved > 0 ? null : imageIds);
    if (r.entry.classChanges > 0 || r.entry.imagesRemoved > 0) ctx.projectChanged();
    return { applied: true, description: r.entry.description, action: r.entry.action, imageIds, ...state };
  };

  /** The entries undo and redo would replay next, with their sizes. */
  const previewUndoRedo = (project: Project): { undo: HistoryStep | null; redo: HistoryStep | null } => {
    const step = (direction: 'undo' | 'redo'): HistoryStep | null => {
      const r = nextEntry(project.db, direction);
      return r ? { historyId: r.id, action: r.action, description: r.description, images: r.labelChanges + r.imagesRemoved, classChanges: r.classChanges } : null;
    };
    return { undo: step('undo'), redo: step('redo') };
  };

  const classOp = (run: () => { historyId: number; relabelled: number }): LabelChangeResult => {
    const r = run();
    const imageIds = r.relabelled > 0 ? changedImages(r.historyId) : [];
    const state = labelsChanged(imageIds);
    ctx.projectChanged();
    return { historyId: r.historyId, changed: r.relabelled, ...state };
  };

  /**
   * Makes one missing thumbnail now, so the gallery never waits for the background job.
   * The queue is hand-written, not p-limit: p-limit starts waiting work first in, first
   * out, and this one is last in, first out on purpose (newest request first), so that
   * after a fast scroll the tiles now on screen are made before the ones scrolled past;
   * and a request whose askers have all gone is dropped when its turn comes.
   */
  const thumbnailNow = async (project: Project, hash: string, signal?: AbortSignal): Promise<string | null> => {
    const target = thumbnailPath(project, hash);
    if (fs.existsSync(target)) return target;
    const pending = onDemand.get(hash);
    if (pending) {
      pending.askers.push(signal ?? null);
      return pending.work;
    }
    const askers: (AbortSignal | null)[] = [signal ?? null];
    const work = (async () => {
      // A free slot is taken here; a full house waits for a finishing one to hand its slot over.
      if (running >= ON_DEMAND_CONCURRENCY) await new Promise<void>((r) => waiting.push(r));
      else running++;
      try {
        if (fs.existsSync(target)) return target;
        // Everyone who asked has gone (a tile scrolled away cancels its request): not worth a decode now.
        if (askers.every((a) => a?.aborted)) return null;
        const row = healthyFileOfContent(project.db, hash);
        if (!row || !isSafeRelative(row.rel)) return null;
        // Synchronous file I/O, as in the background job: an async read or write is a few trips
        // through libuv's small thread pool, each queued behind the sharp decodes running there.
        // A large file is decoded by sharp from its path, as the job does (memory stays bounded).
        const file = path.join(row.root, ...row.rel.split('/'));
        const input = fs.statSync(file).size > WHOLE_READ_LIMIT ? file : fs.readFileSync(file);
        writeFileAtomicSync(target, await renderThumbnail(input));
        return target;
      } catch {
        // An image sharp cannot decode has no thumbnail; the background job records why.
        return null;
      } finally {
        // Newest first: after a long scroll the tiles on screen asked last, the ones scrolled past can wait.
        const next = waiting.pop();
        if (next) next();
        else running--;
        onDemand.delete(hash);
        lastOnDemand = Date.now();
        wakeBackground();
      }
    })();
    onDemand.set(hash, { work, askers });
    return work;
  };

  return {
    calls: {
      async importFolder(req) {
        const project = ctx.project();
        const folder = path.resolve(req.folder);
        const job = ctx.jobs.start('import', `Importing ${folder}`, (handle) =>
          importFolder(project, folder, {
            labels: labelSourceOf(req),
            maxPixels: req.maxPixels,
            concurrency: req.concurrency,
            batchSize: req.batchSize,
            actor,
            signal: handle.signal,
            onProgress: (p) => handle.progress({ done: p.done, total: p.total, unit: 'files', message: p.phase === 'walk' ? 'looking for images' : undefined }),
          }), { unit: 'files' });
        const r = await job.done;
        const thumbs = req.thumbnails === false ? null : startThumbnails();
        ctx.projectChanged();
        labelsChanged(null);
        const seconds = ((ctx.jobs.get(job.id)?.finishedAt ?? Date.now()) - (ctx.jobs.get(job.id)?.startedAt ?? Date.now())) / 1000;
        const summary: ImportSummary = {
          ...r,
          seconds,
          filesPerSecond: seconds > 0 ? r.images / seconds : r.images,
          thumbnailsJob: thumbs,
        };
        return summary;
      },
      makeThumbnails: async ({ concurrency }) => ({ jobId: startThumbnails(concurrency) }),
      findImages: async ({ refs }) => ({ ids: resolveImageRefs(ctx.project(), refs) }),
      exportLabels: async ({ out, includeUnlabelled }) => exportLabels(ctx.project(), out, { includeUnlabelled }),
      async queryImages(q) {
        return galleryPageOf(queryImages(ctx.project(), { ...q, limit: q.limit ?? GALLERY_PAGE }, ctx.suspects().lookup()));
      },
      async queryImageIds(f) {
        return queryImageIds(ctx.project(), f, ctx.suspects().lookup());
      },
      async getImage({ id }) {
        const project = ctx.project();
        const db = project.db;
        const record = imageRecord(project, id, ctx.suspects().lookup());
        if (!record) throw notFound(`no image with id ${id}`);
        const item = galleryItemOf(record);
        const splits = splitsOfImage(db, id);
        const runIds = runsPredictingImage(db, id);
        const predictions: ImageDetail['predictions'] = [];
        for (const runId of runIds) {
          const preds = runPredictions(db, runId);
          const p = preds?.byImage.get(id);
          if (p && preds) predictions.push({ runId, className: p.className, confidence: p.confidence, ...judge(p, item.label, preds.classes), probabilities: probabilitiesRecord(p, preds.classes) });
        }
        const history = imageHistory(db, id).map((e) => ({ historyId: e.historyId, at: e.at, actor: e.actor, action: e.action, description: e.description, from: e.from, to: e.to, undone: e.undone }));
        return { ...item, path: record.absPath, root: record.root, size: record.size, format: record.format, mtimeMs: record.mtimeMs, splits, predictions, history };
      },
      async setLabel({ imageIds, className }) {
        const r = setLabels(ctx.project(), imageIds, className, { actor });
        const ids = r.historyId !== null ? changedImages(r.historyId) : [];
        const state = r.historyId !== null ? labelsChanged(ids) : { history: historyStateOf(ctx.project().db), classes: classesOf(ctx.project().db) };
        if (r.classCreated) ctx.projectChanged();
        return { historyId: r.historyId, changed: r.changed, ...state };
      },
      previewUndo: async () => previewUndoRedo(ctx.project()),
      undo: async () => undoRedo('undo'),
      redo: async () => undoRedo('redo'),
      async getHistory({ limit }) {
        return listHistory(ctx.project().db, limit ?? 50).map((e) => ({ historyId: e.id, at: e.at, actor: e.actor, action: e.action, description: e.description, from: null, to: null, undone: e.undone }));
      },
      listClasses: async () => classesOf(ctx.project().db),
      createClass: async ({ name }) => classOp(() => addClass(ctx.project(), name, { actor })),
      renameClass: async ({ name, newName }) => classOp(() => renameClass(ctx.project(), name, newName, { actor })),
      async mergeClasses({ from, into }) {
        // One history entry per merged class: undo walks them back one at a time.
        let last = { historyId: 0, relabelled: 0 };
        let total = 0;
        // A class among `from` that is `into` stays (merging a selection into one of its classes); only itself is refused.
        if (from.every((f) => f === into)) throw fieldError('invalid-argument', 'into', `cannot merge class "${into}" into itself: name another class to merge into`);
        for (const f of from) {
          if (f === into) continue;
          last = mergeClass(ctx.project(), f, into, { actor });
          total += last.relabelled;
        }
        return classOp(() => ({ historyId: last.historyId, relabelled: total }));
      },
      deleteClass: async ({ name }) => classOp(() => deleteClass(ctx.project(), name, { actor })),
      async removeImages(request) {
        const r = removeImages(ctx.project(), request, { actor });
        // Images leave every view: the gallery reloads whole, counts and folders change.
        const state = r.removed > 0 ? labelsChanged(null) : { history: historyStateOf(ctx.project().db), classes: classesOf(ctx.project().db) };
        if (r.removed > 0) ctx.projectChanged();
        return { ...r, ...state };
      },
    },
    thumbnailsReady(project) {
      return thumbCounter.count(thumbnailDir(project));
    },
    async mediaFile(project, request, signal) {
      if (request.kind === 'thumb') {
        const file = await thumbnailNow(project, request.hash, signal);
        return file ? { file, allowedRoots: [thumbnailDir(project)] } : null;
      }
      if (request.kind === 'image') {
        // Only a healthy image is served, and only while its bytes are still the format the import found (media-guard.ts).
        const row = healthyImageFile(project.db, request.id) as { root: string; rel: string; format: ImageFormat | null; size: number; mtimeMs: number } | undefined;
        if (!row?.format || !isSafeRelative(row.rel)) return null;
        return { file: path.join(row.root, ...row.rel.split('/')), allowedRoots: [row.root], imageFormat: row.format, imported: { size: row.size, mtimeMs: row.mtimeMs } };
      }
      return null;
    },
  };
}
