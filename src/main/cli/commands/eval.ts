import type { Evaluation } from '../../../shared/api.ts';
import { oneOf, projectFlag, requireInt } from '../args.ts';
import { command } from '../command.ts';

export const evalCommand = command<Evaluation>({
  name: 'eval',
  summary: 'Evaluate a run on its validation or test part: loss, accuracy, per-class P/R/F1, confusion matrix, ROC AUC; stores a prediction per image',
  project: 'open',
  call: 'evaluateRun',
  flags: {
    ...projectFlag,
    run: { type: 'string', value: 'ID', description: 'The run', field: 'id' },
    on: { type: 'string', value: 'val|test', description: 'The part (default val); each look at a locked test part is counted', field: 'on' },
  },
  async run({ service, io }, args) {
    const r = await service.evaluateRun({ id: requireInt(args, 'run', 1), on: oneOf(args, 'on', ['val', 'test'] as const) ?? 'val' });
    if (r.notice) io.progress(r.notice);
    return r;
  },
  format(r) {
    const lines = [
      `run ${r.runId} on ${r.on} (${r.images} images, ${r.model}): accuracy ${(r.accuracy * 100).toFixed(2)}%, loss ${r.loss.toFixed(4)}${r.auc != null ? `, ROC AUC ${r.auc.toFixed(4)}` : ''}`,
      ...r.perClass.map((c) => `  ${c.className}: precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)} F1 ${c.f1.toFixed(3)} (${c.support})`),
      `confusion (rows true, columns predicted: ${r.classes.join(', ')}):`,
      ...r.confusion.map((row, i) => `  ${r.classes[i].padEnd(12)} ${row.map((v) => String(v).padStart(6)).join(' ')}`),
    ];
    if (r.notice) lines.push(r.notice);
    return lines.join('\n');
  },
});
