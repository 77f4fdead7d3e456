import type { HistoryState, LabelChangeResult, LabelHistoryEntry, LabelsExportResult, UndoResult } from '../../../shared/api.ts';
import { flag, optionalInt, optionalString, projectFlag, requireString, UsageError } from '../args.ts';
import { command } from '../command.ts';

type LabelOutput = LabelChangeResult | UndoResult | { history: LabelHistoryEntry[] } | { imageId: number; history: LabelHistoryEntry[] };

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const position = (h: HistoryState): string =>
  `history: ${h.canUndo ? `undo would undo "${h.undoDescription}"` : 'nothing to undo'}${h.canRedo ? `; redo would redo "${h.redoDescription}"` : ''}`;
const entryLine = (e: LabelHistoryEntry): string =>
  `#${e.historyId} ${when(e.at)} ${e.actor}: ${e.description}${e.from !== null || e.to !== null ? ` (${e.from ?? 'unlabelled'} → ${e.to ?? 'unlabelled'})` : ''}${e.undone ? ' (undone)' : ''}`;

export const labelCommand = command<LabelOutput>({
  name: 'label',
  summary: 'Set or clear the label of images (one undoable change), undo, redo, or show the label history',
  project: 'open',
  call: 'setLabel',
  positionals: { name: '<image>…', description: 'Image ids or paths (absolute, or relative to an imported folder)' },
  flags: {
    ...projectFlag,
    set: { type: 'string', value: 'CLASS', description: 'Label the images with this class (created when new)', field: 'className' },
    clear: { type: 'boolean', description: 'Remove the label of the images' },
    undo: { type: 'boolean', description: 'Undo the latest label change (of any kind: relabel, import, class operation)' },
    redo: { type: 'boolean', description: 'Redo the latest undone change' },
    history: { type: 'boolean', description: 'Show the label history (newest first)' },
    image: { type: 'string', value: 'IMAGE', description: 'With --history: the history of one image (id or path)' },
    limit: { type: 'string', value: 'N', description: 'With --history: how many entries (default 50)', field: 'limit' },
  },
  notes: ['Calls: setLabel, undo, redo, getHistory, getImage (for --history --image).'],
  async run({ service }, args) {
    const set = optionalString(args, 'set');
    const modes = [set !== undefined, flag(args, 'clear'), flag(args, 'undo'), flag(args, 'redo'), flag(args, 'history')].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give exactly one of --set <class>, --clear, --undo, --redo, --history');
    if (flag(args, 'undo')) return service.undo({});
    if (flag(args, 'redo')) return service.redo({});
    if (flag(args, 'history')) {
      const image = optionalString(args, 'image');
      if (image !== undefined) {
        const [id] = (await service.findImages({ refs: [image] })).ids;
        return { imageId: id, history: (await service.getImage({ id })).history };
      }
      return { history: await service.getHistory({ limit: optionalInt(args, 'limit', 1) ?? 50 }) };
    }
    if (args.positionals.length === 0) throw new UsageError(`name the images to ${set !== undefined ? 'label' : 'clear'}: image ids or paths after the options`);
    const { ids } = await service.findImages({ refs: args.positionals });
    return service.setLabel({ imageIds: ids, className: set ?? null });
  },
  format(r) {
    if ('imageId' in r) return r.history.length ? r.history.map(entryLine).join('\n') : `image ${r.imageId}: no label changes recorded`;
    if (!('classes' in r)) return r.history.map(entryLine).join('\n') || 'no label changes yet';
    if ('applied' in r) return `${r.applied ? `${r.description}` : 'nothing to do'}\n${position(r.history)}`;
    return `${r.changed} image(s) changed\n${position(r.history)}`;
  },
});

export const labelsExportCommand = command<LabelsExportResult>({
  name: 'labels export',
  summary: 'Write the current labels to a CSV file (path,label,source,root) that import --labels csv:<file> reads back',
  project: 'open',
  call: 'exportLabels',
  flags: {
    ...projectFlag,
    out: { type: 'string', value: 'FILE', description: 'The CSV file to write', field: 'out' },
    all: { type: 'boolean', description: 'Also list unlabelled images (with an empty label)' },
  },
  run: ({ service }, args) => service.exportLabels({ out: requireString(args, 'out'), includeUnlabelled: flag(args, 'all') }),
  format: (r) => `${r.file}: ${r.rows} rows (${Object.entries(r.classes).map(([c, n]) => `${c} ${n}`).join(', ') || 'no labels'})`,
});
