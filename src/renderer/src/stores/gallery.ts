// The gallery: a filtered, sorted view of the project's images loaded page by
// page as the grid scrolls, the selection, keyboard relabelling with undo and
// redo, and the large preview. A relabel shows at once (an optimistic override
// marked pending) and turns solid when the core has committed it; if the core
// refuses, the old label comes back and the error is shown.
import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef } from 'vue';
import type { GalleryItem, HistoryStep, ImageDetail, ImageFilter, ImageSort, ProjectStatus } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { useProjectStore } from './project.ts';

export const GALLERY_PAGE_SIZE = 200;
/** An undo or redo changing more labels than this asks first. */
export const LARGE_STEP = 100;

export interface LabelOverride {
  label: string | null;
  /** true until the core has committed the change. */
  pending: boolean;
}

export const useGalleryStore = defineStore('gallery', () => {
  const project = useProjectStore();

  const filter = ref<ImageFilter>({});
  const sort = ref<ImageSort>('name');
  const order = ref<'asc' | 'desc'>('asc');
  const total = ref(0);
  const loaded = ref(false);
  const loading = ref(false);
  const runId = ref<number | null>(null);
  const error = ref<string | null>(null);

  // Pages of items by page number: a shallow map, so reading one page tracks only that page.
  const pages = shallowReactive(new Map<number, GalleryItem[]>());
  const inflight = new Map<number, Promise<void>>();
  let generation = 0;
  let reloading: Promise<void> | null = null;
  // The project whose images are shown, and its image counts then.
  let shownFile: string | null = null;
  let shownImages = '';
  const imagesKey = (s: ProjectStatus): string => `${s.images.total}:${s.images.ok}:${s.images.failed}:${s.images.missing}:${s.images.duplicates}`;

  const overrides = shallowReactive(new Map<number, LabelOverride>());
  const selection = shallowRef<Set<number>>(new Set());
  const anchor = ref<number | null>(null);
  const focus = ref(-1);

  const previewOpen = ref(false);
  const preview = ref<ImageDetail | null>(null);
  const previewError = ref<string | null>(null);

  // History positions this window produced: their labels.changed events need no reload.
  // The event may arrive before the call's own answer, so events that come while a call
  // of ours is in flight wait for it.
  const ownPositions = new Set<number>();
  let ownCallsInFlight = 0;
  let deferredPositions: number[] = [];
  async function ownCall<T>(call: () => Promise<T>): Promise<T> {
    ownCallsInFlight++;
    try {
      return await call();
    } finally {
      ownCallsInFlight--;
      if (ownCallsInFlight === 0 && deferredPositions.length) {
        const positions = deferredPositions;
        deferredPositions = [];
        if (positions.filter((p) => !ownPositions.delete(p)).length > 0 && loaded.value) void refreshLoaded();
      }
    }
  }
  let connected = false;

  const selectedCount = computed(() => selection.value.size);
  const focusedItem = computed(() => (focus.value >= 0 ? itemAt(focus.value) : undefined));

  function itemAt(index: number): GalleryItem | undefined {
    return pages.get(Math.floor(index / GALLERY_PAGE_SIZE))?.[index % GALLERY_PAGE_SIZE];
  }
  function labelOf(item: GalleryItem): string | null {
    const o = overrides.get(item.id);
    return o ? o.label : item.label;
  }
  function isPending(id: number): boolean {
    return overrides.get(id)?.pending ?? false;
  }
  function isSelected(id: number): boolean {
    return selection.value.has(id);
  }
  const thumbUrl = (hash: string): string => getStudioApi().thumbUrl(hash);
  const imageUrl = (id: number): string => getStudioApi().imageUrl(id);

  function fetchPage(page: number): Promise<void> {
    const existing = inflight.get(page);
    if (existing) return existing;
    const gen = generation;
    const p = getStudioApi()
      .queryImages({ ...filter.value, sort: sort.value, order: order.value, offset: page * GALLERY_PAGE_SIZE, limit: GALLERY_PAGE_SIZE })
      .then((result) => {
        if (gen !== generation) return;
        pages.set(page, result.images);
        total.value = result.total;
        runId.value = result.runId;
        loaded.value = true;
      })
      .catch((err: unknown) => {
        if (gen === generation) error.value = errorText(err);
      })
      .finally(() => {
        if (inflight.get(page) === p) inflight.delete(page);
      });
    inflight.set(page, p);
    return p;
  }

  /** Makes sure the items in [start, end) are loaded (plus the next page, read ahead). */
  function ensureRange(start: number, end: number): Promise<void> {
    if (!loaded.value) return reloading ?? reload();
    const first = Math.floor(Math.max(0, start) / GALLERY_PAGE_SIZE);
    const last = Math.floor(Math.max(start, end - 1) / GALLERY_PAGE_SIZE) + 1;
    const lastPage = Math.max(0, Math.ceil(total.value / GALLERY_PAGE_SIZE) - 1);
    const waits: Promise<void>[] = [];
    for (let p = first; p <= Math.min(last, lastPage); p++) if (!pages.has(p)) waits.push(fetchPage(p));
    return Promise.all(waits).then(() => undefined);
  }

  /** Drops everything loaded and fetches the first page for the current filter and sort. */
  async function reload(keepSelection = false): Promise<void> {
    generation++;
    if (shownFile === null && project.status) {
      shownFile = project.status.file;
      shownImages = imagesKey(project.status);
    }
    inflight.clear();
    pages.clear();
    overrides.clear();
    if (!keepSelection) {
      selection.value = new Set();
      anchor.value = null;
      focus.value = -1;
    }
    loading.value = true;
    error.value = null;
    const p = fetchPage(0).finally(() => {
      loading.value = false;
      if (reloading === p) reloading = null;
    });
    reloading = p;
    await p;
  }

  /** Re-reads the pages already loaded in place (no flash of placeholders), e.g. after undo. */
  async function refreshLoaded(): Promise<void> {
    generation++;
    inflight.clear();
    const loadedPages = [...pages.keys()];
    if (loadedPages.length === 0) return reload(true);
    await Promise.all(loadedPages.map((p) => fetchPage(p)));
    for (const [id, o] of overrides) if (!o.pending) overrides.delete(id);
    if (focus.value >= total.value) focus.value = total.value - 1;
  }

  function setFilter(patch: Partial<ImageFilter>): Promise<void> {
    const next: ImageFilter = { ...filter.value, ...patch };
    for (const key of Object.keys(next) as (keyof ImageFilter)[]) {
      const v = next[key];
      if (v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)) delete next[key];
    }
    if (!next.split) delete next.part;
    filter.value = next;
    return reload();
  }
  function clearFilters(): Promise<void> {
    filter.value = {};
    return reload();
  }
  function setSort(nextSort: ImageSort, nextOrder?: 'asc' | 'desc'): Promise<void> {
    sort.value = nextSort;
    // Confidence ascending shows the least sure first; loss descending the worst first.
    order.value = nextOrder ?? (nextSort === 'loss' ? 'desc' : 'asc');
    return reload();
  }

  // ── selection ──
  async function idsBetween(a: number, b: number): Promise<number[]> {
    const lo = Math.max(0, Math.min(a, b));
    const hi = Math.min(total.value - 1, Math.max(a, b));
    await ensureRange(lo, hi + 1);
    const ids: number[] = [];
    for (let i = lo; i <= hi; i++) {
      const item = itemAt(i);
      if (item) ids.push(item.id);
    }
    return ids;
  }

  /** Click on a tile: plain selects it alone, ctrl/meta toggles it, shift extends from the anchor. */
  async function pick(index: number, mods: { shift?: boolean; ctrl?: boolean } = {}): Promise<void> {
    if (!itemAt(index)) await ensureRange(index, index + 1);
    const item = itemAt(index);
    if (!item) return;
    if (mods.shift && anchor.value !== null) {
      const ids = await idsBetween(anchor.value, index);
      const next = mods.ctrl ? new Set(selection.value) : new Set<number>();
      for (const id of ids) next.add(id);
      selection.value = next;
    } else if (mods.ctrl) {
      const next = new Set(selection.value);
      if (next.has(item.id)) next.delete(item.id);
      else next.add(item.id);
      selection.value = next;
      anchor.value = index;
    } else {
      selection.value = new Set([item.id]);
      anchor.value = index;
    }
    focus.value = index;
    if (previewOpen.value) void loadPreview();
  }

  /** Arrow keys: move the focus by `delta` tiles; with shift the selection grows from the anchor. */
  async function moveFocus(delta: number, extend = false): Promise<number> {
    if (total.value === 0) return -1;
    const from = focus.value < 0 ? 0 : focus.value;
    const to = focus.value < 0 ? 0 : Math.max(0, Math.min(total.value - 1, from + delta));
    await ensureRange(to, to + 1);
    if (extend) {
      if (anchor.value === null) anchor.value = from;
      selection.value = new Set(await idsBetween(anchor.value, to));
      focus.value = to;
      if (previewOpen.value) void loadPreview();
    } else {
      await pick(to);
    }
    return to;
  }

  async function selectAllFiltered(): Promise<void> {
    try {
      const { ids } = await getStudioApi().queryImageIds(filter.value);
      selection.value = new Set(ids);
    } catch (err) {
      error.value = errorText(err);
    }
  }
  function clearSelection(): void {
    selection.value = new Set();
    anchor.value = null;
  }

  // ── labels ──
  function targets(): number[] {
    if (selection.value.size > 0) return [...selection.value];
    const item = focusedItem.value;
    return item ? [item.id] : [];
  }

  /** Relabels the selection (or the focused image): shown at once, then committed by the core. */
  async function relabel(className: string | null): Promise<boolean> {
    const ids = targets();
    if (ids.length === 0) return false;
    const before = new Map(ids.map((id) => [id, overrides.get(id)]));
    for (const id of ids) overrides.set(id, { label: className, pending: true });
    try {
      const result = await ownCall(async () => {
        const r = await getStudioApi().setLabel({ imageIds: ids, className });
        ownPositions.add(r.history.position);
        return r;
      });
      for (const id of ids) {
        const o = overrides.get(id);
        if (o && o.pending && o.label === className) overrides.set(id, { label: className, pending: false });
      }
      project.applyLabels(result.history, result.classes);
      // The preview shows the label and its history: both changed.
      if (previewOpen.value && preview.value && ids.includes(preview.value.id)) void loadPreview();
      return true;
    } catch (err) {
      for (const id of ids) {
        const o = overrides.get(id);
        if (!o || o.label !== className) continue;
        const previous = before.get(id);
        if (previous) overrides.set(id, previous);
        else overrides.delete(id);
      }
      error.value = `Relabel failed: ${errorText(err)}`;
      return false;
    }
  }

  /** Number keys 1–9: the class at that position (classes in their order). */
  function relabelByKey(key: number): Promise<boolean> {
    const cls = project.classes[key - 1];
    if (!cls) {
      error.value = project.classes.length === 0 ? 'There are no classes yet: create one first (or import with labels).' : `Key ${key} has no class: there are ${project.classes.length} classes.`;
      return Promise.resolve(false);
    }
    return relabel(cls.name);
  }

  // ── removing from the project ──
  /** Images waiting for the user to confirm their removal from the project. */
  const pendingRemoval = ref<number[] | null>(null);
  function askRemove(): void {
    const ids = targets();
    if (ids.length) pendingRemoval.value = ids;
  }
  function cancelRemove(): void {
    pendingRemoval.value = null;
  }
  /** Takes the confirmed images out of the project (the files stay on disk); undo brings them back. */
  async function removeConfirmed(): Promise<void> {
    const ids = pendingRemoval.value;
    pendingRemoval.value = null;
    if (!ids?.length) return;
    try {
      const r = await ownCall(async () => {
        const out = await getStudioApi().removeImages({ ids });
        if (out.historyId !== null) ownPositions.add(out.history.position);
        return out;
      });
      project.applyLabels(r.history, r.classes);
      clearSelection();
      if (previewOpen.value) closePreview();
      notice.value = r.removed
        ? `Removed ${r.removed.toLocaleString('en-US')} image${r.removed === 1 ? '' : 's'} from the project; the files are untouched. Ctrl+Z brings ${r.removed === 1 ? 'it' : 'them'} back.`
        : 'Those images were already out of the project.';
      // The counts and folders arrive with the core's project.changed event.
      await reload();
    } catch (err) {
      error.value = `Remove failed: ${errorText(err)}`;
    }
  }

  /** A step too large to apply on a key press: waiting for the user to say yes. */
  const pendingUndo = ref<{ which: 'undo' | 'redo'; step: HistoryStep } | null>(null);
  /** What the last undo or redo did, or what a filter lost, in words. */
  const notice = ref<string | null>(null);

  async function undoOrRedo(which: 'undo' | 'redo', confirmed = false): Promise<void> {
    try {
      const api = getStudioApi();
      if (!confirmed) {
        const next = (await api.previewUndo())[which];
        if (!next) {
          error.value = which === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.';
          return;
        }
        if (next.images > LARGE_STEP) {
          pendingUndo.value = { which, step: next };
          return;
        }
      }
      pendingUndo.value = null;
      const result = await ownCall(async () => {
        const r = which === 'undo' ? await api.undo() : await api.redo();
        if (r.applied) ownPositions.add(r.history.position);
        return r;
      });
      if (!result.applied) {
        error.value = which === 'undo' ? 'Nothing to undo.' : 'Nothing to redo.';
        return;
      }
      project.applyLabels(result.history, result.classes);
      // A removal's description already counts its images.
      const n = result.action === 'remove-images' ? 0 : result.imageIds.length;
      notice.value = `${which === 'undo' ? 'Undid' : 'Redid'}: ${result.description ?? 'the last change'}${n ? `, ${n.toLocaleString('en-US')} image${n === 1 ? '' : 's'}` : ''}.`;
      const cleared = dropVanishedClasses();
      if (cleared) {
        notice.value += ` ${cleared}`;
        await reload(true);
      } else if (result.action === 'remove-images') {
        // Images came back into (or left) the project: the pages change, not only labels
        // (the counts arrive with the core's project.changed event).
        await reload(true);
      } else await refreshLoaded();
      if (previewOpen.value) await loadPreview();
    } catch (err) {
      error.value = `${which === 'undo' ? 'Undo' : 'Redo'} failed: ${errorText(err)}`;
    }
  }
  function cancelPendingUndo(): void {
    pendingUndo.value = null;
  }

  /** A filter naming a class that no longer exists shows nothing: it is cleared, and the note says so. */
  function dropVanishedClasses(): string | null {
    const names = new Set(project.classes.map((c) => c.name));
    const gone = (filter.value.classes ?? []).filter((c) => !names.has(c));
    const predictedGone = filter.value.predictedClass && !names.has(filter.value.predictedClass) ? filter.value.predictedClass : null;
    if (gone.length === 0 && !predictedGone) return null;
    const next: ImageFilter = { ...filter.value };
    const kept = (next.classes ?? []).filter((c) => names.has(c));
    if (kept.length) next.classes = kept;
    else delete next.classes;
    if (predictedGone) delete next.predictedClass;
    filter.value = next;
    const all = [...gone, ...(predictedGone ? [predictedGone] : [])].map((c) => `“${c}”`);
    return `The filter on ${all.join(' and ')} was cleared: ${all.length === 1 ? 'that class no longer exists' : 'those classes no longer exist'}.`;
  }

  const undo = (confirmed = false): Promise<void> => undoOrRedo('undo', confirmed);
  const redo = (confirmed = false): Promise<void> => undoOrRedo('redo', confirmed);

  async function classAction(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      await project.refresh();
      await refreshLoaded();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    }
  }
  const createClass = (name: string) => classAction(() => getStudioApi().createClass({ name }));
  const renameClass = (name: string, newName: string) => classAction(() => getStudioApi().renameClass({ name, newName }));
  const mergeClasses = (from: string[], into: string) => classAction(() => getStudioApi().mergeClasses({ from, into }));
  const deleteClass = (name: string) => classAction(() => getStudioApi().deleteClass({ name }));

  // ── preview ──
  async function loadPreview(): Promise<void> {
    const item = focusedItem.value;
    if (!item) return;
    previewError.value = null;
    try {
      const detail = await getStudioApi().getImage({ id: item.id });
      if (focusedItem.value?.id === detail.id) preview.value = detail;
    } catch (err) {
      previewError.value = errorText(err);
    }
  }
  async function openPreview(index?: number): Promise<void> {
    if (index !== undefined) await pick(index);
    if (!focusedItem.value) return;
    previewOpen.value = true;
    await loadPreview();
  }
  function closePreview(): void {
    previewOpen.value = false;
    preview.value = null;
  }

  /** Follows label changes made elsewhere (another window, the CLI) and new thumbnails. */
  function connect(): void {
    if (connected) return;
    connected = true;
    const api = getStudioApi();
    api.on('labels.changed', (e) => {
      if (ownCallsInFlight > 0) {
        deferredPositions.push(e.history.position);
        return;
      }
      if (ownPositions.delete(e.history.position)) return;
      if (loaded.value) void refreshLoaded();
    });
    api.on('project.changed', (status) => {
      // Another project: start over. The same one: reload only if its images changed (an
      // import), not for a new class or split, so images just relabelled stay in view.
      const same = shownFile === status.file;
      const images = imagesKey(status);
      const changed = !same || images !== shownImages;
      shownFile = status.file;
      shownImages = images;
      if (!same) {
        // Another project: its gallery starts from scratch (no filter, name order, no preview).
        filter.value = {};
        sort.value = 'name';
        order.value = 'asc';
        previewOpen.value = false;
        preview.value = null;
        previewError.value = null;
        error.value = null;
      }
      if (loaded.value && changed) void reload(same);
    });
    // A finished run brings new predictions (marks, sort by confidence or loss).
    api.on('run.updated', (run) => {
      if (run.state === 'done' && loaded.value) void refreshLoaded();
    });
  }

  return {
    filter, sort, order, total, loaded, loading, runId, error, pages, overrides, selection, anchor, focus, previewOpen, preview, previewError,
    selectedCount, focusedItem, itemAt, labelOf, isPending, isSelected, thumbUrl, imageUrl,
    ensureRange, reload, refreshLoaded, setFilter, clearFilters, setSort,
    pick, moveFocus, selectAllFiltered, clearSelection, relabel, relabelByKey, undo, redo,
    createClass, renameClass, mergeClasses, deleteClass, openPreview, closePreview, loadPreview, connect,
    pendingUndo, notice, cancelPendingUndo, pendingRemoval, askRemove, cancelRemove, removeConfirmed,
  };
});
