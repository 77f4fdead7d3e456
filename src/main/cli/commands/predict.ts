import type { PredictResult } from '../../../shared/api.ts';
import { optionalInt, optionalString, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const predictCommand = command<PredictResult>({
  name: 'predict',
  summary: 'Classify images with an exported model (no project needed), or with a finished run of a project',
  project: 'optional',
  call: 'predictImages',
  positionals: { name: '<image>…', description: 'Image files', field: 'files' },
  flags: {
    model: { type: 'string', value: 'PATH', description: 'An exported model: a TF.js folder or model.json, or a Keras .h5 with its metadata', field: 'model' },
    run: { type: 'string', value: 'ID', description: 'Instead of --model: a finished run of --project', field: 'runId' },
    project: { type: 'string', value: 'FILE', description: 'With --run: the project file' },
  },
  async run({ service }, args) {
    if (args.positionals.length === 0) throw new UsageError('no image given: xstudio predict --model M <image>…');
    const model = optionalString(args, 'model');
    const runId = optionalInt(args, 'run', 1);
    if ((model === undefined) === (runId === undefined)) throw new UsageError('give --model <export> or --run ID --project P');
    if (runId !== undefined && optionalString(args, 'project') === undefined) throw new UsageError('--run needs --project');
    return service.predictImages({ files: args.positionals, model, runId });
  },
  format: (r) => r.predictions.map((p) => `${p.path}: ${p.label} (${(p.confidence * 100).toFixed(1)}%)`).join('\n'),
});
