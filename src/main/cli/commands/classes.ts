import { invalidArgument } from '../../../shared/errors.ts';
import { defaultActor } from '../../studio/labels/actor.ts';
import { addClass, deleteClass, listClasses, mergeClass, renameClass, type ClassInfo } from '../../studio/labels/classes.ts';
import { withProject } from '../../studio/project.ts';
import { optionalString, projectOption, requireString } from '../args.ts';
import type { Command } from '../command.ts';

export const classesCommand: Command = {
  name: 'classes',
  summary: 'List classes with their image counts, or add, rename, merge or delete one (each undoable with label --undo)',
  usage: 'xstudio classes --project P [--add A | --rename A B | --merge A B | --delete A] [--json]',
  positionals: true,
  options: { ...projectOption, add: { type: 'string' }, rename: { type: 'string' }, merge: { type: 'string' }, delete: { type: 'string' } },
  async run(args) {
    const projectFile = requireString(args, 'project');
    const add = optionalString(args, 'add');
    const rename = optionalString(args, 'rename');
    const merge = optionalString(args, 'merge');
    const del = optionalString(args, 'delete');
    const given = [add, rename, merge, del].filter((v) => v !== undefined).length;
    if (given > 1) throw invalidArgument('give at most one of --add, --rename, --merge, --delete');
    const second = (flag: string): string => {
      if (args.positionals.length !== 1) throw invalidArgument(`--${flag} takes two class names (--${flag} A B), got ${args.positionals.length + 1}`);
      return args.positionals[0];
    };
    if ((add !== undefined || del !== undefined || given === 0) && args.positionals.length) throw invalidArgument(`unexpected argument "${args.positionals[0]}"`);
    const actor = defaultActor('cli');
    return withProject(projectFile, (project) => {
      if (add !== undefined) return addClass(project, add, { actor });
      if (rename !== undefined) return renameClass(project, rename, second('rename'), { actor });
      if (merge !== undefined) return mergeClass(project, merge, second('merge'), { actor });
      if (del !== undefined) return deleteClass(project, del, { actor });
      return { classes: listClasses(project.db) };
    }, { create: false });
  },
  format(r) {
    const classes = (r as { classes: ClassInfo[] }).classes;
    return classes.map((c) => `${c.name}\t${c.count}`).join('\n') || '(no classes)';
  },
};
