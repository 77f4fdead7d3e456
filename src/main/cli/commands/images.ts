import { invalidArgument } from '../../../shared/errors.ts';
import { listImages, type ImagePage, type ImageStatus, type SplitPart } from '../../studio/library/query.ts';
import { withProject } from '../../studio/project.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const imagesCommand: Command = {
  name: 'images',
  summary: 'List images with filters (class, split part, status, duplicates, name), sorted and paged',
  usage: 'xstudio images --project P [--class C | --unlabelled] [--split S [--part train|val|test]] [--status ok|failed|missing] [--duplicates] [--search TEXT] [--sort name|id] [--offset N] [--limit N] [--json]',
  options: {
    ...projectOption,
    class: { type: 'string' },
    unlabelled: { type: 'boolean' },
    split: { type: 'string' },
    part: { type: 'string' },
    status: { type: 'string' },
    duplicates: { type: 'boolean' },
    search: { type: 'string' },
    sort: { type: 'string' },
    offset: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(args) {
    const part = optionalString(args, 'part');
    if (part !== undefined && !['train', 'val', 'test'].includes(part)) throw invalidArgument(`--part expects train, val or test, got "${part}"`);
    const sort = optionalString(args, 'sort');
    if (sort !== undefined && sort !== 'name' && sort !== 'id') throw invalidArgument(`--sort expects name or id, got "${sort}"`);
    return withProject(requireString(args, 'project'), (project) => listImages(project, {
      class: optionalString(args, 'class'),
      unlabelled: !!args.values.unlabelled,
      split: optionalString(args, 'split'),
      part: part as SplitPart | undefined,
      status: optionalString(args, 'status') as ImageStatus | undefined,
      duplicates: !!args.values.duplicates,
      search: optionalString(args, 'search'),
      sort: sort as 'name' | 'id' | undefined,
      offset: optionalInt(args, 'offset', 0),
      limit: optionalInt(args, 'limit', 0),
    }), { create: false });
  },
  format(r) {
    const p = r as ImagePage;
    const rows = p.images.map((i) => `${String(i.id).padStart(6)}  ${i.status.padEnd(7)} ${(i.class ?? '-').padEnd(12)} ${i.path}${i.error ? `  (${i.error})` : ''}`);
    return [...rows, `${p.offset + 1}–${p.offset + p.images.length} of ${p.total}`].join('\n');
  },
};
