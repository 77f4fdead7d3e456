/**
 * The studio as the UI sees it: implements every call of the StudioApi
 * (src/shared/api.ts) by calling the core (library, labels, splits, features,
 * runs), owns the open project, the job registry (long work with progress and
 * cancel), and the event bus both transports forward. Inputs arrive already
 * validated by the transports; logic lives in the core, not here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CALL_NAMES, type AppInfo, type StudioService } from '../../shared/api.ts';
import { StudioError } from '../../shared/errors.ts';
import { parseCallInput } from '../../shared/api-schemas.ts';
import type { MediaRequest } from '../media-guard.ts';
import { guardMediaFile } from '../media-guard.ts';
import { studioDataDir } from './paths.ts';
import { Project } from './project.ts';
import { checkComplete, type ServiceContext } from './service/context.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { StudioEventBus } from './service/event-bus.ts';
import { JobRegistry } from './service/job-registry.ts';
import { deleteProjectFiles, projectsArea } from './service/projects-area.ts';
import { RecentProjects } from './service/recent-projects.ts';
import { projectStatusOf } from './service/views.ts';
import { SuspectsStore } from './db/decision-store.ts';
import { libraryArea, type LibraryArea } from './service/library-area.ts';
import { splitsArea } from './service/splits-area.ts';
import { mlArea } from './service/ml-area.ts';
import { runsArea, type RunsArea } from './service/runs-area.ts';

export interface StudioOptions {
  transport: AppInfo['transport'];
  /**
   * Project to open at start; default: the default project in the data folder
   * (created when missing). `null`: open none (the CLI's project-less commands).
   */
  project?: string | null;
  /** Without `project`: open the most recently used project if it still exists (the desktop app does). */
  reopenLast?: boolean;
  /** Create `project` when it does not exist (default true). */
  createProject?: boolean;
  /** Overrides XSTUDIO_HOME for the data folder (recent list, default project). */
  dataDir?: string;
  version?: string;
}

export interface Studio {
  readonly service: StudioService;
  readonly events: StudioEventBus;
  /**
   * The guarded real path of a media request, or null (→ 404). `signal`: the
   * asker went away (browser mode: the connection closed), so a thumbnail
   * still waiting for its turn to be made is not made for it.
   */
  resolveMedia(request: MediaRequest, signal?: AbortSignal): Promise<string | null>;
  /** The open project's file, or null. */
  projectFile(): string | null;
  close(): Promise<void>;
}

export const DEFAULT_PROJECT_NAME = 'default.xstudio';
/** How often the open project file is checked for writes by other processes (ms). */
const EXTERNAL_CHANGE_POLL_MS = 1000;

