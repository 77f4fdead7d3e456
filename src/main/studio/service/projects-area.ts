import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FolderEntry, ProjectStatus, RecentProject } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import { hasImageExtension } from '../library/image-formats.ts';
import type { ServiceArea, ServiceContext } from './context.ts';

/** Folder entries listed at most, so a huge folder does not flood the picker. */
const MAX_ENTRIES = 5000;

export interface ProjectsHost {
  open(file: string, mode: 'open' | 'create'): Promise<void>;
  status(): Promise<ProjectStatus>;
  recent(): Promise<RecentProject[]>;
}

/** Projects: open, create, recent, status, the app's facts, and a server-side folder picker. */
export function projectsArea(ctx: ServiceContext, host: ProjectsHost): ServiceArea {
  return {
    async getAppInfo() {
      const project = ctx.projectOrNull();
      return {
        version: ctx.version,
        transport: ctx.transport,
        defaultProject: ctx.defaultProject,
        dataDir: ctx.dataDir,
        project: project ? await host.status() : null,
      };
    },
    listRecentProjects: () => host.recent(),
    async openProject({ file }) {
      const abs = path.resolve(expandHome(file));
      if (!fs.existsSync(abs)) throw new StudioError('not-found', `project file ${abs} does not exist (create it instead?)`);
      if (fs.statSync(abs).isDirectory()) throw new StudioError('invalid-argument', `file: ${abs} is a folder; expected a project file (*.xstudio)`);
      await host.open(abs, 'open');
      return host.status();
    },
    async createProject({ file }) {
      let abs = path.resolve(expandHome(file));
      if (!/\.xstudio$/i.test(abs)) abs += '.xstudio';
      if (fs.existsSync(abs)) throw new StudioError('conflict', `${abs} already exists; open it, or choose another name`);
      await host.open(abs, 'create');
      return host.status();
    },
    getProjectStatus: () => host.status(),
    async listFolder({ path: p }) {
      const start = p && p.trim() ? path.resolve(expandHome(p.trim())) : defaultFolder(ctx);
      let dirents: fs.Dirent[];
      try {
        dirents = await fs.promises.readdir(start, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new StudioError('not-found', `folder ${start} does not exist`);
        if (code === 'ENOTDIR') throw new StudioError('invalid-argument', `path: ${start} is a file, expected a folder`);
        throw new StudioError('invalid-argument', `cannot read folder ${start}: ${(err as Error).message}`);
      }
      const dirs: FolderEntry[] = [];
      const files: FolderEntry[] = [];
      let imageFiles = 0;
      for (const d of dirents) {
        if (d.name.startsWith('.')) continue;
        const full = path.join(start, d.name);
        let isDir = d.isDirectory();
        if (d.isSymbolicLink()) {
          try {
            isDir = fs.statSync(full).isDirectory();
          } catch {
            continue;
          }
        }
        // A project's side folder (thumbnails, checkpoints) is the studio's, not a folder of photos.
        if (isDir && d.name.endsWith('.xstudio.d')) continue;
        if (isDir) dirs.push({ name: d.name, path: full, kind: 'dir' });
        else {
          if (hasImageExtension(d.name)) imageFiles++;
          files.push({ name: d.name, path: full, kind: 'file' });
        }
      }
      const byName = (a: FolderEntry, b: FolderEntry): number => a.name.localeCompare(b.name, undefined, { numeric: true });
      const parent = path.dirname(start);
      return { path: start, parent: parent === start ? null : parent, entries: [...dirs.sort(byName), ...files.sort(byName)].slice(0, MAX_ENTRIES), imageFiles };
    },
  };
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function defaultFolder(ctx: ServiceContext): string {
  const project = ctx.projectOrNull();
  const home = os.homedir();
  if (project && !project.file.startsWith(ctx.dataDir)) return path.dirname(project.file);
  return fs.existsSync(home) ? home : process.cwd();
}

/**
 * Deletes a project: its file (with SQLite's -wal / -shm beside it) and its
 * side folder of thumbnails and run files. Never the images, which live
 * elsewhere; never the open project nor the default one; only a file that is
 * a project (SQLite, *.xstudio).
 */
export function deleteProjectFiles(file: string, openFile: string | null, defaultProject: string): string {
  const abs = path.resolve(expandHome(file));
  if (openFile && path.resolve(openFile) === abs) throw new StudioError('conflict', `${abs} is the open project: open another project first, then delete this one`);
  if (path.resolve(defaultProject) === abs) throw new StudioError('invalid-argument', `${abs} is the default project, which the studio opens when no other is chosen: it cannot be deleted`);
  if (!/\.xstudio$/i.test(abs)) throw new StudioError('invalid-argument', `${abs} is not a project file (*.xstudio): nothing was deleted`);
  if (fs.existsSync(abs)) {
    const head = Buffer.alloc(16);
    const fd = fs.openSync(abs, 'r');
    try {
      fs.readSync(fd, head, 0, 16, 0);
    } finally {
      fs.closeSync(fd);
    }
    if (head.toString('latin1') !== 'SQLite format 3\0') throw new StudioError('invalid-argument', `${abs} is not a studio project (not an SQLite file): nothing was deleted`);
    for (const f of [abs, `${abs}-wal`, `${abs}-shm`]) fs.rmSync(f, { force: true });
  }
  fs.rmSync(`${abs}.d`, { recursive: true, force: true });
  return abs;
}
