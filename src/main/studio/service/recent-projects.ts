import { writeFileAtomicSync } from '../../common/atomic-write.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { RecentProject } from '../../../shared/api.ts';

const MAX_RECENT = 20;

/**
 * The recent-projects list, a small JSON file in the studio's data folder.
 * A damaged file is treated as empty: the list is a convenience, not data.
 */
export class RecentProjects {
  constructor(
    private readonly file: string,
    private readonly defaultProject: string,
  ) {}

  list(): RecentProject[] {
    return this.read().map((r) => ({
      file: r.file,
      name: projectName(r.file),
      openedAt: r.openedAt,
      exists: fs.existsSync(r.file),
      isDefault: path.resolve(r.file) === path.resolve(this.defaultProject),
    }));
  }

  touch(file: string): void {
    const abs = path.resolve(file);
    const entries = [{ file: abs, openedAt: Date.now() }, ...this.read().filter((r) => r.file !== abs)].slice(0, MAX_RECENT);
    writeFileAtomicSync(this.file, JSON.stringify({ recent: entries }, null, 2));
  }

  /** Drops a file from the list (its project was deleted). */
  forget(file: string): void {
    const abs = path.resolve(file);
    const entries = this.read().filter((r) => path.resolve(r.file) !== abs);
    writeFileAtomicSync(this.file, JSON.stringify({ recent: entries }, null, 2));
  }

  private read(): { file: string; openedAt: number }[] {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { recent?: unknown };
      if (!Array.isArray(parsed.recent)) return [];
      return parsed.recent.filter(
        (r): r is { file: string; openedAt: number } => typeof r?.file === 'string' && typeof r?.openedAt === 'number',
      );
    } catch {
      return [];
    }
  }
}

/** "dogs.xstudio" → "dogs". */
export function projectName(file: string): string {
  return path.basename(file).replace(/\.xstudio$/i, '');
}
