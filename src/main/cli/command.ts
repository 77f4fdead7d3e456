import type { CallName, StudioService } from '../../shared/api.ts';
import type { StudioEventBus } from '../studio/service/event-bus.ts';

/**
 * One flag, declared once: the parser, `--help` and the error messages all
 * read this. `field` is the dotted path of the call input the flag fills, so
 * an error the core raises about that field ("sizes.train: …") is told to the
 * user as being about the flag ("--train: …").
 */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** One line for --help. */
  description: string;
  /** Placeholder of the value in --help ("N", "FILE"). */
  value?: string;
  /** The call input field(s) the flag fills: `--labels csv:FILE` fills labelSource and csvFile. */
  field?: string | readonly string[];
}

export interface PositionalSpec {
  /** Placeholder in --help ("<folder>", "<image>…"). */
  name: string;
  description: string;
  field?: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CliIo {
  /** True when the user passed --json: print exactly one JSON object on stdout. */
  json: boolean;
  /** Progress and human notes; always stderr so stdout stays machine-readable. */
  progress(text: string): void;
  /** Aborted on Ctrl+C, so long commands can cancel their jobs cleanly. */
  signal: AbortSignal;
  /** Asks a yes/no question on the terminal; false when there is none to ask (not a TTY). */
  confirm(question: string): Promise<boolean>;
}

/** What a command works with: the one service (the same object the UI's transports bind) and its events. */
export interface CommandContext {
  service: StudioService;
  events: StudioEventBus;
  io: CliIo;
}

/**
 * One `xstudio` command: an adapter that parses its flags into one (or a few)
 * service calls' input and prints the call's result. `name` may have two
 * words ("labels export"). With --json the result is printed as is.
 */
export interface Command<R extends object = object> {
  name: string;
  summary: string;
  /** Whether the command works on a project: 'open' an existing one, 'create' it when missing, 'optional' (opened when --project is given), or 'none'. */
  project: 'open' | 'create' | 'optional' | 'none';
  flags: Record<string, FlagSpec>;
  positionals?: PositionalSpec;
  /** Extra lines for --help. */
  notes?: string[];
  /** The service call whose result the command prints (documentation and the contract test). */
  call: CallName | null;
  /** Checks made before the project is opened or created (so a typo leaves no project file behind). */
  before?(args: ParsedArgs): void;
  run(ctx: CommandContext, args: ParsedArgs): Promise<R>;
  format?(result: R): string;
}

/** Declares a command with its result type checked against `run` and `format`. */
export function command<R extends object>(c: Command<R>): Command {
  return c as unknown as Command;
}
