import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudio } from './studio-service.ts';

describe('createStudio: which project opens at launch', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xstudio-launch-'));
  const home = path.join(dir, 'home');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('first launch: creates the default project in the data folder', async () => {
    const s = await createStudio({ transport: 'electron', dataDir: home, reopenLast: true });
    expect(s.projectFile()).toBe(path.join(home, 'default.xstudio'));
    expect(fs.existsSync(path.join(home, 'default.xstudio'))).toBe(true);
    const info = await s.service.getAppInfo({});
    expect(info.project?.isDefault).toBe(true);
    await s.service.createProject({ file: path.join(dir, 'dogs') });
    expect(s.projectFile()).toBe(path.join(dir, 'dogs.xstudio'));
    await s.close();
  });

  it('later launches reopen the last project', async () => {
    const s = await createStudio({ transport: 'electron', dataDir: home, reopenLast: true });
    expect(s.projectFile()).toBe(path.join(dir, 'dogs.xstudio'));
    const recent = await s.service.listRecentProjects({});
    expect(recent.map((r) => path.basename(r.file))).toEqual(['dogs.xstudio', 'default.xstudio']);
    expect(recent.find((r) => r.isDefault)?.name).toBe('default');
    await s.close();
  });

  it('a last project that cannot be opened falls back to the default one', async () => {
    fs.writeFileSync(path.join(dir, 'dogs.xstudio'), 'not a database at all, just text');
    const s = await createStudio({ transport: 'electron', dataDir: home, reopenLast: true });
    expect(s.projectFile()).toBe(path.join(home, 'default.xstudio'));
    await expect(s.service.openProject({ file: path.join(dir, 'dogs.xstudio') })).rejects.toMatchObject({ code: 'invalid-argument' });
    // The failed open left the default project open.
    expect(s.projectFile()).toBe(path.join(home, 'default.xstudio'));
    await s.close();
  });

  it('an explicit project that cannot be opened is an error', async () => {
    await expect(createStudio({ transport: 'http', dataDir: home, project: path.join(dir, 'dogs.xstudio') })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
