// The split editor: a form (sizes as counts or fractions, stratified, seed,
// lock test), a live preview of class balance per part computed by the core
// while the user types, and the list of frozen splits.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Part, SplitInfo, SplitPreview, SplitRequest } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { newestRequest } from './newest-request.ts';
import { useProjectStore } from './project.ts';

export interface SplitForm {
  name: string;
  unit: 'count' | 'fraction';
  /** In the unit's terms: image counts, or percentages (0–100) when unit is 'fraction'. */
  sizes: Record<Part, number>;
  stratified: boolean;
  seed: number;
  lockTest: boolean;
}

export function defaultSplitForm(existing: number): SplitForm {
  return { name: existing === 0 ? 'main' : `split-${existing + 1}`, unit: 'fraction', sizes: { train: 70, val: 15, test: 15 }, stratified: true, seed: 42, lockTest: true };
}

/** The request the core understands: percentages become fractions. */
export function toRequest(form: SplitForm): SplitRequest {
  const size = (x: number): number => (form.unit === 'fraction' ? x / 100 : x);
  return {
    name: form.name.trim(),
    unit: form.unit,
    sizes: { train: size(form.sizes.train), val: size(form.sizes.val), test: size(form.sizes.test) },
    stratified: form.stratified,
    seed: form.seed,
    lockTest: form.lockTest,
  };
}

export const useSplitsStore = defineStore('splits', () => {
  const project = useProjectStore();
  const splits = ref<SplitInfo[]>([]);
  const form = ref<SplitForm>(defaultSplitForm(0));
  const preview = ref<SplitPreview | null>(null);
  const previewError = ref<string | null>(null);
  const previewing = ref(false);
  const creating = ref(false);
  const error = ref<string | null>(null);
  const created = ref<SplitInfo | null>(null);
  const previewRequest = newestRequest();
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function load(): Promise<void> {
    try {
      splits.value = await getStudioApi().listSplits();
      if (splits.value.some((s) => s.name === form.value.name)) form.value = { ...form.value, name: defaultSplitForm(splits.value.length).name };
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Asks the core for the counts per part and class; only the latest answer is kept. */
  async function refreshPreview(): Promise<void> {
    const ticket = previewRequest();
    previewing.value = true;
    try {
      const result = await getStudioApi().previewSplit(toRequest({ ...form.value, name: form.value.name.trim() || 'preview' }));
      if (!ticket.current) return;
      preview.value = result;
      previewError.value = null;
    } catch (err) {
      if (!ticket.current) return;
      previewError.value = errorText(err);
    } finally {
      if (ticket.current) previewing.value = false;
    }
  }

  /** Form edits: the preview follows after a short pause in typing. */
  function update(patch: Partial<SplitForm>, delayMs = 120): void {
    form.value = { ...form.value, ...patch, sizes: { ...form.value.sizes, ...(patch.sizes ?? {}) } };
    created.value = null;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void refreshPreview(), delayMs);
  }

  /** Says how the last switch of unit converted the sizes, when it could not keep them exactly. */
  const unitNote = ref<string | null>(null);

  /**
   * Switching unit converts the sizes so the split asked for stays the same.
   * Counts beyond the labelled images (4000/2000/10000 of 300) cannot be
   * percentages of them: their proportions are kept instead, and a note says so.
   */
  function setUnit(unit: 'count' | 'fraction'): void {
    if (unit === form.value.unit) return;
    const available = preview.value?.available ?? 0;
    const s = form.value.sizes;
    unitNote.value = null;
    let sizes: Record<Part, number>;
    if (unit === 'count') {
      sizes = { train: Math.floor((s.train / 100) * available), val: Math.floor((s.val / 100) * available), test: Math.floor((s.test / 100) * available) };
    } else {
      const asked = s.train + s.val + s.test;
      if (available <= 0 || asked <= 0) sizes = { train: 70, val: 15, test: 15 };
      else {
        const base = Math.max(available, asked);
        sizes = { train: round1((s.train / base) * 100), val: round1((s.val / base) * 100), test: round1((s.test / base) * 100) };
        if (asked > available) {
          unitNote.value = `${asked.toLocaleString('en-US')} images were asked for but ${available.toLocaleString('en-US')} can go in a split: the percentages keep the same proportions of the ${available.toLocaleString('en-US')}.`;
        }
      }
    }
    update({ unit, sizes }, 0);
  }

  async function create(): Promise<SplitInfo | null> {
    creating.value = true;
    error.value = null;
    try {
      const split = await getStudioApi().createSplit(toRequest(form.value));
      created.value = split;
      await load();
      await project.refresh();
      form.value = { ...form.value, name: defaultSplitForm(splits.value.length).name };
      return split;
    } catch (err) {
      error.value = errorText(err);
      return null;
    } finally {
      creating.value = false;
    }
  }

  async function lock(name: string): Promise<void> {
    try {
      await getStudioApi().lockSplit({ name });
      await load();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  async function remove(name: string): Promise<void> {
    try {
      splits.value = await getStudioApi().deleteSplit({ name });
      await project.refresh();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Another project was opened: the form starts from its defaults, with no message. */
  function reset(): void {
    if (timer) clearTimeout(timer);
    splits.value = [];
    form.value = defaultSplitForm(0);
    preview.value = null;
    previewError.value = null;
    error.value = null;
    created.value = null;
    unitNote.value = null;
  }

  return { reset, unitNote, splits, form, preview, previewError, previewing, creating, error, created, load, refreshPreview, update, setUnit, create, lock, remove };
});

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
