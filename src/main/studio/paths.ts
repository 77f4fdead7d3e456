import os from 'node:os';
import path from 'node:path';

/**
 * Where the studio keeps things that are not in a project file.
 * - data: the default project and the recent-projects list
 *   ($XSTUDIO_HOME, else $XDG_DATA_HOME/xception-studio, else ~/.local/share/xception-studio;
 *   Electron passes app.getPath('userData') through XSTUDIO_HOME).
 * - cache: downloaded weights and other re-creatable files
 *   ($XSTUDIO_CACHE, else $XDG_CACHE_HOME/xception-studio, else ~/.cache/xception-studio).
 * Tests set both variables to temporary folders.
 */
export function studioDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XSTUDIO_HOME) return path.resolve(env.XSTUDIO_HOME);
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'xception-studio');
}

export function studioCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XSTUDIO_CACHE) return path.resolve(env.XSTUDIO_CACHE);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'xception-studio');
}

/**
 * A project's side folder, beside its file: `name.xstudio` keeps thumbnails,
 * checkpoints and run artefacts in `name.xstudio.d/`. Everything else is in
 * the project file itself.
 */
export function projectSideDir(projectFile: string): string {
  return path.resolve(projectFile) + '.d';
}

/**
 * True for the name of any project's side folder (`*.xstudio.d`, or the `.d`
 * beside a project file of another name): the studio never imports its own
 * thumbnails and run artefacts, whichever project they belong to.
 */
export function isSideDirName(name: string): boolean {
  return /\.xstudio\.d$/i.test(name);
}

/** The side folder `dir` is in (or is), or null: nothing under it may be imported. */
export function enclosingSideDir(dir: string, projectFile?: string): string | null {
  const own = projectFile ? projectSideDir(projectFile) : null;
  let d = path.resolve(dir);
  for (;;) {
    if (isSideDirName(path.basename(d)) || d === own) return d;
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}
