import fs from 'node:fs';
import { invalidArgument } from '../../../shared/errors.ts';
import { parseRunConfig, type RunConfig } from '../../ml/run-config.ts';
import { JobRunner } from '../../studio/jobs/job-runner.ts';
import { withProject } from '../../studio/project.ts';
import { trainRun, type TrainOutcome } from '../../studio/runs/train-run.ts';
import { estimateRun } from '../../studio/runs/estimate-run.ts';
import { confirmLongRun } from '../confirm.ts';
import { optionalInt, optionalNumber, optionalString, projectOption, requireString } from '../args.ts';
import type { Command, ParsedArgs } from '../command.ts';

/** --config run.json, then flags on top of it. */
export function configFromArgs(args: ParsedArgs): RunConfig {
  const file = optionalString(args, 'config');
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw invalidArgument(`--config ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON (${(e as Error).message})`}`);
    }
  }
  const head = { ...((base.head as Record<string, unknown>) ?? {}) };
  const fineTune = { ...((base.fineTune as Record<string, unknown>) ?? {}) };
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
  return parseRunConfig({ ...base, ...(seed !== undefined ? { seed } : {}), head, fineTune }, file ? `--config ${file}` : 'run configuration');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a run: a head on cached features (then optional fine-tuning), on a split plan; progress per epoch on stderr',
  usage:
    'xstudio train --project P [--split NAME] [--backbone KEY|NAME] [--config run.json] [--epochs N] [--lr X] [--batch-size N] [--patience N] [--fine-tune-epochs N] [--yes (start a fine-tune estimated above an hour without asking)] [--seed N] [--name TEXT] [--json]',
  options: {
    ...projectOption,
    split: { type: 'string' },
    backbone: { type: 'string' },
    config: { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    patience: { type: 'string' },
    'fine-tune-epochs': { type: 'string' },
    seed: { type: 'string' },
    name: { type: 'string' },
    yes: { type: 'boolean' },
  },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    const config = configFromArgs(args);
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await withProject(
        projectFile,
        async (project) => {
          // Fine-tuning: measure a few steps and say how long it will take before anything starts.
          const estimate = await estimateRun(project, { split: optionalString(args, 'split'), backbone: optionalString(args, 'backbone'), config, runner, signal: io.signal });
          if (estimate) {
            io.progress(estimate.message);
            if (estimate.note) io.progress(`note: ${estimate.note}`);
            if (estimate.long && args.values.yes !== true) await confirmLongRun(estimate.message);
          }
          const r = await trainRun(project, {
            split: optionalString(args, 'split'),
            backbone: optionalString(args, 'backbone'),
            name: optionalString(args, 'name'),
            config,
            runner,
            signal: io.signal,
            onCreated: (run) => io.progress(`run ${run.id}: split "${run.splitName}", backbone ${run.backboneName ?? run.backboneKey}${run.randomInit ? ' [RANDOM INIT — not pretrained]' : ''}, classes ${run.classes.map((c) => c.name).join(', ')}`),
            onProgress: (p) => {
              if (p.kind !== 'batch') io.progress(p.message);
            },
          });
          return { ...r };
        },
        { create: false },
      );
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as TrainOutcome;
    return `run ${r.run} ${r.state}: best epoch ${r.bestEpoch}, val loss ${r.val.loss?.toFixed(4) ?? '–'}, val accuracy ${r.val.accuracy?.toFixed(4) ?? '–'}${r.stoppedEarly ? ' (stopped early)' : ''}`;
  },
};
