import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { toRequest, useSplitsStore } from './splits.ts';

describe('useSplitsStore', () => {
  let fake: FakeStudioApi;
  beforeEach(() => {
    fake = new FakeStudioApi({ images: 100 });
    setStudioApi(fake.api());
    setActivePinia(createPinia());
  });
  afterEach(() => {
    vi.useRealTimers();
    setStudioApi(null);
  });

  it('turns percentages into the fractions the core expects', () => {
    expect(toRequest({ name: ' a ', unit: 'fraction', sizes: { train: 70, val: 15, test: 15 }, stratified: true, seed: 3, lockTest: true })).toEqual({
      name: 'a', unit: 'fraction', sizes: { train: 0.7, val: 0.15, test: 0.15 }, stratified: true, seed: 3, lockTest: true,
    });
    expect(toRequest({ name: 'b', unit: 'count', sizes: { train: 40, val: 20, test: 10 }, stratified: false, seed: 0, lockTest: false }).sizes).toEqual({ train: 40, val: 20, test: 10 });
  });

  it('previews after a pause in typing, once for a burst of edits', async () => {
    vi.useFakeTimers();
    const splits = useSplitsStore();
    splits.update({ sizes: { train: 50, val: 25, test: 25 } });
    splits.update({ seed: 7 });
    splits.update({ stratified: false });
    expect(fake.count('previewSplit')).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.count('previewSplit')).toBe(1);
    expect(fake.inputsOf('previewSplit')[0]).toMatchObject({ seed: 7, stratified: false, sizes: { train: 0.5, val: 0.25, test: 0.25 } });
    expect(splits.preview?.parts.map((p) => p.total)).toEqual([50, 25, 25]);
  });

  it('keeps only the latest preview when answers arrive out of order', async () => {
    const splits = useSplitsStore();
    const open = fake.gate('previewSplit');
    splits.form = { ...splits.form, unit: 'count', sizes: { train: 10, val: 10, test: 10 } };
    const first = splits.refreshPreview();
    splits.form = { ...splits.form, sizes: { train: 20, val: 20, test: 20 } };
    await splits.refreshPreview();
    open();
    await first;
    expect(splits.preview?.parts[0].total).toBe(20);
  });

  it('shows the numbers when a request cannot be met', async () => {
    const splits = useSplitsStore();
    splits.form = { ...splits.form, unit: 'count', sizes: { train: 80, val: 20, test: 10 } };
    await splits.refreshPreview();
    expect(splits.preview?.ok).toBe(false);
    // 80 + 20 of the 100 labelled images leave none for the 10 test images asked.
    expect(splits.preview?.problem).toBe('sizes.test: expected at most 0, got 10');
    expect(splits.preview?.problemField).toBe('sizes.test');
  });

  it('converts sizes when the unit changes, so the split asked for stays the same', async () => {
    const splits = useSplitsStore();
    await splits.refreshPreview();
    splits.setUnit('count');
    expect(splits.form.sizes).toEqual({ train: 70, val: 15, test: 15 });
    splits.setUnit('fraction');
    expect(splits.form.sizes).toEqual({ train: 70, val: 15, test: 15 });
  });

  it('creates a split, lists it, proposes a new name, and reports a refusal in words', async () => {
    const splits = useSplitsStore();
    const created = await splits.create();
    expect(created?.name).toBe('main');
    expect(fake.inputsOf('createSplit')[0]).toMatchObject({ name: 'main', lockTest: true });
    expect(splits.splits.map((s) => s.name)).toEqual(['main']);
    expect(splits.form.name).toBe('split-2');
    splits.form = { ...splits.form, name: 'main' };
    expect(await splits.create()).toBeNull();
    expect(splits.error).toBe('a split named main exists');
  });
});
