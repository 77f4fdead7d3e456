import { PARTS, type Part, type SplitInfo, type SplitPreview, type SplitRequest } from '../../../shared/api.ts';
import { flag, optionalInt, optionalString, projectFlag, requireString, UsageError } from '../args.ts';
import { command, type ParsedArgs } from '../command.ts';

/** --train/--val/--test: all whole counts (4000) or all fractions below 1 (0.2); the unit follows from the values. */
function sizesOf(args: ParsedArgs): Pick<SplitRequest, 'unit' | 'sizes'> {
  const sizes: Record<Part, number> = { train: 0, val: 0, test: 0 };
  const given: Part[] = [];
  for (const part of PARTS) {
    const v = optionalString(args, part);
    if (v === undefined) continue;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (n >= 1 && !Number.isInteger(n))) {
      throw new UsageError(`--${part} expects a count (4000) or a fraction between 0 and 1 (0.2), got "${v}"`);
    }
    sizes[part] = n;
    if (n > 0) given.push(part);
  }
  if (given.length === 0) throw new UsageError('give at least one of --train, --val, --test (counts such as 4000 or fractions such as 0.2)');
  const fractions = given.filter((p) => sizes[p] < 1);
  if (fractions.length && fractions.length !== given.length) {
    throw new UsageError(`give the sizes all as counts or all as fractions, got ${given.map((p) => `--${p} ${sizes[p]}`).join(' ')}`);
  }
  return { unit: fractions.length ? 'fraction' : 'count', sizes };
}

function formatSplit(s: SplitInfo | (SplitPreview & { name?: string })): string {
  const title = 'id' in s ? `split "${s.name}" (seed ${s.seed}${s.stratified ? ', stratified' : ''}${s.testLocked ? ', test locked' : ''})` : `preview${s.ok ? '' : `: ${s.problem}`}`;
  const gone = 'unavailable' in s ? s.unavailable : null;
  const parts = PARTS.map((p) => `  ${p.padEnd(5)} ${String(s.totals[p]).padStart(7)}  ${Object.entries(s.counts[p]).map(([c, n]) => `${c} ${n}`).join(', ')}${gone?.[p] ? `  (${gone[p]} no longer usable: removed, missing or failed; runs leave them out)` : ''}`);
  return [title, ...parts].join('\n');
}

const sizeFlag = (part: Part) => ({ type: 'string' as const, value: 'N', description: `Images in ${part}: a count (4000) or a fraction (0.2)`, field: `sizes.${part}` });

export const splitCommand = command<SplitInfo | SplitPreview>({
  name: 'split',
  summary: 'Create a named, frozen train/val/test split (counts or fractions, stratified by class, seeded); --preview only counts',
  project: 'open',
  call: 'createSplit',
  flags: {
    ...projectFlag,
    train: sizeFlag('train'),
    val: sizeFlag('val'),
    test: sizeFlag('test'),
    seed: { type: 'string', value: 'N', description: 'Seed of the shuffle (default 42): the same seed gives the same split', field: 'seed' },
    name: { type: 'string', value: 'NAME', description: 'Name of the split (default "default")', field: 'name' },
    'no-stratify': { type: 'boolean', description: 'Do not keep the class balance in each part' },
    'lock-test': { type: 'boolean', description: 'Lock the test part now: it can never be changed or deleted' },
    preview: { type: 'boolean', description: 'Only show the counts (previewSplit); create nothing' },
  },
  notes: ['A 4000/2000/10000 split needs at least 16,000 labelled images (one per distinct content).'],
  async run({ service }, args) {
    const req: SplitRequest = {
      name: optionalString(args, 'name') ?? 'default',
      seed: optionalInt(args, 'seed', 0, 2 ** 32 - 1) ?? 42,
      ...sizesOf(args),
      stratified: !flag(args, 'no-stratify'),
      lockTest: flag(args, 'lock-test'),
    };
    if (flag(args, 'preview')) return service.previewSplit(req);
    return service.createSplit(req);
  },
  format: formatSplit,
});

export const splitsCommand = command<{ splits: SplitInfo[] }>({
  name: 'splits',
  summary: 'List the split plans of a project with their counts',
  project: 'open',
  call: 'listSplits',
  flags: { ...projectFlag },
  run: async ({ service }) => ({ splits: await service.listSplits({}) }),
  format: (r) => r.splits.map(formatSplit).join('\n') || '(no splits)',
});

export const splitLockCommand = command<SplitInfo>({
  name: 'split lock',
  summary: 'Lock the test part of a split: it can no longer be deleted or changed',
  project: 'open',
  call: 'lockSplit',
  flags: { ...projectFlag, name: { type: 'string', value: 'NAME', description: 'The split to lock', field: 'name' } },
  run: ({ service }, args) => service.lockSplit({ name: requireString(args, 'name') }),
  format: formatSplit,
});

export const splitDeleteCommand = command<{ deleted: string; splits: SplitInfo[] }>({
  name: 'split delete',
  summary: 'Delete a split plan (refused when its test part is locked)',
  project: 'open',
  call: 'deleteSplit',
  flags: { ...projectFlag, name: { type: 'string', value: 'NAME', description: 'The split to delete', field: 'name' } },
  async run({ service }, args) {
    const name = requireString(args, 'name');
    return { deleted: name, splits: await service.deleteSplit({ name }) };
  },
  format: (r) => `deleted split "${r.deleted}"`,
});
