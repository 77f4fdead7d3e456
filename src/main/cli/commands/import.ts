import fs from 'node:fs';
import path from 'node:path';
import { notFound } from '../../../shared/errors.ts';
import type { ImportRequest, ImportSummary, LabelSourceKind, ThumbnailSummary } from '../../../shared/api.ts';
import { flag, optionalInt, optionalString, projectFlag, UsageError } from '../args.ts';
import { command } from '../command.ts';
import { waitForJob } from '../wait.ts';

type ImportOutput = ImportSummary & { thumbnails?: ThumbnailSummary };

/** `--labels folder|filename|none|csv:<file>` and `--label-pattern` → the request's label source. */
function labelSource(labels: string | undefined, pattern: string | undefined): Pick<ImportRequest, 'labelSource' | 'csvFile' | 'labelPattern'> {
  if (pattern !== undefined) {
    if (labels !== undefined) throw new UsageError('--label-pattern replaces --labels: give one of them');
    return { labelSource: 'pattern', labelPattern: pattern };
  }
  if (labels === undefined) return { labelSource: 'folder' };
  if (labels.startsWith('csv:')) return { labelSource: 'csv', csvFile: labels.slice(4) };
  const kinds: LabelSourceKind[] = ['folder', 'filename', 'none'];
  if (!kinds.includes(labels as LabelSourceKind)) throw new UsageError(`--labels expects folder, filename, none or csv:<file>, got "${labels}"`);
  return { labelSource: labels as LabelSourceKind };
}

export const importCommand = command<ImportOutput>({
  name: 'import',
  summary: 'Index a folder of images (recursively) into a project, with labels from folders, file names, a CSV or a pattern',
  project: 'create',
  call: 'importFolder',
  positionals: { name: '<folder>', description: 'The folder to import (recursively)', field: 'folder' },
  flags: {
    ...projectFlag,
    labels: { type: 'string', value: 'SOURCE', description: 'Where labels come from: folder (parent folder name, default), filename (cat.1.jpg → cat), none, or csv:<file>', field: ['labelSource', 'csvFile'] },
    'label-pattern': { type: 'string', value: 'REGEX', description: 'Label = the first group (or the group named "label") of this regular expression on the relative path', field: 'labelPattern' },
    'max-pixels': { type: 'string', value: 'N', description: 'Largest image accepted, in pixels (bigger ones are recorded as failed)', field: 'maxPixels' },
    concurrency: { type: 'string', value: 'N', description: 'Files read at once', field: 'concurrency' },
    'batch-size': { type: 'string', value: 'N', description: 'Image records written per transaction', field: 'batchSize' },
    thumbnails: { type: 'boolean', description: 'Also make the thumbnails now, and wait for them' },
  },
  before(args) {
    if (args.positionals.length !== 1) throw new UsageError(`import takes one folder, got ${args.positionals.length ? args.positionals.map((p) => `"${p}"`).join(' ') : 'none'}`);
    const folder = path.resolve(args.positionals[0]);
    if (!fs.existsSync(folder)) throw notFound(`folder ${folder} does not exist`, 'folder');
  },
  async run({ service, events, io }, args) {
    const summary = await service.importFolder({
      folder: args.positionals[0],
      ...labelSource(optionalString(args, 'labels'), optionalString(args, 'label-pattern')),
      maxPixels: optionalInt(args, 'max-pixels', 1),
      concurrency: optionalInt(args, 'concurrency', 1),
      batchSize: optionalInt(args, 'batch-size', 1),
      thumbnails: flag(args, 'thumbnails'),
    });
    if (!summary.thumbnailsJob) return summary;
    return { ...summary, thumbnails: await waitForJob<ThumbnailSummary>({ service, events, io }, summary.thumbnailsJob) };
  },
  format(x) {
    const lines = [
      `${x.root}: ${x.images} images (${x.added} added, ${x.updated} updated, ${x.moved} moved, ${x.unchanged} unchanged), ${x.missing} missing, ${x.duplicates} duplicates, ${x.failed.length} failed`,
      `readable images per class, whole project: ${[...Object.entries(x.classes).map(([k, v]) => `${k} ${v}`), `unlabelled ${x.unlabelled}`].join(', ')}`,
      ...(x.thumbnails ? [`thumbnails: ${x.thumbnails.made} made, ${x.thumbnails.failed.length} failed to decode`] : []),
      ...x.failed.slice(0, 20).map((f) => `  failed ${f.path}: ${f.reason}`),
    ];
    if (x.failed.length > 20) lines.push(`  … and ${x.failed.length - 20} more (see --json)`);
    return lines.join('\n');
  },
});
