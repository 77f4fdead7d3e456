import { invalidArgument } from '../../../shared/errors.ts';
import { resolveImageRefs } from '../../studio/library/image-refs.ts';
import { defaultActor } from '../../studio/labels/actor.ts';
import { exportLabels, labelHistory, labelHistoryOfImage, redoLabels, setLabels, undoLabels } from '../../studio/labels/label-service.ts';
import { withProject } from '../../studio/project.ts';
import { optionalInt, optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';
import { formatLabelResult } from './label-format.ts';

export const labelCommand: Command = {
  name: 'label',
  summary: 'Set or clear the label of images (one undoable change), undo, redo, or show the label history',
  usage: 'xstudio label --project P (--set <class> <image path or id>… | --clear <image path or id>… | --undo | --redo | --history [--image <path or id>] [--limit N]) [--json]',
  positionals: true,
  options: {
    ...projectOption,
    set: { type: 'string' },
    clear: { type: 'boolean' },
    undo: { type: 'boolean' },
    redo: { type: 'boolean' },
    history: { type: 'boolean' },
    image: { type: 'string' },
    limit: { type: 'string' },
  },
  async run(args) {
    const projectFile = requireString(args, 'project');
    const set = optionalString(args, 'set');
    const modes = [set !== undefined, !!args.values.clear, !!args.values.undo, !!args.values.redo, !!args.values.history].filter(Boolean).length;
    if (modes !== 1) throw invalidArgument('give exactly one of --set <class>, --clear, --undo, --redo, --history');
    return withProject(projectFile, (project) => {
      if (args.values.undo) return undoLabels(project);
      if (args.values.redo) return redoLabels(project);
      if (args.values.history) {
        const image = optionalString(args, 'image');
        if (image !== undefined) return labelHistoryOfImage(project, resolveImageRefs(project, [image])[0]);
        return labelHistory(project, optionalInt(args, 'limit', 1) ?? 50);
      }
      if (args.positionals.length === 0) throw invalidArgument(`name the images to ${set !== undefined ? 'label' : 'clear'}: image ids or paths after the options`);
      const ids = resolveImageRefs(project, args.positionals);
      return setLabels(project, ids, set ?? null, { actor: defaultActor('cli') });
    }, { create: false });
  },
  format: formatLabelResult,
};

export const labelsExportCommand: Command = {
  name: 'labels export',
  summary: 'Write the current labels to a CSV file (path,label,source,root) that import --labels csv:<file> reads back',
  usage: 'xstudio labels export --project P --out labels.csv [--all] [--json]',
  options: { ...projectOption, out: { type: 'string' }, all: { type: 'boolean' } },
  async run(args) {
    const projectFile = requireString(args, 'project');
    const out = requireString(args, 'out');
    return withProject(projectFile, (project) => exportLabels(project, out, { includeUnlabelled: !!args.values.all }), { create: false });
  },
};
