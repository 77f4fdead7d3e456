import type { ClassInfo, LabelChangeResult } from '../../../shared/api.ts';
import { exclusive, optionalString, projectFlag, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const classesCommand = command<LabelChangeResult | { classes: ClassInfo[] }>({
  name: 'classes',
  summary: 'List classes with their image counts, or add, rename, merge or delete one (each undoable with label --undo)',
  project: 'open',
  call: 'listClasses',
  positionals: { name: '[B]', description: 'The second class of --rename A B and --merge A B' },
  flags: {
    ...projectFlag,
    add: { type: 'string', value: 'A', description: 'Add an empty class', field: 'name' },
    rename: { type: 'string', value: 'A', description: 'Rename class A to B (--rename A B)', field: ['name', 'newName'] },
    merge: { type: 'string', value: 'A', description: 'Relabel every image of A as B and remove A (--merge A B)', field: ['from', 'into'] },
    delete: { type: 'string', value: 'A', description: 'Remove class A; its images become unlabelled', field: 'name' },
  },
  notes: ['Calls: listClasses, createClass, renameClass, mergeClasses, deleteClass.'],
  async run({ service }, args) {
    const op = exclusive(args, ['add', 'rename', 'merge', 'delete']);
    const a = op ? optionalString(args, op)! : undefined;
    const second = (): string => {
      if (args.positionals.length !== 1) throw new UsageError(`--${op} takes two class names (--${op} A B), got ${args.positionals.length + 1}`);
      return args.positionals[0];
    };
    if ((op === undefined || op === 'add' || op === 'delete') && args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    switch (op) {
      case 'add':
        return service.createClass({ name: a! });
      case 'rename':
        return service.renameClass({ name: a!, newName: second() });
      case 'merge':
        return service.mergeClasses({ from: [a!], into: second() });
      case 'delete':
        return service.deleteClass({ name: a! });
      default:
        return { classes: await service.listClasses({}) };
    }
  },
  format: (r) => ('changed' in r ? `${r.changed} image(s) relabelled\n` : '') + (r.classes.map((c) => `${c.name}\t${c.count}`).join('\n') || '(no classes)'),
});
