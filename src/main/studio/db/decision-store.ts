/**
 * The decision store: tables label_confirmations and suspect_list.
 * The latest suspected-label-error list of a project and the labels the user
 * confirmed as right, in the project file (migration 005): a confirmation is
 * the user's decision and travels with the project. A confirmed image leaves
 * the list until its label changes. The CLI (`xstudio suspects`, `xstudio
 * images --suspects`) and the UI read and write it through the service.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SuspectItem, SuspectList, SuspectMark } from '../../../shared/api.ts';
import { projectSideDir } from '../paths.ts';
import type { SuspectsOutcome } from '../runs/suspects-run.ts';
import { currentLabelNames } from './label-store.ts';
import { imageExists, imageNames } from './image-store.ts';
import type { Db } from './project-db.ts';

/** The suspect mark of an image in the current list, for the image list's filter and tiles. */
export interface SuspectLookup {
  get(imageId: number): SuspectMark | undefined;
  ids(): number[];
}

/** The side-folder JSON of studios before migration 005, read once and moved into the project file. */
interface LegacyStored {
  list: (Omit<SuspectList, 'split' | 'backbone' | 'images' | 'confirmed'> & Partial<SuspectList>) | null;
  confirmed: Record<string, string>;
}

export class SuspectsStore {
  constructor(private readonly db: Db) {
    this.adoptLegacyFile();
  }

  private get confirmed(): Map<number, string> {
    const rows = this.db.prepare('SELECT image_id AS id, class_name AS name FROM label_confirmations').all() as { id: number; name: string }[];
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  private get stored(): SuspectList | null {
    const row = this.db.prepare('SELECT list FROM suspect_list WHERE id = 1').get() as { list: string } | undefined;
    return row ? (JSON.parse(row.list) as SuspectList) : null;
  }

  /** The stored list without confirmed images and without images whose label has since changed. */
  current(): SuspectList | null {
    const list = this.stored;
    if (!list) return null;
    const labels = this.currentLabels(list.items.map((i) => i.imageId));
    const confirmed = this.confirmed;
    const items = list.items.filter((i) => labels.get(i.imageId) === i.label && confirmed.get(i.imageId) !== i.label);
    // Lists saved before the ranker choice existed were ranked by the head.
    return { ...list, ranker: list.ranker ?? 'head', items, total: items.length, confirmed: list.items.length - items.length };
  }

  /** Keeps the ranked suspects of a `findSuspects` outcome as the current list. */
  saveOutcome(outcome: SuspectsOutcome, computedAt = Date.now()): SuspectList {
    const names = imageNames(this.db, outcome.suspects.map((s) => s.imageId));
    const items = outcome.suspects.map((s): SuspectItem => {
      const row = names.get(s.imageId);
      return {
        imageId: s.imageId, name: row?.name ?? s.path, hash: row?.hash ?? null, label: s.label, suggested: s.suggested,
        labelProbability: s.labelProbability, suggestedProbability: s.suggestedProbability, score: s.score, rank: s.rank,
      };
    });
    return this.save({
      runId: outcome.run, split: outcome.split, backbone: outcome.backbone, images: outcome.images, confirmed: 0,
      folds: outcome.folds, ranker: outcome.ranker, computedAt, total: items.length, items,
    });
  }

  save(list: SuspectList): SuspectList {
    this.db.prepare('INSERT OR REPLACE INTO suspect_list (id, computed_at, list) VALUES (1, ?, ?)').run(list.computedAt, JSON.stringify(list));
    return this.current()!;
  }

  confirm(imageIds: number[]): number {
    const labels = this.currentLabels(imageIds);
    const insert = this.db.prepare('INSERT OR REPLACE INTO label_confirmations (image_id, class_name, confirmed_at) VALUES (?, ?, ?)');
    let n = 0;
    const now = Date.now();
    this.db.transaction(() => {
      for (const id of imageIds) {
        const label = labels.get(id);
        if (label === undefined) continue;
        insert.run(id, label, now);
        n++;
      }
    }).immediate();
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
    return currentLabelNames(this.db, ids);
  }

  /** Moves a pre-005 side-folder file into the project file once; the side folder keeps only what can be re-derived. */
  private adoptLegacyFile(): void {
    const file = path.join(projectSideDir(this.db.name), 'suspects', 'suspects.json');
    if (!fs.existsSync(file)) return;
    try {
      const legacy = JSON.parse(fs.readFileSync(file, 'utf8')) as LegacyStored;
      const insert = this.db.prepare('INSERT OR IGNORE INTO label_confirmations (image_id, class_name, confirmed_at) VALUES (?, ?, ?)');
      this.db.transaction(() => {
        for (const [id, name] of Object.entries(legacy.confirmed ?? {})) if (imageExists(this.db, Number(id))) insert.run(Number(id), name, Date.now());
        if (legacy.list && !this.stored) {
          const list: SuspectList = { split: null, backbone: null, images: null, confirmed: 0, ...legacy.list };
          this.db.prepare('INSERT INTO suspect_list (id, computed_at, list) VALUES (1, ?, ?)').run(list.computedAt, JSON.stringify(list));
        }
      }).immediate();
      fs.rmSync(file);
    } catch {
      // A damaged cache file holds nothing the project needs: leave it.
    }
  }
}
