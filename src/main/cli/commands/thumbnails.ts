import type { ThumbnailSummary } from '../../../shared/api.ts';
import { optionalInt, projectFlag } from '../args.ts';
import { command } from '../command.ts';
import { waitForJob } from '../wait.ts';

export const thumbnailsCommand = command<ThumbnailSummary>({
  name: 'thumbnails',
  summary: 'Make the missing thumbnails of a project (a full decode: images that fail it are marked failed)',
  project: 'open',
  call: 'makeThumbnails',
  flags: { ...projectFlag, concurrency: { type: 'string', value: 'N', description: 'Images decoded at once (default: one per core)', field: 'concurrency' } },
  async run(ctx, args) {
    const { jobId } = await ctx.service.makeThumbnails({ concurrency: optionalInt(args, 'concurrency', 1) });
    return waitForJob<ThumbnailSummary>(ctx, jobId);
  },
  format: (r) => `thumbnails in ${r.dir}: ${r.made} made, ${r.existing} already there, ${r.failed.length} failed to decode${r.stale.length ? `, ${r.stale.length} changed since the import (import again)` : ''}`,
});
