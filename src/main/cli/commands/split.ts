import { invalidArgument } from '../../../shared/errors.ts';
import { withProject } from '../../studio/project.ts';
import { createSplit, deleteSplit, listSplits, lockSplit, previewSplit, type SplitRequest, type SplitSummary } from '../../studio/splits/split-service.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command, ParsedArgs } from '../command.ts';

/** A size flag: a whole count (4000) or a fraction below 1 (0.2). */
function size(args: ParsedArgs, flag: string): number | undefined {
  const v = optionalString(args, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (n >= 1 && !Number.isInteger(n))) {
    throw invalidArgument(`--${flag} expects a count (4000) or a fraction between 0 and 1 (0.2), got "${v}"`);
  }
  return n;
}

function formatSplit(s: SplitSummary): string {
  const parts = (['train', 'val', 'test'] as const).map((p) => `  ${p.padEnd(5)} ${String(s.totals[p]).padStart(7)}  ${Object.entries(s.counts[p]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return [`split "${s.name}" (seed ${s.seed}${s.stratified ? ', stratified' : ''}${s.testLocked ? ', test locked' : ''})`, ...parts].join('\n');
}

export const splitCommand: Command = {
  name: 'split',
  summary: 'Create a named, frozen train/val/test split (counts or fractions, stratified by class, seeded); --preview only counts',
  usage: 'xstudio split --project P --train 4000 --val 2000 --test 10000 [--seed 42] [--name default] [--no-stratify] [--lock-test] [--preview] [--json]',
  options: {
    ...projectOption,
    train: { type: 'string' },
    val: { type: 'string' },
    test: { type: 'string' },
    seed: { type: 'string' },
    name: { type: 'string' },
    'no-stratify': { type: 'boolean' },
    'lock-test': { type: 'boolean' },
    preview: { type: 'boolean' },
  },
  async run(args) {
    const projectFile = requireString(args, 'project');
    const req: SplitRequest = {
      name: optionalString(args, 'name'),
      seed: optionalInt(args, 'seed', 0),
      train: size(args, 'train'),
      val: size(args, 'val'),
      test: size(args, 'test'),
      stratify: !args.values['no-stratify'],
      lockTest: !!args.values['lock-test'],
    };
    return withProject(projectFile, (project) => (args.values.preview ? previewSplit(project, req) : createSplit(project, req)), { create: false });
  },
  format(r) {
    return 'name' in r ? formatSplit(r as SplitSummary) : JSON.stringify(r, null, 2);
  },
};

export const splitsCommand: Command = {
  name: 'splits',
  summary: 'List the split plans of a project with their counts',
  usage: 'xstudio splits --project P [--json]',
  options: { ...projectOption },
  async run(args) {
    return withProject(requireString(args, 'project'), (project) => ({ splits: listSplits(project) }), { create: false });
  },
  format(r) {
    const splits = (r as { splits: SplitSummary[] }).splits;
    return splits.map(formatSplit).join('\n') || '(no splits)';
  },
};

export const splitLockCommand: Command = {
  name: 'split lock',
  summary: 'Lock the test part of a split: it can no longer be deleted or changed',
  usage: 'xstudio split lock --project P --name N [--json]',
  options: { ...projectOption, name: { type: 'string' } },
  async run(args) {
    return withProject(requireString(args, 'project'), (project) => lockSplit(project, requireString(args, 'name')), { create: false });
  },
};

export const splitDeleteCommand: Command = {
  name: 'split delete',
  summary: 'Delete a split plan (refused when its test part is locked)',
  usage: 'xstudio split delete --project P --name N [--json]',
  options: { ...projectOption, name: { type: 'string' } },
  async run(args) {
    return withProject(requireString(args, 'project'), (project) => deleteSplit(project, requireString(args, 'name')), { create: false });
  },
};
