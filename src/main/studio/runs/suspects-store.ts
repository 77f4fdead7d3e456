/**
 * The latest suspected-label-error list of a project and the labels the user
 * confirmed as right, kept as small JSON files in the project's side folder
 * (a convenience cache: the list can always be computed again). A confirmed
 * image leaves the list until its label changes. Both the CLI (`xstudio
 * suspects`, `xstudio images --suspects`) and the UI read and write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SuspectItem, SuspectList, SuspectMark } from '../../../shared/api.ts';
import { projectSideDir } from '../paths.ts';
import type { Project } from '../project.ts';
import type { SuspectsOutcome } from './suspects-run.ts';

/** The suspect mark of an image in the current list, for the image list's filter and tiles. */
export interface SuspectLookup {
  get(imageId: number): SuspectMark | undefined;
  ids(): number[];
}

interface Stored {
  list: SuspectList | null;
  /** imageId → the class name the user confirmed. */
  confirmed: Record<string, string>;
}

export class SuspectsStore {
  private stored: Stored;
  private readonly file: string;

  constructor(private readonly project: Project) {
    // Reading makes no folder: listing images must not write next to the project.
    this.file = path.join(projectSideDir(project.file), 'suspects', 'suspects.json');
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

  /** Keeps the ranked suspects of a `findSuspects` outcome as the current list. */
  saveOutcome(outcome: SuspectsOutcome, computedAt = Date.now()): SuspectList {
    const hashOf = this.project.db.prepare('SELECT rel_path AS name, hash FROM images WHERE id = ?');
    const items = outcome.suspects.map((s): SuspectItem => {
      const row = hashOf.get(s.imageId) as { name: string; hash: string | null } | undefined;
      return {
        imageId: s.imageId, name: row?.name ?? s.path, hash: row?.hash ?? null, label: s.label, suggested: s.suggested,
        labelProbability: s.labelProbability, suggestedProbability: s.suggestedProbability, score: s.score, rank: s.rank,
      };
    });
    return this.save({ runId: outcome.run, folds: outcome.folds, computedAt, total: items.length, items });
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
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.stored));
    fs.renameSync(tmp, this.file);
  }
}
