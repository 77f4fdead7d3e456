import { projectStatus, type ProjectStatus } from '../../studio/library/status.ts';
import { withProject } from '../../studio/project.ts';
import { featuresStatus } from '../../studio/features/feature-store.ts';
import { projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Summarise a project: images by status, classes with counts, splits, label history, duplicates',
  usage: 'xstudio status --project P [--json]',
  options: { ...projectOption },
  async run(args) {
    return withProject(requireString(args, 'project'), (project) => ({ ...projectStatus(project), features: featuresStatus(project) }), { create: false });
  },
  format(r) {
    const s = r as ProjectStatus;
    return [
      `${s.project}`,
      `images: ${s.images.total} (${s.images.ok} ok, ${s.images.failed} failed, ${s.images.missing} missing; ${s.images.labelled} labelled, ${s.images.unlabelled} unlabelled)`,
      `classes: ${s.classes.map((c) => `${c.name} ${c.count}`).join(', ') || '(none)'}`,
      `splits: ${s.splits.map((x) => `${x.name} (${x.totals.train}/${x.totals.val}/${x.totals.test}${x.testLocked ? ', test locked' : ''})`).join(', ') || '(none)'}`,
      `label history: ${s.history.undoable} undoable, ${s.history.redoable} redoable`,
      `duplicates: ${s.duplicates.images} extra copies in ${s.duplicates.groups} groups`,
      ...featuresLines((r as { features: ReturnType<typeof featuresStatus> }).features),
    ].join('\n');
  },
};

/** One line per backbone with features; random-init ones say so loudly. */
function featuresLines(f: ReturnType<typeof featuresStatus>): string[] {
  if (f.backbones.length === 0) return ['features: none yet (xstudio extract)'];
  return f.backbones.map((b) => `features: ${b.name}${b.randomInit ? ' [RANDOM INIT: not pretrained, for tests and demos only]' : ''}, ${b.inputSize} px: ${b.withFeatures}/${b.images} images${b.key === f.latest ? ' (latest)' : ''}`);
}
