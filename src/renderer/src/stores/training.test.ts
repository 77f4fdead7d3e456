import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../shared/api.ts';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { useJobsStore } from './jobs.ts';
import { useTrainingStore } from './training.ts';

function job(patch: Partial<JobInfo>): JobInfo {
  return { id: 'extract-1', kind: 'extract', label: 'Extracting features', state: 'running', done: 0, total: 10, unit: 'images', rate: null, etaSeconds: null, message: null, startedAt: 1, finishedAt: null, error: null, runId: null, result: null, ...patch };
}

describe('useTrainingStore', () => {
  let fake: FakeStudioApi;
  beforeEach(async () => {
    fake = new FakeStudioApi();
    setStudioApi(fake.api());
    setActivePinia(createPinia());
    await useJobsStore().connect();
  });
  afterEach(() => setStudioApi(null));

  it('loads the backend, weights, features, queue and a form with the reference defaults', async () => {
    const training = useTrainingStore();
    await training.load();
    expect(training.backend?.label).toBe('CPU (WebAssembly) — slow');
    expect(training.officialWeightsPresent).toBe(false);
    expect(training.form?.config.head).toMatchObject({ hidden: [256, 128], dropout: 0.5, optimizer: { kind: 'sgd', lr: 0.01 }, epochs: 50, batchSize: 32 });
  });

  it('starts a run with the edited form and follows its curve from the epoch events', async () => {
    const training = useTrainingStore();
    training.connect();
    await training.load();
    training.updateForm((f) => {
      f.name = 'small';
      f.config.head.epochs = 3;
    });
    expect(training.defaults?.head.epochs).toBe(50);
    const run = await training.startRun();
    expect(fake.inputsOf('startRun')[0]).toMatchObject({ name: 'small', config: { head: { epochs: 3 } } });
    expect(training.live?.runId).toBe(run!.id);
    for (const epoch of [1, 2]) {
      fake.emit('run.epoch', { runId: run!.id, epochs: 3, etaSeconds: 3 - epoch, metrics: { epoch, phase: 'head', train: { loss: 1 / epoch, accuracy: 0.6 }, val: { loss: 1 / epoch, accuracy: 0.7 }, lr: 0.01, seconds: 1 } });
    }
    fake.emit('run.epoch', { runId: 999, epochs: 3, etaSeconds: null, metrics: { epoch: 3, phase: 'head', train: { loss: 0, accuracy: 1 }, val: null, lr: null, seconds: null } });
    // Epoch events are coalesced: applied together at most four times a second.
    await new Promise((r) => setTimeout(r, 300));
    expect(training.live?.curve.map((m) => m.epoch)).toEqual([1, 2]);
    expect(training.live?.etaSeconds).toBe(1);
    fake.emit('run.updated', { ...fake.summary(fake.runs[0]), state: 'done' });
    expect(training.live?.state).toBe('done');
  });

  it('reports an extraction failure where it happened', async () => {
    const training = useTrainingStore();
    const jobs = useJobsStore();
    const started = training.startExtraction();
    await new Promise((r) => setTimeout(r, 0));
    jobs.apply(job({ state: 'running', done: 4 }));
    expect(training.extractionJob?.done).toBe(4);
    jobs.apply(job({ state: 'failed', error: { name: 'StudioError', code: 'internal', message: 'worker exited with signal SIGKILL while extracting features (out of memory?)' } }));
    await started;
    expect(training.extractError).toMatch(/out of memory/);
  });

  it('measures a fine-tuning run first, shows how long it will take and starts it only when confirmed', async () => {
    const training = useTrainingStore();
    await training.load();
    training.updateForm((f) => {
      f.config.fineTune.epochs = 2;
    });
    const asked: string[] = [];
    training.setConfirmStart(async (e) => (asked.push(e.message), false));
    expect(await training.startRun()).toBeNull();
    expect(fake.inputsOf('estimateRun')[0]).toMatchObject({ config: { fineTune: { epochs: 2 } } });
    expect(asked).toEqual(['fine-tuning will take about 3 s']);
    expect(training.estimate?.totalSeconds).toBe(6);
    expect(fake.inputsOf('startRun')).toHaveLength(0);
    training.setConfirmStart(async () => true);
    expect(await training.startRun()).not.toBeNull();
    expect(fake.inputsOf('startRun')).toHaveLength(1);
  });

  it('says why a run could not start', async () => {
    const training = useTrainingStore();
    await training.load();
    fake.fail('startRun', 'no split yet: create one in Splits');
    expect(await training.startRun()).toBeNull();
    expect(training.runError).toBe('no split yet: create one in Splits');
  });
});
