import type { RunComparison, RunDetail, RunSummary } from '../../../shared/api.ts';
import { oneOf, optionalInt, projectFlag, UsageError } from '../args.ts';
import { command } from '../command.ts';

const pct = (v: number | null | undefined): string => (v == null ? '–' : `${(v * 100).toFixed(2)}%`);

export const runsCommand = command<{ runs: RunSummary[] } | RunDetail>({
  name: 'runs',
  summary: 'List the runs of a project (or show one with --run ID): state, split, backbone, best epoch, validation figures',
  project: 'open',
  call: 'listRuns',
  flags: { ...projectFlag, run: { type: 'string', value: 'ID', description: 'Show this run in full (getRun): configuration, curves, evaluations', field: 'id' } },
  async run({ service }, args) {
    const id = optionalInt(args, 'run', 1);
    return id !== undefined ? service.getRun({ id }) : { runs: await service.listRuns({}) };
  },
  format(result) {
    if (!('runs' in result)) return JSON.stringify(result, null, 2);
    if (result.runs.length === 0) return 'no runs yet (xstudio train --project …)';
    return result.runs
      .map((r) => `${String(r.id).padStart(4)}  ${r.state.padEnd(11)} split ${r.split}  best epoch ${r.bestEpoch ?? '–'}  val acc ${pct(r.val?.accuracy)}  val loss ${r.val?.loss.toFixed(4) ?? '–'}${r.randomInit ? '  [random-init backbone]' : ''}${r.labelsChangedSince ? '  (labels changed since)' : ''}${r.error ? `  — ${r.error}` : ''}`)
      .join('\n');
  },
});

export const runsCompareCommand = command<RunComparison>({
  name: 'runs compare',
  summary: 'Compare runs: configuration differences, metrics, images one gets right that the other gets wrong',
  project: 'open',
  call: 'compareRuns',
  positionals: { name: '<A> <B>…', description: 'Two or more run ids', field: 'ids' },
  flags: { ...projectFlag, on: { type: 'string', value: 'val|test', description: 'The part whose predictions are compared (default val)', field: 'on' } },
  async run({ service }, args) {
    if (args.positionals.length < 2) throw new UsageError(`runs compare expects two or more run ids (xstudio runs compare A B --project P), got ${args.positionals.length}`);
    const ids = args.positionals.map((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`runs compare: "${v}" is not a run id`);
      return n;
    });
    return service.compareRuns({ ids, on: oneOf(args, 'on', ['val', 'test'] as const) });
  },
  format(r) {
    const ids = r.runs.map((x) => x.id);
    return [
      `runs ${ids.join(', ')} on ${r.on}`,
      'configuration:',
      ...(r.configDiff.length ? r.configDiff.map((d) => `  ${d.key}: ${d.values.map((v) => JSON.stringify(v)).join(' | ')}`) : ['  identical']),
      'validation:',
      ...r.runs.map((x) => `  run ${x.id}: accuracy ${pct(x.val?.accuracy)}, loss ${x.val?.loss.toFixed(4) ?? '–'}${x.test ? `, test accuracy ${pct(x.test.accuracy)}` : ''}`),
      ...r.disagreements.map((d) => `images right only in ${d.a}: ${d.onlyA.length}; only in ${d.b}: ${d.onlyB.length}`),
      ...r.notes,
    ].join('\n');
  },
});
