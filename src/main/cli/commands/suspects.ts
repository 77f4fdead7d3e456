import type { SuspectList } from '../../../shared/api.ts';
import { oneOf, optionalInt, optionalString, projectFlag, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const suspectsCommand = command<SuspectList>({
  name: 'suspects',
  summary: 'Rank images whose label the model most confidently disagrees with (k-fold out-of-sample probabilities on cached features); kept as the current suspect list',
  project: 'open',
  call: 'findSuspects',
  flags: {
    ...projectFlag,
    run: { type: 'string', value: 'ID', description: "Use this run's split, backbone and head configuration", field: 'runId' },
    split: { type: 'string', value: 'NAME', description: 'The split whose train and val parts are ranked (default: the latest)', field: 'split' },
    backbone: { type: 'string', value: 'KEY', description: 'The feature set (default: the latest extraction)', field: 'backbone' },
    folds: { type: 'string', value: 'N', description: 'Cross-validation folds, 2 to 20 (default 5)', field: 'folds' },
    limit: { type: 'string', value: 'N', description: 'How many suspects to print (all are kept; default 50)', field: 'limit' },
    ranker: { type: 'string', value: 'logistic|head', description: 'What ranks: logistic regression (default, confident learning\'s, seconds) or the head trained per fold', field: 'ranker' },
  },
  run: ({ service }, args) =>
    service.findSuspects({
      runId: optionalInt(args, 'run', 1),
      split: optionalString(args, 'split'),
      backbone: optionalString(args, 'backbone'),
      folds: optionalInt(args, 'folds'),
      limit: optionalInt(args, 'limit', 1) ?? 50,
      ranker: oneOf(args, 'ranker', ['logistic', 'head'] as const),
    }),
  format: (r) => [
    `${r.total} suspected label errors among ${r.images ?? '?'} images (${r.folds}-fold cross-validation of ${r.ranker === 'logistic' ? 'logistic regression' : 'the head'}, split "${r.split}")${r.confirmed ? `, not counting ${r.confirmed} confirmed as right` : ''}; top ${r.items.length}:`,
    ...r.items.map((s) => `${String(s.rank).padStart(4)}  ${s.name}  labelled ${s.label} (${(s.labelProbability * 100).toFixed(1)}%), looks like ${s.suggested} (${(s.suggestedProbability * 100).toFixed(1)}%)`),
  ].join('\n'),
});

export const suspectsConfirmCommand = command<{ confirmed: number; images: number }>({
  name: 'suspects confirm',
  summary: "Confirm that the current label of suspected images is right: they leave the suspect list (as the Suspects view's confirm key does)",
  project: 'open',
  call: 'confirmLabels',
  positionals: { name: '<image>…', description: 'Image ids or paths' },
  flags: { ...projectFlag },
  async run({ service }, args) {
    if (args.positionals.length === 0) throw new UsageError('name the images to confirm: image ids or paths after the options');
    const { ids } = await service.findImages({ refs: args.positionals });
    return { ...(await service.confirmLabels({ imageIds: ids })), images: ids.length };
  },
  format: (r) => `confirmed the label of ${r.confirmed} of ${r.images} image(s); they leave the suspect list`,
});
