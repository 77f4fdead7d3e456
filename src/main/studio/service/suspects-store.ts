/**
 * The latest suspected-label-error list of a project and the labels the user
 * confirmed as right, kept as small JSON files in the project's side folder
 * (a convenience cache: the list can always be computed again). A confirmed
 * image leaves the list until its label changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SuspectItem, SuspectList } from '../../../shared/api.ts';
import type { Project } from '../project.ts';
import type { SuspectLookup } from './gallery-query.ts';

interface Stored {
  list: SuspectList | null;
  /** imageId → the class name the user confirmed. */
  confirmed: Record<string, string>;
}

export class SuspectsStore {
  private stored: Stored;
  private readonly file: string;

  constructor(private readonly project: Project) {
    this.file = path.join(project.sideDir('suspects'), 'suspects.json');
    try {
      this.stored = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Stored;
    } catch {
      this.stored = { list: null, confirmed: {} };
    }
  }

  /** The stored list without confirmed images and without images whose label has since changed. */
  current(): SuspectList | null {
    const list = this.stored.list;
    if (!list) return null;
    const labels = this.currentLabels(list.items.map((i) => i.imageId));
    const items = list.items.filter((i) => labels.get(i.imageId) === i.label && this.stored.confirmed[i.imageId] !== i.label);
    return { ...list, items, total: items.length };
  }

  save(list: SuspectList): SuspectList {
    this.stored.list = list;
    this.write();
    return this.current()!;
  }

  confirm(imageIds: number[]): number {
    const labels = this.currentLabels(imageIds);
    let n = 0;
    for (const id of imageIds) {
      const label = labels.get(id);
      if (label === undefined) continue;
      this.stored.confirmed[id] = label;
      n++;
    }
    this.write();
    return n;
  }

  lookup(): SuspectLookup {
    const list = this.current();
    const byId = new Map<number, SuspectItem>((list?.items ?? []).map((i) => [i.imageId, i]));
    return {
      get: (id) => {
        const s = byId.get(id);
        return s ? { rank: s.rank, score: s.score, suggested: s.suggested } : undefined;
      },
      ids: () => [...byId.keys()],
    };
  }

  private currentLabels(ids: number[]): Map<number, string> {
    if (ids.length === 0) return new Map();
    const rows = this.project.db
      .prepare(`SELECT l.image_id AS id, c.name FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.image_id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as { id: number; name: string }[];
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  private write(): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.stored));
    fs.renameSync(tmp, this.file);
  }
}
