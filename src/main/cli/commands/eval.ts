import { invalidArgument } from '../../../shared/errors.ts';
import { JobRunner } from '../../studio/jobs/job-runner.ts';
import { withProject } from '../../studio/project.ts';
import { evaluateRun, type EvaluateResult } from '../../studio/runs/evaluate-run.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a run on its validation or test part: loss, accuracy, per-class P/R/F1, confusion matrix, ROC AUC; stores a prediction per image',
  usage: 'xstudio eval --project P --run ID --on val|test [--json]',
  options: { ...projectOption, run: { type: 'string' }, on: { type: 'string' } },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    const id = optionalInt(args, 'run', 1);
    if (id === undefined) throw invalidArgument('missing --run');
    const on = optionalString(args, 'on') ?? 'val';
    if (on !== 'val' && on !== 'test') throw invalidArgument(`--on expects val or test, got "${on}"`);
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await withProject(projectFile, async (project) => {
        const r = await evaluateRun(project, id, on, runner, io.signal);
        if (r.notice) io.progress(r.notice);
        return r;
      }, { create: false });
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as EvaluateResult;
    const lines = [
      `run ${r.run} on ${r.on} (${r.n} images, ${r.model}): accuracy ${(r.accuracy * 100).toFixed(2)}%, loss ${r.loss.toFixed(4)}${r.rocAuc != null ? `, ROC AUC ${r.rocAuc.toFixed(4)}` : ''}`,
      ...r.perClass.map((c, i) => `  ${r.classes[i]}: precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)} F1 ${c.f1.toFixed(3)} (${c.support})`),
      `confusion (rows true, columns predicted: ${r.classes.join(', ')}):`,
      ...r.confusion.map((row, i) => `  ${r.classes[i].padEnd(12)} ${row.map((v) => String(v).padStart(6)).join(' ')}`),
    ];
    if (r.notice) lines.push(r.notice);
    return lines.join('\n');
  },
};
