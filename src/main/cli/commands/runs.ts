import { invalidArgument } from '../../../shared/errors.ts';
import { withProject } from '../../studio/project.ts';
import { compareRuns, type RunComparisonResult } from '../../studio/runs/compare-runs.ts';
import type { Part } from '../../studio/runs/run-store.ts';
import { listRuns, runDetail, type RunSummaryRow } from '../../studio/runs/run-summary.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

const pct = (v: number | null | undefined): string => (v == null ? '–' : `${(v * 100).toFixed(2)}%`);

export const runsCommand: Command = {
  name: 'runs',
  summary: 'List the runs of a project (or show one with --run ID): state, split, backbone, best epoch, validation figures',
  usage: 'xstudio runs --project P [--run ID] [--json]',
  options: { ...projectOption, run: { type: 'string' } },
  async run(args) {
    const projectFile = requireString(args, 'project');
    const id = optionalInt(args, 'run', 1);
    return withProject(projectFile, (project) => (id !== undefined ? runDetail(project, id) : { runs: listRuns(project) }), { create: false });
  },
  format(result) {
    if (!('runs' in result)) return JSON.stringify(result, null, 2);
    const rows = (result as { runs: RunSummaryRow[] }).runs;
    if (rows.length === 0) return 'no runs yet (xstudio train --project …)';
    return rows
      .map((r) => `${String(r.id).padStart(4)}  ${r.state.padEnd(11)} split ${r.split}  best epoch ${r.bestEpoch ?? '–'}  val acc ${pct(r.val.accuracy)}  val loss ${r.val.loss?.toFixed(4) ?? '–'}${r.randomInit ? '  [random-init backbone]' : ''}${r.labelsChangedSince ? '  (labels changed since)' : ''}${r.error ? `  — ${r.error}` : ''}`)
      .join('\n');
  },
};

export const runsCompareCommand: Command = {
  name: 'runs compare',
  summary: 'Compare two runs: configuration differences, metric differences, images each gets right that the other gets wrong',
  usage: 'xstudio runs compare A B --project P [--on val|test] [--json]',
  options: { ...projectOption, on: { type: 'string' } },
  positionals: true,
  async run(args) {
    const projectFile = requireString(args, 'project');
    const [a, b, ...rest] = args.positionals;
    if (!a || !b || rest.length) throw invalidArgument(`runs compare expects two run ids (xstudio runs compare A B --project P), got ${args.positionals.length}`);
    const ids = [a, b].map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw invalidArgument(`runs compare: "${v}" is not a run id`);
      return n;
    });
    const on = (optionalString(args, 'on') ?? 'val') as Part;
    if (on !== 'val' && on !== 'test') throw invalidArgument(`--on expects val or test, got "${on}"`);
    return withProject(projectFile, (project) => compareRuns(project, ids[0], ids[1], on), { create: false });
  },
  format(result) {
    const r = result as RunComparisonResult;
    return [
      `runs ${r.a} and ${r.b} on ${r.on}`,
      'configuration:',
      ...(r.configDiff.length ? r.configDiff.map((d) => `  ${d.key}: ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}`) : ['  identical']),
      'metrics:',
      ...r.metricDiff.map((m) => `  ${m.metric}: ${m.a ?? '–'} → ${m.b ?? '–'}${m.delta != null ? ` (${m.delta >= 0 ? '+' : ''}${m.delta.toFixed(4)})` : ''}`),
      `images right only in ${r.a}: ${r.onlyA.length}; only in ${r.b}: ${r.onlyB.length} (of ${r.common} compared)`,
      ...r.notes,
    ].join('\n');
  },
};
