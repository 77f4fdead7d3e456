import { StudioError } from '../../shared/errors.ts';
import type { ParsedArgs } from './command.ts';

/**
 * A mistake in how the command was typed (unknown flag, bad value, missing
 * argument): exit status 2, as for every command.
 */
export class UsageError extends StudioError {
  constructor(message: string, field?: string) {
    super('invalid-argument', message, field);
  }
}

export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A required string flag, with an error naming it. */
export function requireString(args: ParsedArgs, name: string): string {
  const v = optionalString(args, name);
  if (v === undefined || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function strings(args: ParsedArgs, name: string): string[] | undefined {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : undefined;
}

/** An integer flag; the error names the flag and the value found. */
export function optionalInt(args: ParsedArgs, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range = min > Number.MIN_SAFE_INTEGER ? (max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ` >= ${min}`) : '';
    throw new UsageError(`--${name} expects an integer${range}, got "${v}"`);
  }
  return n;
}

export function requireInt(args: ParsedArgs, name: string, min?: number, max?: number): number {
  const n = optionalInt(args, name, min, max);
  if (n === undefined) throw new UsageError(`missing --${name}`);
  return n;
}

export function optionalNumber(args: ParsedArgs, name: string): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${v}"`);
  return n;
}

/** A flag whose value is one of a few words. */
export function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[]): T | undefined {
  const v = optionalString(args, name);
  if (v !== undefined && !allowed.includes(v as T)) throw new UsageError(`--${name} expects ${allowed.join(', ')}, got "${v}"`);
  return v as T | undefined;
}

/** At most one of these flags; returns the one given. */
export function exclusive(args: ParsedArgs, names: string[]): string | undefined {
  const given = names.filter((n) => args.values[n] !== undefined && args.values[n] !== false);
  if (given.length > 1) throw new UsageError(`give at most one of ${names.map((n) => `--${n}`).join(', ')}`);
  return given[0];
}

export const projectFlag = {
  project: { type: 'string' as const, value: 'FILE', description: 'The project file (name.xstudio)' },
};
