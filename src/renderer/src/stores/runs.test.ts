import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { useRunsStore } from './runs.ts';

describe('useRunsStore', () => {
  let fake: FakeStudioApi;
  beforeEach(() => {
    fake = new FakeStudioApi();
    fake.addRun(1, 'first', 0.01);
    fake.addRun(2, 'second', 0.05);
    fake.splits.push({ id: 1, name: 'main', seed: 1, stratified: true, testLocked: true, testEvaluations: 0, createdAt: 1, parts: [], counts: { train: {}, val: {}, test: {} }, totals: { train: 0, val: 0, test: 0 }, unavailable: { train: 0, val: 0, test: 0 } });
    setStudioApi(fake.api());
    setActivePinia(createPinia());
  });
  afterEach(() => setStudioApi(null));

  it('lists runs newest first; one selected shows its detail, two their comparison', async () => {
    const runs = useRunsStore();
    await runs.load();
    expect(runs.runs.map((r) => r.name)).toEqual(['second', 'first']);
    await runs.toggle(1);
    expect(runs.detail?.name).toBe('first');
    expect(runs.comparison).toBeNull();
    await runs.toggle(2);
    expect(runs.detail).toBeNull();
    expect(fake.inputsOf('compareRuns')[0]).toEqual({ ids: [1, 2] });
    expect(runs.comparison?.configDiff).toEqual([{ key: 'head.optimizer.lr', values: [0.01, 0.05] }]);
    await runs.toggle(1);
    expect(runs.detail?.name).toBe('second');
  });

  it('evaluates on test and shows the counter going up', async () => {
    const runs = useRunsStore();
    await runs.load();
    await runs.selectOnly([1]);
    const first = await runs.evaluate(1, 'test');
    expect(first?.testEvaluations).toBe(1);
    expect((await runs.evaluate(1, 'test'))?.testEvaluations).toBe(2);
    expect(runs.evaluating).toBeNull();
  });

  it('exports, keeps the list of exports, and shows a failure in words', async () => {
    const runs = useRunsStore();
    await runs.selectOnly([2]);
    const result = await runs.exportRun(2, 'tfjs', '/tmp/out');
    expect(result?.path).toBe('/tmp/out');
    expect(fake.inputsOf('exportRun')[0]).toEqual({ runId: 2, format: 'tfjs', out: '/tmp/out' });
    fake.fail('exportRun', '/readonly/out is not writable');
    expect(await runs.exportRun(2, 'keras', '/readonly/out')).toBeNull();
    expect(runs.exportError).toBe('/readonly/out is not writable');
    expect(runs.exported).toHaveLength(1);
  });

  it('exports ONNX with overwrite asked for, keeping the self-check', async () => {
    const runs = useRunsStore();
    const result = await runs.exportRun(2, 'onnx', '/tmp/onnx', undefined, true);
    expect(fake.inputsOf('exportRun')[0]).toEqual({ runId: 2, format: 'onnx', out: '/tmp/onnx', overwrite: true });
    expect(result?.check).toMatchObject({ images: 3, agree: 3 });
  });

  it('writes the report before giving its URL', async () => {
    const runs = useRunsStore();
    expect(await runs.reportUrl(2)).toBe('/media/report/2');
    expect(fake.count('getRunReport')).toBe(1);
  });

  it('follows run events: new runs appear, finished selected runs refresh', async () => {
    const runs = useRunsStore();
    runs.connect();
    await runs.load();
    await runs.selectOnly([1]);
    const third = fake.addRun(3, 'third', 0.1);
    fake.emit('run.updated', fake.summary(third));
    expect(runs.runs[0].name).toBe('third');
    const before = fake.count('getRun');
    fake.emit('run.updated', { ...fake.summary(fake.runs[0]), state: 'done' });
    await new Promise((r) => setTimeout(r, 0));
    expect(fake.count('getRun')).toBe(before + 1);
  });
});
