import type { RemoveImagesResult } from '../../../shared/api.ts';
import { optionalString, projectFlag, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const removeCommand = command<RemoveImagesResult>({
  name: 'remove',
  summary: 'Take images out of the project (never off the disk): named images, or a whole imported folder; undo with label --undo',
  project: 'open',
  call: 'removeImages',
  positionals: { name: '<image>…', description: 'Image ids or paths (absolute, or relative to an imported folder)' },
  flags: {
    ...projectFlag,
    folder: { type: 'string', value: 'DIR', description: 'Remove every image of this imported folder, of a subfolder of one, or of the imported folders inside it', field: 'folder' },
  },
  notes: [
    'The files stay where they are. Removed images leave the gallery, the counts, new splits and runs; their labels are kept,',
    'so `xstudio label --undo` (or importing the folder again) brings them back as they were. Calls: findImages, removeImages.',
  ],
  async run({ service }, args) {
    const folder = optionalString(args, 'folder');
    if ((folder === undefined) === (args.positionals.length === 0)) throw new UsageError('name the images to remove (ids or paths) or give --folder <dir>, not both');
    if (folder !== undefined) return service.removeImages({ folder });
    const { ids } = await service.findImages({ refs: args.positionals });
    return service.removeImages({ ids });
  },
  format: (r) => (r.removed ? `${r.description}; the files are untouched (undo: xstudio label --undo)` : 'nothing to remove: those images are already out of the project'),
});
