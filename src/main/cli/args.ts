import { invalidArgument } from '../../shared/errors.ts';
import type { ParsedArgs } from './command.ts';

/** Reads a required string option, with an error naming the flag. */
export function requireString(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw invalidArgument(`missing --${name}`);
  return v;
}

export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Parses an integer option; the error names the flag and the value found. */
export function optionalInt(args: ParsedArgs, name: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw invalidArgument(`--${name} expects an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}, got "${v}"`);
  return n;
}

export function optionalNumber(args: ParsedArgs, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidArgument(`--${name} expects a number, got "${v}"`);
  return n;
}

export const projectOption = { project: { type: 'string' as const } };
