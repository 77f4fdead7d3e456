import fs from 'node:fs';
import path from 'node:path';
import { invalidArgument, notFound } from '../../../shared/errors.ts';
import { importFolder, type ImportResult } from '../../studio/library/import-folder.ts';
import { parseLabelSource } from '../../studio/library/label-sources.ts';
import { defaultActor } from '../../studio/labels/actor.ts';
import { withProject } from '../../studio/project.ts';
import { makeThumbnails, type ThumbnailResult } from '../../studio/thumbnails/make-thumbnails.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const importCommand: Command = {
  name: 'import',
  summary: 'Index a folder of images (recursively) into a project, with labels from folders, file names, a CSV or a pattern',
  usage: 'xstudio import <folder> --project P [--labels folder|filename|none|csv:<file>] [--label-pattern <regex>] [--max-pixels N] [--thumbnails] [--concurrency N] [--batch-size N] [--json]',
  positionals: true,
  options: {
    ...projectOption,
    labels: { type: 'string' },
    'label-pattern': { type: 'string' },
    'max-pixels': { type: 'string' },
    concurrency: { type: 'string' },
    'batch-size': { type: 'string' },
    thumbnails: { type: 'boolean' },
  },
  async run(args, io) {
    const projectFile = requireString(args, 'project');
    if (args.positionals.length !== 1) throw invalidArgument(`import takes one folder, got ${args.positionals.length ? args.positionals.map((p) => `"${p}"`).join(' ') : 'none'}`);
    const source = parseLabelSource(optionalString(args, 'labels'), optionalString(args, 'label-pattern'));
    const maxPixels = optionalInt(args, 'max-pixels', 1);
    const concurrency = optionalInt(args, 'concurrency', 1);
    const batchSize = optionalInt(args, 'batch-size', 1);
    // Check the folder before the project file is created, so a typo leaves nothing behind.
    const folder = path.resolve(args.positionals[0]);
    if (!fs.existsSync(folder)) throw notFound(`folder ${folder} does not exist`);
    return withProject(projectFile, async (project) => {
      const result: ImportResult & { thumbnails?: ThumbnailResult } = await importFolder(project, folder, {
        labels: source, maxPixels, concurrency, batchSize, actor: defaultActor('import'), signal: io.signal,
        onProgress: (p) => {
          if (p.phase === 'index' && p.total > 0) io.progress(`indexing ${p.done}/${p.total}`);
        },
      });
      if (args.values.thumbnails) {
        result.thumbnails = await makeThumbnails(project, { signal: io.signal, onProgress: (p) => io.progress(`thumbnails ${p.done}/${p.total}`) });
      }
      return result;
    });
  },
  format(r) {
    const x = r as ImportResult;
    const lines = [
      `${x.root}: ${x.images} images (${x.added} added, ${x.updated} updated, ${x.moved} moved, ${x.unchanged} unchanged), ${x.missing} missing, ${x.duplicates} duplicates, ${x.failed.length} failed`,
      `classes: ${Object.entries(x.classes).map(([k, v]) => `${k} ${v}`).join(', ') || '(none)'}`,
      ...((r as { thumbnails?: ThumbnailResult }).thumbnails ? [`thumbnails: ${(r as { thumbnails: ThumbnailResult }).thumbnails.made} made, ${(r as { thumbnails: ThumbnailResult }).thumbnails.failed.length} failed to decode`] : []),
      ...x.failed.slice(0, 20).map((f) => `  failed ${f.path}: ${f.reason}`),
    ];
    if (x.failed.length > 20) lines.push(`  … and ${x.failed.length - 20} more (see --json)`);
    return lines.join('\n');
  },
};
