import { withProject } from '../../studio/project.ts';
import { makeThumbnails } from '../../studio/thumbnails/make-thumbnails.ts';
import { optionalInt, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const thumbnailsCommand: Command = {
  name: 'thumbnails',
  summary: 'Make the missing thumbnails of a project (a full decode: images that fail it are marked failed)',
  usage: 'xstudio thumbnails --project P [--concurrency N] [--json]',
  options: { ...projectOption, concurrency: { type: 'string' } },
  async run(args, io) {
    const concurrency = optionalInt(args, 'concurrency', 1);
    return withProject(requireString(args, 'project'), (project) =>
      makeThumbnails(project, { concurrency, signal: io.signal, onProgress: (p) => io.progress(`thumbnails ${p.done}/${p.total}`) }), { create: false });
  },
};
