import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../shared/api.ts';
import { setStudioApi } from '../api/index.ts';
import { FakeStudioApi } from '../testing/fake-studio-api.ts';
import { useJobsStore } from './jobs.ts';
import { useProjectStore } from './project.ts';

describe('useProjectStore and useJobsStore', () => {
  let fake: FakeStudioApi;
  beforeEach(() => {
    fake = new FakeStudioApi();
    setStudioApi(fake.api());
    setActivePinia(createPinia());
  });
  afterEach(() => setStudioApi(null));

  it('loads the open project and the recent ones, and follows project events', async () => {
    const project = useProjectStore();
    await project.connect();
    expect(project.status?.name).toBe('fake');
    expect(project.classes.map((c) => c.name)).toEqual(['cat', 'dog']);
    expect(project.recent).toHaveLength(1);
    fake.emit('project.changed', { ...fake.status(), name: 'renamed' });
    expect(project.status?.name).toBe('renamed');
  });

  it('imports a folder and keeps the summary with the failures and their reasons', async () => {
    const project = useProjectStore();
    await project.connect();
    const summary = await project.importFolder({ folder: '/photos', labelSource: 'folder' });
    expect(summary?.failed).toEqual([{ path: 'bad.jpg', reason: 'truncated JPEG (no end marker)' }]);
    expect(project.importSummary?.added).toBe(2);
    expect(project.importing).toBe(false);
  });

  it('keeps the listing of the folder asked for last, whichever answer arrives last', async () => {
    const project = useProjectStore();
    // The dialog lists the project's folder on opening; that answer is held back
    // until after the folder the user typed has been listed.
    const releaseFirst = fake.gate('listFolder');
    const opening = project.browse();
    await project.browse('/photos/cats');
    releaseFirst();
    await opening;
    expect(project.folder?.path).toBe('/photos/cats');
    // An error from an older request does not replace a newer listing either.
    const releaseFailing = fake.gate('listFolder');
    fake.fail('listFolder', 'no such folder: /gone', 'not-found');
    const failing = project.browse('/gone');
    await project.browse('/photos/dogs');
    releaseFailing();
    await failing;
    expect(project.folder?.path).toBe('/photos/dogs');
    expect(project.folderError).toBeNull();
  });

  it('shows why a project could not be created', async () => {
    const project = useProjectStore();
    expect(await project.create('/tmp/exists.xstudio')).toBe(false);
    expect(project.error).toBe('/tmp/exists.xstudio already exists: open it instead');
  });

  it('tracks jobs from events and resolves waiters when a job ends', async () => {
    const jobs = useJobsStore();
    await jobs.connect();
    const j: JobInfo = { id: 'j1', kind: 'import', label: 'Importing /photos', state: 'running', done: 5, total: 10, unit: 'files', rate: 100, etaSeconds: 1, message: null, startedAt: 1, finishedAt: null, error: null, runId: null, result: null };
    fake.emit('job.updated', j);
    expect(jobs.active.map((x) => x.id)).toEqual(['j1']);
    expect(jobs.activeOf('import')?.done).toBe(5);
    const waiting = jobs.waitFor('j1');
    fake.emit('job.finished', { ...j, state: 'done', done: 10 });
    expect((await waiting).state).toBe('done');
    expect(jobs.active).toHaveLength(0);
  });
});