export function defaultProjectFile(dataDir = studioDataDir()): string {
  return path.join(dataDir, DEFAULT_PROJECT_NAME);
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function createStudio(options: StudioOptions): Promise<Studio> {
  const dataDir = path.resolve(options.dataDir ?? studioDataDir());
  const defaultProject = defaultProjectFile(dataDir);
  const events = new StudioEventBus();
  const jobs = new JobRegistry(events);
  const recent = new RecentProjects(path.join(dataDir, 'recent-projects.json'), defaultProject);
  let project: Project | null = null;
  const suspectStores = new WeakMap<Project, SuspectsStore>();
  let runner: JobRunner | null = null;

  const ctx: ServiceContext = {
    events,
    jobs,
    transport: options.transport,
    version: options.version ?? packageVersion(),
    dataDir,
    defaultProject,
    project() {
      if (!project) throw new StudioError('not-found', 'no project is open: open or create a project first');
      return project;
    },
    projectOrNull: () => project,
    runner() {
      if (!runner) runner = new JobRunner();
      return runner;
    },
    suspects() {
      const p = ctx.project();
      let store = suspectStores.get(p);
      if (!store) suspectStores.set(p, (store = new SuspectsStore(p.db)));
      return store;
    },
    projectChanged() {
      if (project) events.emit('project.changed', status());
    },
  };

  const library: LibraryArea = libraryArea(ctx);
  const runs: RunsArea = runsArea(ctx);
  const status = () => projectStatusOf(ctx.project(), ctx.project().file === defaultProject, (p) => library.thumbnailsReady(p));

  const open = async (file: string, mode: 'open' | 'create'): Promise<void> => {
    const next = new Project(file, { create: mode === 'create' });
    if (project) {
      jobs.cancelAll();
      await runs.onProjectClosing();
      project.close();
    }
    project = next;
    runs.onProjectOpened(next);
    if (options.transport !== 'cli') recent.touch(file);
    events.emit('project.changed', status());
  };

  // Another process (the CLI: `xstudio extract`, `train`, `label`…) may write
  // the open project file: SQLite's data_version changes when another
  // connection commits. Checked every second; the UI is told the project
  // changed, so every view reloads what it shows without a page reload.
  let dataVersion: number | null = null;
  let versionOf: Project | null = null;
  // A CLI command is the other writer, and prints once: it has no view to refresh.
  const watcher = options.transport === 'cli' ? undefined : setInterval(() => {
    const p = project;
    if (!p) return;
    try {
      const v = p.db.pragma('data_version', { simple: true }) as number;
      if (versionOf === p && dataVersion !== null && v !== dataVersion) events.emit('project.changed', status());
      versionOf = p;
      dataVersion = v;
    } catch {
      // A project being closed: the next tick sees the new one.
    }
  }, EXTERNAL_CHANGE_POLL_MS);
  watcher?.unref();

  const calls = checkComplete(
    {
      ...projectsArea(ctx, { open, status: async () => status(), recent: async () => recent.list() }),
      async deleteProject({ file }) {
        recent.forget(deleteProjectFiles(file, project?.file ?? null, defaultProject));
        return recent.list();
      },
      ...library.calls,
      ...splitsArea(ctx),
      ...mlArea(ctx),
      ...runs.calls,
    },
    CALL_NAMES,
  );
  // Every door gets the same checks: each call validates its input with the contract's schema here, once.
  const service = Object.fromEntries(
    // async: a bad input is a rejected promise like any other failure of the call, never a synchronous throw.
    CALL_NAMES.map((name) => [name, async (input: unknown) => (calls[name] as (i: unknown) => Promise<unknown>)(parseCallInput(name, input))]),
  ) as unknown as StudioService;

  if (options.project === null) return handle();
  const last = options.reopenLast ? recent.list().find((r) => r.exists) : undefined;
  const start = options.project ? path.resolve(options.project) : (last?.file ?? defaultProject);
  if (!fs.existsSync(start) && options.project && options.createProject === false) {
    throw new StudioError('not-found', `project file ${start} does not exist`);
  }
  try {
    await open(start, fs.existsSync(start) ? 'open' : 'create');
  } catch (err) {
    // A last-used project that cannot be opened (moved disk, newer schema) must not keep the app from starting.
    if (options.project || start === defaultProject) throw err;
    console.error(`xstudio: could not reopen ${start}: ${(err as Error).message}; opening the default project`);
    await open(defaultProject, fs.existsSync(defaultProject) ? 'open' : 'create');
  }

  return handle();

  function handle(): Studio {
   return {
    service,
    events,
    projectFile: () => project?.file ?? null,
    async resolveMedia(request, signal) {
      if (!project) return null;
      const image = await library.mediaFile(project, request, signal);
      if (image) return guardMediaFile(image.file, image.allowedRoots, image.imageFormat, image.imported);
      const found = await runs.mediaFile(project, request);
      return found ? guardMediaFile(found.file, found.allowedRoots) : null;
    },
    async close() {
      clearInterval(watcher);
      jobs.cancelAll();
      await runs.onProjectClosing();
      await runner?.close();
      runner = null;
      project?.close();
      project = null;
    },
   };
  }
}
