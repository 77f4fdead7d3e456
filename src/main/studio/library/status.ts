import { listClasses, type ClassInfo } from '../labels/classes.ts';
import { historyPosition, type HistoryPosition } from '../labels/history.ts';
import type { Project } from '../project.ts';
import { listSplits, type SplitSummary } from '../splits/split-service.ts';
import { duplicateSummary, type DuplicateGroup } from './duplicates.ts';

export interface ProjectStatus {
  project: string;
  roots: { path: string; labelSource: string; importedAt: number | null; images: number }[];
  images: { total: number; ok: number; failed: number; missing: number; labelled: number; unlabelled: number };
  classes: ClassInfo[];
  splits: SplitSummary[];
  history: HistoryPosition;
  duplicates: { images: number; groups: number; examples: DuplicateGroup[] };
}

/** One summary of the project: images by status, classes with counts, splits, history position, duplicates. */
export function projectStatus(project: Project): ProjectStatus {
  const db = project.db;
  const s = db.prepare(`SELECT count(*) AS total, coalesce(sum(status = 'ok'), 0) AS ok, coalesce(sum(status = 'failed'), 0) AS failed,
      coalesce(sum(status = 'missing'), 0) AS missing,
      coalesce(sum(status = 'ok' AND id IN (SELECT image_id FROM labels)), 0) AS labelled FROM images`).get() as ProjectStatus['images'];
  const roots = db.prepare(`SELECT r.path, r.label_source AS labelSource, r.imported_at AS importedAt,
      (SELECT count(*) FROM images i WHERE i.root_id = r.id AND i.status != 'missing') AS images FROM roots r ORDER BY r.id`).all() as ProjectStatus['roots'];
  const dup = duplicateSummary(db, 5);
  return {
    project: project.file,
    roots,
    images: { ...s, unlabelled: s.ok - s.labelled },
    classes: listClasses(db),
    splits: listSplits(project),
    history: historyPosition(db),
    duplicates: { images: dup.duplicates, groups: dup.groupCount, examples: dup.groups },
  };
}
