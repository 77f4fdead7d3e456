import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface CliIo {
  /** True when the user passed --json: print exactly one JSON object on stdout. */
  json: boolean;
  /** Progress and human notes; always stderr so stdout stays machine-readable. */
  progress(text: string): void;
  /** Aborted on Ctrl+C, so long commands can cancel their jobs cleanly. */
  signal: AbortSignal;
}

/**
 * One `xstudio` command. `name` may have two words ("labels export",
 * "runs compare"). `run` returns the result object; the CLI prints it as JSON
 * with --json, or through `format` (or as indented JSON) without.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  positionals?: boolean;
  run(args: ParsedArgs, io: CliIo): Promise<object>;
  format?(result: object): string;
}
