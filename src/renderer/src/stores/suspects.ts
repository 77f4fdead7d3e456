// Suspected label errors as a keyboard queue: the core ranks images whose
// cross-validated prediction confidently disagrees with their label; the user
// relabels (number keys) or confirms (Enter / C) each, then retrains.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { SuspectItem, SuspectList } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { useProjectStore } from './project.ts';

export type SuspectOutcome = { kind: 'relabelled'; to: string } | { kind: 'confirmed' } | { kind: 'skipped' };

export const useSuspectsStore = defineStore('suspects', () => {
  const project = useProjectStore();
  const list = ref<SuspectList | null>(null);
  const cursor = ref(0);
  const outcomes = ref<Record<number, SuspectOutcome>>({});
  const computing = ref(false);
  const error = ref<string | null>(null);
  const folds = ref(5);
  const runId = ref<number | null>(null);
  /** Logistic regression (confident learning's default, seconds) or the head per fold. */
  const ranker = ref<'logistic' | 'head'>('logistic');

  const items = computed<SuspectItem[]>(() => list.value?.items ?? []);
  const current = computed<SuspectItem | null>(() => items.value[cursor.value] ?? null);
  /** Relabelled or confirmed: a skip is "later", not a review (skipped images stay in the queue). */
  const reviewed = computed(() => Object.values(outcomes.value).filter((o) => o.kind !== 'skipped').length);
  const skippedCount = computed(() => Object.values(outcomes.value).filter((o) => o.kind === 'skipped').length);
  let loadedFor: string | null = null;

  /** The list stored by the last search, so a reload (or another day) resumes it. */
  async function load(): Promise<void> {
    const file = project.status?.file ?? null;
    if (list.value && loadedFor === file) return;
    try {
      const stored = await getStudioApi().getSuspects();
      loadedFor = file;
      if (stored && !list.value) {
        list.value = stored;
        cursor.value = 0;
        outcomes.value = {};
      }
    } catch (err) {
      error.value = errorText(err);
    }
  }
  const changedCount = computed(() => Object.values(outcomes.value).filter((o) => o.kind === 'relabelled').length);
  const thumbUrl = (hash: string): string => getStudioApi().thumbUrl(hash);
  const imageUrl = (id: number): string => getStudioApi().imageUrl(id);

  async function compute(): Promise<void> {
    computing.value = true;
    error.value = null;
    try {
      list.value = await getStudioApi().findSuspects({ folds: folds.value, ranker: ranker.value, ...(runId.value ? { runId: runId.value } : {}), limit: 500 });
      cursor.value = 0;
      outcomes.value = {};
    } catch (err) {
      error.value = errorText(err);
    } finally {
      computing.value = false;
    }
  }

  function advance(): void {
    const next = items.value.findIndex((it, i) => i > cursor.value && !outcomes.value[it.imageId]);
    cursor.value = next >= 0 ? next : Math.min(cursor.value + 1, items.value.length);
  }
  function move(delta: number): void {
    cursor.value = Math.max(0, Math.min(items.value.length - 1, cursor.value + delta));
  }

  async function relabelTo(className: string): Promise<boolean> {
    const item = current.value;
    if (!item) return false;
    try {
      const result = await getStudioApi().setLabel({ imageIds: [item.imageId], className });
      project.applyLabels(result.history, result.classes);
      outcomes.value = { ...outcomes.value, [item.imageId]: { kind: 'relabelled', to: className } };
      advance();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    }
  }
  function relabelByKey(key: number): Promise<boolean> {
    const cls = project.classes[key - 1];
    if (!cls) {
      error.value = `Key ${key} has no class: there are ${project.classes.length} classes.`;
      return Promise.resolve(false);
    }
    return relabelTo(cls.name);
  }
  /** Accepts the suggestion shown for the current image. */
  function acceptSuggestion(): Promise<boolean> {
    return current.value ? relabelTo(current.value.suggested) : Promise.resolve(false);
  }

  /** The label is right: it leaves the suspects list. */
  async function confirm(): Promise<boolean> {
    const item = current.value;
    if (!item) return false;
    try {
      await getStudioApi().confirmLabels({ imageIds: [item.imageId] });
      outcomes.value = { ...outcomes.value, [item.imageId]: { kind: 'confirmed' } };
      advance();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    }
  }
  function skip(): void {
    const item = current.value;
    if (!item) return;
    if (!outcomes.value[item.imageId]) outcomes.value = { ...outcomes.value, [item.imageId]: { kind: 'skipped' } };
    advance();
  }

  /** Another project was opened: its suspects are not these. */
  function reset(): void {
    loadedFor = null;
    list.value = null;
    cursor.value = 0;
    outcomes.value = {};
    error.value = null;
  }

  return { reset, load, skippedCount, list, cursor, outcomes, computing, error, folds, runId, ranker, items, current, reviewed, changedCount, thumbUrl, imageUrl, compute, move, relabelTo, relabelByKey, acceptSuggestion, confirm, skip };
});
