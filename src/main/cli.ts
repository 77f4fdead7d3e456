import { parseArgs } from 'node:util';
import { serializeError, StudioError } from '../shared/errors.ts';
import type { Command, CliIo } from './cli/command.ts';
import { commands } from './cli/commands/index.ts';

const HELP = `xstudio — Xception Studio from the command line

Usage: xstudio <command> [options] [--json]

Every command takes --json and then prints exactly one JSON object on stdout.
Errors go to stderr with a non-zero exit code.
`;

/** Finds the command whose (one or two word) name matches the start of argv. */
export function findCommand(argv: string[], list: Command[] = commands): { command: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = list.find((c) => c.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = list.find((c) => c.name === argv[0]);
  if (byOne) return { command: byOne, rest: argv.slice(1) };
  return undefined;
}

function helpText(list: Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length), 8);
  return HELP + '\nCommands:\n' + list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n') + '\n\nxstudio <command> --help shows a command\'s options.\n';
}

/** Runs the CLI; returns the exit code. stdout/stderr are parameters so tests can capture them. */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const json = argv.includes('--json');
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    if (json) out.write(JSON.stringify({ commands: commands.map((c) => ({ name: c.name, summary: c.summary, usage: c.usage })) }) + '\n');
    else out.write(helpText(commands));
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    err.write(`xstudio: unknown command "${argv[0]}". Run xstudio --help for the list.\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const io: CliIo = {
    json,
    progress: (text) => {
      err.write(text.endsWith('\n') ? text : text + '\n');
    },
    signal: controller.signal,
  };
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    const result = await command.run({ values: parsed.values, positionals: parsed.positionals }, io);
    if (json) out.write(JSON.stringify(result) + '\n');
    else out.write((command.format ? command.format(result) : JSON.stringify(result, null, 2)) + '\n');
    return 0;
  } catch (e) {
    const s = serializeError(e);
    // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION: those are user errors.
    const code = (e as { code?: string }).code;
    const userError = e instanceof StudioError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    err.write(`xstudio ${command.name}: ${s.message}\n`);
    if (!userError && process.env.XSTUDIO_DEBUG) err.write(String((e as Error).stack) + '\n');
    return userError ? 1 : 2;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
