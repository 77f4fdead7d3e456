import type { FeatureStatus, ProjectStatus, SplitInfo } from '../../../shared/api.ts';
import { projectFlag } from '../args.ts';
import { command } from '../command.ts';

type StatusOutput = ProjectStatus & { features: FeatureStatus };

/** Members of a frozen split whose image runs now leave out (removed, missing or failed). */
const unusable = (s: SplitInfo): number => s.unavailable.train + s.unavailable.val + s.unavailable.test;

export const statusCommand = command<StatusOutput>({
  name: 'status',
  summary: 'Summarise a project: images by status, classes with counts, splits, label history, duplicates, features',
  project: 'open',
  call: 'getProjectStatus',
  flags: { ...projectFlag },
  notes: ['Calls: getProjectStatus, and getFeatureStatus for the features.'],
  run: async ({ service }) => ({ ...(await service.getProjectStatus({})), features: await service.getFeatureStatus({}) }),
  format(s) {
    return [
      s.file,
      `images: ${s.images.total} (${s.images.ok} ok, ${s.images.failed} failed, ${s.images.missing} missing; ${s.images.labelled} labelled, ${s.images.unlabelled} unlabelled; ${s.images.duplicates} duplicates)`,
      `classes: ${s.classes.map((c) => `${c.name} ${c.count}`).join(', ') || '(none)'}`,
      `splits: ${s.splits.map((x) => `${x.name} (${x.totals.train}/${x.totals.val}/${x.totals.test}${x.testLocked ? ', test locked' : ''}${unusable(x) ? `, ${unusable(x)} no longer usable` : ''})`).join(', ') || '(none)'}`,
      `label history: ${s.history.canUndo ? `can undo "${s.history.undoDescription}"` : 'nothing to undo'}`,
      ...(s.features.backbones.length === 0
        ? ['features: none yet (xstudio extract)']
        : s.features.backbones.map((b) => `features: ${b.name}${b.randomInit ? ' [RANDOM INIT: not pretrained, for tests and demos only]' : ''}, ${b.inputSize} px: ${b.images}/${s.features.totalImages} images${b.key === s.features.latest ? ' (latest)' : ''}`)),
    ].join('\n');
  },
});
