import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { useProjectStore } from './project.ts';
import { useSuspectsStore } from './suspects.ts';

describe('useSuspectsStore', () => {
  let fake: FakeStudioApi;
  beforeEach(async () => {
    fake = new FakeStudioApi();
    setStudioApi(fake.api());
    setActivePinia(createPinia());
    await useProjectStore().connect();
  });
  afterEach(() => setStudioApi(null));

  it('works through the queue: a number key relabels, confirm keeps the label, each moves on', async () => {
    const suspects = useSuspectsStore();
    suspects.folds = 3;
    await suspects.compute();
    expect(fake.inputsOf('findSuspects')[0]).toMatchObject({ folds: 3 });
    expect(suspects.current?.imageId).toBe(1);
    expect(await suspects.relabelByKey(2)).toBe(true);
    expect(fake.inputsOf('setLabel')[0]).toEqual({ imageIds: [1], className: 'dog' });
    expect(suspects.outcomes[1]).toEqual({ kind: 'relabelled', to: 'dog' });
    expect(suspects.current?.imageId).toBe(2);
    expect(await suspects.confirm()).toBe(true);
    expect(fake.inputsOf('confirmLabels')[0]).toEqual({ imageIds: [2] });
    expect(suspects.current).toBeNull();
    expect(suspects.reviewed).toBe(2);
    expect(suspects.changedCount).toBe(1);
    expect(useProjectStore().classes.find((c) => c.name === 'dog')?.count).toBe(6);
  });

  it('accepts the suggestion, skips, and steps back', async () => {
    const suspects = useSuspectsStore();
    await suspects.compute();
    suspects.skip();
    expect(suspects.outcomes[1]).toEqual({ kind: 'skipped' });
    suspects.move(-1);
    expect(suspects.current?.imageId).toBe(1);
    await suspects.acceptSuggestion();
    expect(fake.inputsOf('setLabel')[0]).toEqual({ imageIds: [1], className: 'dog' });
  });

  it('says why the search failed', async () => {
    const suspects = useSuspectsStore();
    fake.fail('findSuspects', 'no features yet: extract features in Training first');
    await suspects.compute();
    expect(suspects.error).toBe('no features yet: extract features in Training first');
    expect(suspects.computing).toBe(false);
  });
});
