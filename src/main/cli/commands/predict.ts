import { invalidArgument } from '../../../shared/errors.ts';
import { JobRunner } from '../../studio/jobs/job-runner.ts';
import type { PredictResult } from '../../ml/predict.ts';
import { requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Classify images with an exported model (tfjs folder or Keras .h5 with its metadata), no project needed',
  usage: 'xstudio predict --model <exported dir or file> <image>… [--json]',
  options: { model: { type: 'string' } },
  positionals: true,
  async run(args) {
    const model = requireString(args, 'model');
    if (args.positionals.length === 0) throw invalidArgument('no image given: xstudio predict --model M <image>…');
    const runner = new JobRunner({ maxWorkers: 1 });
    try {
      return await runner.run<PredictResult>('predict-export', { model, images: args.positionals }, { label: 'predicting' });
    } finally {
      await runner.close();
    }
  },
  format(result) {
    const r = result as PredictResult;
    return r.predictions.map((p) => `${p.path}: ${p.label} (${(p.confidence * 100).toFixed(1)}%)`).join('\n');
  },
};
