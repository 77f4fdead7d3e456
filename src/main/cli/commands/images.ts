import type { ImageStatus, Part } from '../../../shared/api.ts';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import { queryImages, type ImageListQuery, type ImagePage } from '../../studio/library/image-query.ts';
import { withProject } from '../../studio/project.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value !== undefined && !allowed.includes(value as T)) throw invalidArgument(`--${flag} expects ${allowed.join(', ')}, got "${value}"`);
  return value as T | undefined;
}

export const imagesCommand: Command = {
  name: 'images',
  summary: 'List images with filters (classes, split part, status, duplicates, name, a run\'s predictions, suspects), sorted and paged',
  usage:
    'xstudio images --project P [--class C]… [--unlabelled] [--split S] [--part train|val|test] [--status ok|failed|missing] [--duplicates] [--search TEXT]\n' +
    '               [--run ID] [--prediction right|wrong] [--predicted CLASS] [--suspects]\n' +
    '               [--sort name|id|confidence|loss] [--order asc|desc] [--offset N] [--limit N] [--json]\n' +
    '  --class may be repeated; with --unlabelled, unlabelled images are listed too. --part is of --split (default: the latest split).\n' +
    '  Predictions are those of --run (default: the latest run with predictions), judged right or wrong against the CURRENT label.\n' +
    '  --suspects lists the images of the latest suspected-label list (xstudio suspects).',
  options: {
    ...projectOption,
    class: { type: 'string', multiple: true },
    unlabelled: { type: 'boolean' },
    split: { type: 'string' },
    part: { type: 'string' },
    status: { type: 'string' },
    duplicates: { type: 'boolean' },
    search: { type: 'string' },
    run: { type: 'string' },
    prediction: { type: 'string' },
    predicted: { type: 'string' },
    suspects: { type: 'boolean' },
    sort: { type: 'string' },
    order: { type: 'string' },
    offset: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(args) {
    const prediction = oneOf('prediction', optionalString(args, 'prediction'), ['right', 'wrong'] as const);
    const q: ImageListQuery = {
      classes: args.values.class as string[] | undefined,
      unlabelled: !!args.values.unlabelled,
      split: optionalString(args, 'split'),
      part: oneOf<Part>('part', optionalString(args, 'part'), ['train', 'val', 'test']),
      status: oneOf<ImageStatus>('status', optionalString(args, 'status'), ['ok', 'failed', 'missing']),
      duplicates: !!args.values.duplicates,
      search: optionalString(args, 'search'),
      runId: optionalInt(args, 'run', 1),
      correctness: prediction === undefined ? undefined : prediction === 'right' ? 'correct' : 'wrong',
      predictedClass: optionalString(args, 'predicted'),
      suspect: !!args.values.suspects,
      sort: oneOf('sort', optionalString(args, 'sort'), ['name', 'id', 'confidence', 'loss'] as const),
      order: oneOf('order', optionalString(args, 'order'), ['asc', 'desc'] as const),
      offset: optionalInt(args, 'offset', 0),
      limit: optionalInt(args, 'limit', 0),
    };
    const page = await withProject(requireString(args, 'project'), (project) => queryImages(project, q), { create: false });
    // An empty list would hide why: no run has predictions to filter or sort by.
    const predictionFlags = q.correctness !== undefined || q.predictedClass !== undefined || q.sort === 'confidence' || q.sort === 'loss';
    if (predictionFlags && page.runId === null) {
      throw notFound(q.runId !== undefined
        ? `run ${q.runId} has no predictions: evaluate it first (xstudio eval --run ${q.runId})`
        : 'no run has predictions: train and evaluate a run first (xstudio train, xstudio eval), or leave out --prediction, --predicted and --sort confidence|loss');
    }
    return page;
  },
  format(r) {
    const p = r as ImagePage;
    const rows = p.images.map((i) => {
      const pred = i.prediction ? `  predicted ${i.prediction.className} ${(i.prediction.confidence * 100).toFixed(0)}%${i.prediction.correct === false ? ' (wrong)' : ''}` : '';
      const suspect = i.suspect ? `  suspect #${i.suspect.rank}: looks like ${i.suspect.suggested}` : '';
      return `${String(i.id).padStart(6)}  ${i.status.padEnd(7)} ${(i.class ?? '-').padEnd(12)} ${i.path}${i.error ? `  (${i.error})` : ''}${pred}${suspect}`;
    });
    return [...rows, `${p.offset + 1}–${p.offset + p.images.length} of ${p.total}${p.runId !== null ? ` (predictions of run ${p.runId})` : ''}`].join('\n');
  },
};
