/**
 * The `xstudio` command line: a thin adapter over the studio service (the
 * same object the desktop app's IPC and browser mode's HTTP bind). A command
 * parses its flags into a call's input, calls the service in-process, and
 * prints the call's result (with --json exactly that, as one JSON object).
 *
 * Exit status, the same for every command: 0 success, 1 the work failed,
 * 2 a usage error (unknown command or flag, a bad value).
 * See docs/ARCHITECTURE.md.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import readline from 'node:readline/promises';
import { serializeError, StudioError, type SerializedError } from '../shared/errors.ts';
import { UsageError } from './cli/args.ts';
import type { CliIo, Command, ParsedArgs } from './cli/command.ts';
import { commands } from './cli/commands/index.ts';
import { commandHelp, overviewHelp } from './cli/help.ts';

/** Finds the command whose (one or two word) name matches the start of argv. */
export function findCommand(argv: string[], list: Command[] = commands): { command: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = list.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = list.find((c) => c.name === argv[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  return undefined;
}

function parseOptions(command: Command): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { json: { type: 'boolean' } };
  for (const [name, f] of Object.entries(command.flags)) options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}) };
  return options;
}

/**
 * An error about an input field, said in terms of the flag (or argument) that filled it.
 * Flags the user gave come first: --add, --rename and --delete all fill `name`.
 */
function inFlagTerms(command: Command, e: SerializedError, given: ParsedArgs['values']): { message: string; flag?: string } {
  if (!e.field) return { message: e.message };
  const flags = Object.entries(command.flags)
    .map(([name, f]) => [name, f.field === undefined ? [] : typeof f.field === 'string' ? [f.field] : f.field] as const)
    .sort(([a], [b]) => Number(given[b] !== undefined) - Number(given[a] !== undefined));
  // The flag that filled the field itself, else the one that filled the object holding it.
  const entry = flags.find(([, fields]) => fields.includes(e.field!)) ?? flags.find(([, fields]) => fields.some((f) => e.field!.startsWith(`${f}.`)));
  const name = entry ? `--${entry[0]}` : command.positionals?.field === e.field ? command.positionals.name : undefined;
  if (!name) return { message: e.message };
  const prefix = `${e.field}: `;
  return { message: e.message.startsWith(prefix) ? `${name}: ${e.message.slice(prefix.length)}` : `${name}: ${e.message}`, flag: name };
}

/** Usage errors exit 2: parse errors, the CLI's own checks, and a bad value in a field a flag filled. */
function isUsageError(e: unknown, flag: string | undefined): boolean {
  if (e instanceof UsageError) return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return true;
  return e instanceof StudioError && e.code === 'invalid-argument' && flag !== undefined;
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Runs the CLI; returns the exit code. stdout/stderr are parameters so tests can capture them. */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const json = argv.includes('--json');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    if (json) out.write(JSON.stringify({ commands: commands.map((c) => ({ name: c.name, summary: c.summary, call: c.call })) }) + '\n');
    else out.write(overviewHelp(commands));
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const message = `unknown command "${argv[0]}". Run xstudio --help for the list.`;
    if (json) out.write(JSON.stringify({ error: { code: 'invalid-argument', message } }) + '\n');
    err.write(`xstudio: ${message}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(commandHelp(command));
    return 0;
  }
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const io: CliIo = {
    json,
    progress: (text) => err.write(text.endsWith('\n') ? text : text + '\n'),
    signal: controller.signal,
    confirm: askOnTerminal,
  };
  let given: ParsedArgs['values'] = {};
  let studio: Awaited<ReturnType<typeof import('./studio/studio-service.ts')['createStudio']>> | null = null;
  try {
    const parsed = parseArgs({ args: rest, options: parseOptions(command), allowPositionals: !!command.positionals, strict: true });
    const args: ParsedArgs = { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
    given = args.values;
    command.before?.(args);
    // The studio core is loaded only once a command is found: --help stays as fast as bare Node.
    const { createStudio } = await import('./studio/studio-service.ts');
    let project: string | null = null;
    if (command.project !== 'none') {
      project = typeof args.values.project === 'string' && args.values.project !== '' ? args.values.project : null;
      if (!project && command.project !== 'optional') throw new UsageError('missing --project');
    }
    studio = await createStudio({ transport: 'cli', project, createProject: command.project === 'create' });
    // (createStudio opens nothing for project: null.)
    const result = await command.run({ service: studio.service, events: studio.events, io }, args);
    out.write((json ? JSON.stringify(result) : command.format ? command.format(result) : JSON.stringify(result, null, 2)) + '\n');
    return 0;
  } catch (e) {
    const s = serializeError(e);
    const said = inFlagTerms(command, s, given);
    const usage = isUsageError(e, said.flag);
    if (json) out.write(JSON.stringify({ error: { code: s.code, message: said.message, ...(s.field ? { field: s.field } : {}), ...(said.flag ? { flag: said.flag } : {}) } }) + '\n');
    err.write(`xstudio ${command.name}: ${said.message}\n`);
    if (s.code === 'internal' && process.env.XSTUDIO_DEBUG) err.write(String((e as Error).stack) + '\n');
    return usage ? 2 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await studio?.close();
  }
}
