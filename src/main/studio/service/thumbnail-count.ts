/**
 * How many thumbnails the cache holds, for the project status, without listing
 * 25,000 files on every status call.
 *
 * The cache has one folder per hash prefix (thumbs/ab/…). Each folder's count
 * is kept with the folder's mtime and the time it was read. A count is trusted
 * while the mtime is unchanged and the read came more than MTIME_SLACK_MS after
 * that mtime (a file added in the same clock tick as the read would not move
 * the mtime; 2 s covers the coarsest file systems). A folder never read is
 * read at once; a known folder that changed is re-read in the background and
 * `onChange` reports the new total, so a status call right after thumbnails
 * were made (every folder changed) costs a few stats, not a listing.
 */
import fs from 'node:fs';
import path from 'node:path';

const MTIME_SLACK_MS = 2000;

interface FolderCount {
  mtimeMs: number;
  readAt: number;
  count: number;
}

const countJpegs = (names: string[]): number => names.filter((f) => f.endsWith('.jpg')).length;

export class ThumbnailCounter {
  private dir = '';
  private readonly folders = new Map<string, FolderCount>();
  private refreshing: Promise<void> | null = null;
  private again = false;

  /** `onChange(total)`: a background re-read changed the total. */
  constructor(private readonly onChange: (total: number) => void) {}

  /** The best known count now (exact unless a known folder changed moments ago; then `onChange` follows). */
  count(dir: string): number {
    if (dir !== this.dir) {
      this.dir = dir;
      this.folders.clear();
    }
    let subs: string[];
    try {
      subs = fs.readdirSync(dir);
    } catch {
      return 0;
    }
    let total = 0;
    const stale: string[] = [];
    for (const sub of subs) {
      const folder = path.join(dir, sub);
      let mtimeMs: number;
      try {
        const st = fs.statSync(folder);
        if (!st.isDirectory()) continue;
        mtimeMs = st.mtimeMs;
      } catch {
        continue;
      }
      const known = this.folders.get(sub);
      if (known && known.mtimeMs === mtimeMs && known.readAt - mtimeMs > MTIME_SLACK_MS) {
        total += known.count;
      } else if (known) {
        total += known.count;
        stale.push(sub);
      } else {
        total += this.readNow(sub, mtimeMs);
      }
    }
    if (stale.length) this.refresh();
    return total;
  }

  private readNow(sub: string, mtimeMs: number): number {
    const readAt = Date.now();
    try {
      const count = countJpegs(fs.readdirSync(path.join(this.dir, sub)));
      this.folders.set(sub, { mtimeMs, readAt, count });
      return count;
    } catch {
      return 0;
    }
  }

  /** Re-reads the changed folders without blocking, then reports the total if it moved. */
  private refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    const dir = this.dir;
    this.refreshing = (async () => {
      let moved = false;
      for (const [sub, known] of this.folders) {
        const folder = path.join(dir, sub);
        try {
          const mtimeMs = (await fs.promises.stat(folder)).mtimeMs;
          if (known.mtimeMs === mtimeMs && known.readAt - mtimeMs > MTIME_SLACK_MS) continue;
          const readAt = Date.now();
          const count = countJpegs(await fs.promises.readdir(folder));
          if (this.dir !== dir) return;
          moved ||= count !== known.count;
          this.folders.set(sub, { mtimeMs, readAt, count });
        } catch {
          // gone: counted as empty from now on
          if (known.count !== 0) moved = true;
          this.folders.set(sub, { mtimeMs: 0, readAt: 0, count: 0 });
        }
      }
      if (moved && this.dir === dir) this.onChange([...this.folders.values()].reduce((n, f) => n + f.count, 0));
    })().finally(() => {
      this.refreshing = null;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  /** Settles when no background re-read is running (tests). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }
}
