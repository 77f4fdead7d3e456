import { JobRunner } from '../../studio/jobs/job-runner.ts';
import { withProject } from '../../studio/project.ts';
import { findSuspects, type SuspectsOutcome } from '../../studio/runs/suspects-run.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const suspectsCommand: Command = {
  name: 'suspects',
  summary: 'Rank images whose label the model most confidently disagrees with (k-fold out-of-sample probabilities on cached features)',
  usage: 'xstudio suspects --project P [--run ID] [--split NAME] [--backbone KEY] [--folds 5] [--limit N] [--json]',
  options: { ...projectOption, run: { type: 'string' }, split: { type: 'string' }, backbone: { type: 'string' }, folds: { type: 'string' }, limit: { type: 'string' } },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await withProject(projectFile, (project) =>
        findSuspects(project, {
          runId: optionalInt(args, 'run', 1),
          folds: optionalInt(args, 'folds', 2),
          limit: optionalInt(args, 'limit', 1),
          split: optionalString(args, 'split'),
          backbone: optionalString(args, 'backbone'),
          runner,
          signal: io.signal,
          onProgress: (m) => io.progress(`suspects: ${m}`),
        }), { create: false });
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as SuspectsOutcome;
    return [
      `${r.total} suspected label errors among ${r.images} images (${r.folds}-fold cross-validation, split "${r.split}"); top ${r.suspects.length}:`,
      ...r.suspects.map((s) => `${String(s.rank).padStart(4)}  ${s.path}  labelled ${s.label} (${(s.labelProbability * 100).toFixed(1)}%), looks like ${s.suggested} (${(s.suggestedProbability * 100).toFixed(1)}%)`),
    ].join('\n');
  },
};
