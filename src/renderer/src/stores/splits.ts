// The split editor: a form (sizes as counts or fractions, stratified, seed,
// lock test), a live preview of class balance per part computed by the core
// while the user types, and the list of frozen splits.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Part, SplitInfo, SplitPreview, SplitRequest } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
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
  let previewSeq = 0;
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
    const seq = ++previewSeq;
    previewing.value = true;
    try {
      const result = await getStudioApi().previewSplit(toRequest({ ...form.value, name: form.value.name.trim() || 'preview' }));
      if (seq !== previewSeq) return;
      preview.value = result;
      previewError.value = null;
    } catch (err) {
      if (seq !== previewSeq) return;
      previewError.value = errorText(err);
    } finally {
      if (seq === previewSeq) previewing.value = false;
    }
  }

  /** Form edits: the preview follows after a short pause in typing. */
  function update(patch: Partial<SplitForm>, delayMs = 120): void {
    form.value = { ...form.value, ...patch, sizes: { ...form.value.sizes, ...(patch.sizes ?? {}) } };
    created.value = null;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void refreshPreview(), delayMs);
  }

  /** Switching unit converts the sizes so the split asked for stays the same. */
  function setUnit(unit: 'count' | 'fraction'): void {
    if (unit === form.value.unit) return;
    const available = preview.value?.available ?? 0;
    const s = form.value.sizes;
    const sizes =
      unit === 'count'
        ? { train: Math.round((s.train / 100) * available), val: Math.round((s.val / 100) * available), test: Math.round((s.test / 100) * available) }
        : available > 0
          ? { train: round1((s.train / available) * 100), val: round1((s.val / available) * 100), test: round1((s.test / available) * 100) }
          : { train: 70, val: 15, test: 15 };
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

  return { splits, form, preview, previewError, previewing, creating, error, created, load, refreshPreview, update, setUnit, create, lock, remove };
});

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
