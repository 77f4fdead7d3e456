import type { Command } from './command.ts';

/** `xstudio --help`: every command with its one-line summary. */
export function overviewHelp(list: Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length), 8);
  return [
    'xstudio — Xception Studio from the command line',
    '',
    'Usage: xstudio <command> [options] [--json]',
    '',
    'With --json every command prints exactly one JSON object on stdout (its result, or {"error": {code, message, field?}});',
    'progress and messages go to stderr. Exit status: 0 done, 1 the work failed, 2 a usage error.',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "xstudio <command> --help lists a command's flags.",
    '',
  ].join('\n');
}

/** `xstudio <command> --help`, generated from the command's one declaration of its flags. */
export function commandHelp(c: Command): string {
  const flags = Object.entries(c.flags).map(([name, f]) => ({ left: `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}${f.multiple ? ' (repeatable)' : ''}`, text: f.description }));
  flags.push({ left: '--json', text: 'Print the result as one JSON object on stdout' });
  const rows = c.positionals ? [{ left: c.positionals.name, text: c.positionals.description }, ...flags] : flags;
  const width = Math.max(...rows.map((r) => r.left.length));
  const usage = `xstudio ${c.name}${c.positionals ? ` ${c.positionals.name}` : ''}${c.project !== 'none' ? ' --project FILE' : ''} [options]`;
  return [
    c.summary,
    '',
    `Usage: ${usage}`,
    '',
    ...rows.map((r) => `  ${r.left.padEnd(width)}  ${r.text}`),
    ...(c.notes?.length ? ['', ...c.notes] : []),
    ...(c.call ? ['', `Service call: ${c.call} (the same call the desktop app and browser mode make).`] : []),
    '',
  ].join('\n');
}
