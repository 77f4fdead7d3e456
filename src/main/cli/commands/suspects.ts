import { invalidArgument } from '../../../shared/errors.ts';
import { JobRunner } from '../../studio/jobs/job-runner.ts';
import { resolveImageRefs } from '../../studio/library/image-refs.ts';
import { withProject } from '../../studio/project.ts';
import { findSuspects, type SuspectsOutcome } from '../../studio/runs/suspects-run.ts';
import { SuspectsStore } from '../../studio/runs/suspects-store.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const suspectsCommand: Command = {
  name: 'suspects',
  summary: 'Rank images whose label the model most confidently disagrees with (k-fold out-of-sample probabilities on cached features); kept as the current suspect list',
  usage: 'xstudio suspects --project P [--run ID] [--split NAME] [--backbone KEY] [--folds 5] [--limit N] [--json]',
  options: { ...projectOption, run: { type: 'string' }, split: { type: 'string' }, backbone: { type: 'string' }, folds: { type: 'string' }, limit: { type: 'string' } },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await withProject(projectFile, async (project) => {
        const outcome = await findSuspects(project, {
          runId: optionalInt(args, 'run', 1),
          folds: optionalInt(args, 'folds', 2),
          // Every suspect is ranked and kept; --limit only shortens what is printed.
          limit: Number.MAX_SAFE_INTEGER,
          split: optionalString(args, 'split'),
          backbone: optionalString(args, 'backbone'),
          runner,
          signal: io.signal,
          onProgress: (m) => io.progress(`suspects: ${m}`),
        });
        // Kept as the project's current list, as the UI keeps it: `xstudio images --suspects` and the gallery show it.
        // Images whose label was confirmed as right (here or in the Suspects view) are not suspects any more.
        const kept = new Set(new SuspectsStore(project).saveOutcome(outcome).items.map((i) => i.imageId));
        const open = outcome.suspects.filter((s) => kept.has(s.imageId));
        return {
          ...outcome,
          total: open.length,
          confirmed: outcome.suspects.length - open.length,
          suspects: open.slice(0, optionalInt(args, 'limit', 1) ?? 50),
        };
      }, { create: false });
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as SuspectsOutcome & { confirmed?: number };
    return [
      `${r.total} suspected label errors among ${r.images} images (${r.folds}-fold cross-validation, split "${r.split}")${r.confirmed ? `, not counting ${r.confirmed} confirmed as right` : ''}; top ${r.suspects.length}:`,
      ...r.suspects.map((s) => `${String(s.rank).padStart(4)}  ${s.path}  labelled ${s.label} (${(s.labelProbability * 100).toFixed(1)}%), looks like ${s.suggested} (${(s.suggestedProbability * 100).toFixed(1)}%)`),
    ].join('\n');
  },
};

export const suspectsConfirmCommand: Command = {
  name: 'suspects confirm',
  summary: 'Confirm that the current label of suspected images is right: they leave the suspect list (as the Suspects view\'s confirm key does)',
  usage: 'xstudio suspects confirm --project P <image path or id>… [--json]',
  positionals: true,
  options: { ...projectOption },
  async run(args) {
    const projectFile = requireString(args, 'project');
    if (args.positionals.length === 0) throw invalidArgument('name the images to confirm: image ids or paths after the options');
    return withProject(projectFile, (project) => {
      const ids = resolveImageRefs(project, args.positionals);
      return { confirmed: new SuspectsStore(project).confirm(ids), images: ids.length };
    }, { create: false });
  },
  format(result) {
    const r = result as { confirmed: number; images: number };
    return `confirmed the label of ${r.confirmed} of ${r.images} image(s); they leave the suspect list`;
  },
};
