import fs from 'node:fs';
import type { RunConfig, RunDetail, StartRunRequest } from '../../../shared/api.ts';
import { StudioError } from '../../../shared/errors.ts';
import { flag, optionalInt, optionalNumber, optionalString, projectFlag, UsageError } from '../args.ts';
import { command, type ParsedArgs } from '../command.ts';
import { waitForRun } from '../wait.ts';

type Partial2<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

/** --config run.json, then the flags on top of it: the run's configuration as startRun takes it (defaults filled by the core). */
export function configFromArgs(args: ParsedArgs): NonNullable<StartRunRequest['config']> {
  const file = optionalString(args, 'config');
  let base: Partial2<RunConfig> = {};
  if (file) {
    try {
      base = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial2<RunConfig>;
    } catch (e) {
      throw new UsageError(`--config ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON (${(e as Error).message})`}`);
    }
    if (!base || typeof base !== 'object' || Array.isArray(base)) throw new UsageError(`--config ${file}: expected a JSON object (a run configuration)`);
  }
  const head: Record<string, unknown> = { ...(base.head ?? {}) };
  const fineTune: Record<string, unknown> = { ...(base.fineTune ?? {}) };
  const epochs = optionalInt(args, 'epochs', 1);
  if (epochs !== undefined) head.epochs = epochs;
  const batch = optionalInt(args, 'batch-size', 1);
  if (batch !== undefined) head.batchSize = batch;
  const lr = optionalNumber(args, 'lr');
  if (lr !== undefined) head.optimizer = { ...((head.optimizer as Record<string, unknown>) ?? { kind: 'sgd' }), lr };
  const patience = optionalInt(args, 'patience', 1);
  if (patience !== undefined) head.earlyStopping = { patience };
  const ftEpochs = optionalInt(args, 'fine-tune-epochs', 0);
  if (ftEpochs !== undefined) fineTune.epochs = ftEpochs;
  const seed = optionalInt(args, 'seed', 0);
  return { ...base, ...(seed !== undefined ? { seed } : {}), head, fineTune } as NonNullable<StartRunRequest['config']>;
}

export const trainCommand = command<RunDetail & { run: number }>({
  name: 'train',
  summary: 'Train a run: a head on cached features (then optional fine-tuning), on a split plan; progress per epoch on stderr',
  project: 'open',
  call: 'startRun',
  flags: {
    ...projectFlag,
    split: { type: 'string', value: 'NAME', description: 'The split plan (default: the latest)', field: 'split' },
    backbone: { type: 'string', value: 'KEY', description: 'The feature set to train on (default: the latest extraction)', field: 'backbone' },
    config: { type: 'string', value: 'FILE', description: 'A run configuration (JSON, the shape of getRunDefaults); flags override it', field: 'config' },
    epochs: { type: 'string', value: 'N', description: 'Head epochs (reference 50)', field: 'config.head.epochs' },
    lr: { type: 'string', value: 'X', description: 'Head learning rate (reference SGD 0.01)', field: 'config.head.optimizer.lr' },
    'batch-size': { type: 'string', value: 'N', description: 'Head batch size', field: 'config.head.batchSize' },
    patience: { type: 'string', value: 'N', description: 'Stop the head early after N epochs without a better validation loss', field: 'config.head.earlyStopping' },
    'fine-tune-epochs': { type: 'string', value: 'N', description: 'Then fine-tune the whole network for N epochs (0 = none)', field: 'config.fineTune.epochs' },
    seed: { type: 'string', value: 'N', description: 'Seed of the initialisation, shuffles and dropout', field: 'config.seed' },
    name: { type: 'string', value: 'TEXT', description: 'A name for the run', field: 'name' },
    yes: { type: 'boolean', description: 'Start a fine-tune estimated above an hour without asking' },
  },
  notes: ['The run is queued and trained by the service, as from the Training view; Ctrl+C cancels it (the best epoch so far is kept).'],
  async run(ctx, args) {
    const request: StartRunRequest = {
      split: optionalString(args, 'split'),
      backbone: optionalString(args, 'backbone'),
      name: optionalString(args, 'name'),
      config: configFromArgs(args),
    };
    // A fine-tune is measured before it starts (estimateRun, as the Training view does), and one above an hour is confirmed.
    const estimate = await ctx.service.estimateRun(request);
    if (estimate) {
      ctx.io.progress(estimate.message);
      if (estimate.note) ctx.io.progress(`note: ${estimate.note}`);
      if (estimate.long && !flag(args, 'yes') && !(await ctx.io.confirm('This is more than an hour. Start it?'))) {
        throw new StudioError('cancelled', `${estimate.message}: more than an hour, not started. Pass --yes to start it anyway, or fewer --fine-tune-epochs / a smaller backbone`);
      }
    }
    const queued = await ctx.service.startRun(request);
    ctx.io.progress(`run ${queued.id}: split "${queued.split}", backbone ${queued.backbone}${queued.randomInit ? ' [RANDOM INIT — not pretrained]' : ''}, ${queued.epochs} epochs`);
    const run = await waitForRun(ctx, queued.id);
    if (run.state === 'failed') throw new StudioError('internal', `run ${run.id} failed: ${run.error ?? 'no reason recorded'}`);
    if (run.state === 'cancelled' || run.state === 'interrupted') throw new StudioError('cancelled', `run ${run.id} ${run.state}${run.error ? `: ${run.error}` : ''}`);
    return { run: run.id, ...run };
  },
  format: (r) => `run ${r.run} ${r.state}: best epoch ${r.bestEpoch ?? '–'}, val loss ${r.val?.loss.toFixed(4) ?? '–'}, val accuracy ${r.val?.accuracy.toFixed(4) ?? '–'}`,
});
