import type { GalleryPage, ImageQuery, ImageStatus, Part } from '../../../shared/api.ts';
import { notFound } from '../../../shared/errors.ts';
import { flag, oneOf, optionalInt, optionalString, projectFlag, strings } from '../args.ts';
import { command } from '../command.ts';

export const imagesCommand = command<GalleryPage>({
  name: 'images',
  summary: "List images with filters (classes, split part, status, duplicates, name, a run's predictions, suspects), sorted and paged",
  project: 'open',
  call: 'queryImages',
  flags: {
    ...projectFlag,
    class: { type: 'string', multiple: true, value: 'C', description: 'Only images labelled C (repeat for several classes)', field: 'classes' },
    unlabelled: { type: 'boolean', description: 'Only unlabelled images (with --class: those too)' },
    split: { type: 'string', value: 'NAME', description: 'Only members of this split (with --part: of that part)', field: 'split' },
    part: { type: 'string', value: 'PART', description: 'train, val or test of --split (default: the latest split)', field: 'part' },
    status: { type: 'string', value: 'S', description: 'ok, failed or missing', field: 'status' },
    duplicates: { type: 'boolean', description: 'Only images whose content appears more than once' },
    search: { type: 'string', value: 'TEXT', description: 'Case-insensitive part of the path', field: 'search' },
    run: { type: 'string', value: 'ID', description: "The run whose predictions are shown (default: the latest with predictions)", field: 'runId' },
    prediction: { type: 'string', value: 'right|wrong', description: 'Only images the run gets right or wrong (against the current label)', field: 'correctness' },
    predicted: { type: 'string', value: 'C', description: 'Only images the run predicts as C', field: 'predictedClass' },
    suspects: { type: 'boolean', description: 'Only images of the current suspected-label list (xstudio suspects)' },
    sort: { type: 'string', value: 'KEY', description: 'name (natural order), confidence or loss', field: 'sort' },
    order: { type: 'string', value: 'asc|desc', description: 'Sort order', field: 'order' },
    offset: { type: 'string', value: 'N', description: 'Skip this many images', field: 'offset' },
    limit: { type: 'string', value: 'N', description: 'Page size, 1 to 1000 (default 200)', field: 'limit' },
  },
  async run({ service }, args) {
    const prediction = oneOf(args, 'prediction', ['right', 'wrong'] as const);
    const q: ImageQuery = {
      classes: strings(args, 'class'),
      unlabelled: flag(args, 'unlabelled') || undefined,
      split: optionalString(args, 'split'),
      part: oneOf<Part>(args, 'part', ['train', 'val', 'test']),
      status: oneOf<ImageStatus>(args, 'status', ['ok', 'failed', 'missing']),
      duplicates: flag(args, 'duplicates') || undefined,
      search: optionalString(args, 'search'),
      runId: optionalInt(args, 'run', 1),
      correctness: prediction === undefined ? undefined : prediction === 'right' ? 'correct' : 'wrong',
      predictedClass: optionalString(args, 'predicted'),
      suspect: flag(args, 'suspects') || undefined,
      sort: oneOf(args, 'sort', ['name', 'confidence', 'loss'] as const),
      order: oneOf(args, 'order', ['asc', 'desc'] as const),
      offset: optionalInt(args, 'offset', 0),
      limit: optionalInt(args, 'limit', 1, 1000),
    };
    const page = await service.queryImages(q);
    // An empty list would hide why: no run has predictions to filter or sort by.
    const predictionFlags = q.correctness !== undefined || q.predictedClass !== undefined || q.sort === 'confidence' || q.sort === 'loss';
    if (predictionFlags && page.runId === null) {
      throw notFound(q.runId !== undefined
        ? `run ${q.runId} has no predictions: evaluate it first (xstudio eval --run ${q.runId})`
        : 'no run has predictions: train and evaluate a run first (xstudio train, xstudio eval), or leave out --prediction, --predicted and --sort confidence|loss');
    }
    return page;
  },
  format(p) {
    const rows = p.images.map((i) => {
      const pred = i.prediction ? `  predicted ${i.prediction.className} ${(i.prediction.confidence * 100).toFixed(0)}%${i.prediction.correct === false ? ' (wrong)' : ''}` : '';
      const suspect = i.suspect ? `  suspect #${i.suspect.rank}: looks like ${i.suspect.suggested}` : '';
      return `${String(i.id).padStart(6)}  ${i.status.padEnd(7)} ${(i.label ?? '-').padEnd(12)} ${i.name}${i.error ? `  (${i.error})` : ''}${pred}${suspect}`;
    });
    return [...rows, `${p.offset + 1}–${p.offset + p.images.length} of ${p.total}${p.runId !== null ? ` (predictions of run ${p.runId})` : ''}`].join('\n');
  },
});
