/**
 * Errors a user can act on. They cross every boundary (CLI, IPC, HTTP) as
 * `{ name, code, message, field? }` and are shown in words, never as a stack
 * trace. The message names the offending file, layer or field and says what
 * was expected and what was found. `field` is the dotted path of the call's
 * input field at fault ("sizes.train"), so each door can point at its own
 * control: the CLI names the flag, the UI puts the message beside the box.
 * No core message names a CLI flag.
 */
export type StudioErrorCode =
  /** The input is wrong: a bad value, a damaged or foreign file. */
  | 'invalid-argument'
  | 'not-found'
  /** The request clashes with the state: exists already, locked, running, from a newer studio. */
  | 'conflict'
  /** No (valid) token: browser mode. */
  | 'unauthorized'
  /** Authenticated but not allowed: outside the project, another origin. */
  | 'forbidden'
  /** Something the work needs is absent here: an ML backend, the network, a kernel. */
  | 'unavailable'
  | 'cancelled'
  /** A bug or a crash (a worker that died): never the user's mistake. */
  | 'internal';

export const ERROR_CODES: readonly StudioErrorCode[] = ['invalid-argument', 'not-found', 'conflict', 'unauthorized', 'forbidden', 'unavailable', 'cancelled', 'internal'];

export class StudioError extends Error {
  override readonly name = 'StudioError';
  constructor(
    readonly code: StudioErrorCode,
    message: string,
    /** Dotted path of the input field at fault, when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface SerializedError {
  name: string;
  code: StudioErrorCode;
  message: string;
  field?: string;
}

function isCode(v: unknown): v is StudioErrorCode {
  return typeof v === 'string' && (ERROR_CODES as readonly string[]).includes(v);
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof StudioError) return { name: err.name, code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
  // A StudioError that crossed a process boundary arrives as a plain object with its code.
  if (err && typeof err === 'object' && isCode((err as { code?: unknown }).code) && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as SerializedError;
    return { name: 'StudioError', code: e.code, message: e.message, ...(typeof e.field === 'string' ? { field: e.field } : {}) };
  }
  if (err instanceof Error) return { name: err.name, code: 'internal', message: err.message };
  return { name: 'Error', code: 'internal', message: String(err) };
}

export const invalidArgument = (message: string, field?: string): StudioError => new StudioError('invalid-argument', message, field);
export const notFound = (message: string, field?: string): StudioError => new StudioError('not-found', message, field);

/**
 * An error about one input field, said the contract's way: "sizes.train: expected …".
 * The CLI replaces the "sizes.train: " prefix with the flag that filled it; the UI
 * shows the rest beside the field. Core messages never name a flag.
 */
export const fieldError = (code: StudioErrorCode, field: string, message: string): StudioError => new StudioError(code, `${field}: ${message}`, field);

/**
 * The same error, for a call whose input holds the checked object under `prefix`
 * (computeImageFeatures's `backbone`): "inputSize: …" becomes "backbone.inputSize: …".
 * Anything else passes through unchanged.
 */
export function underField(prefix: string, err: unknown): unknown {
  if (!(err instanceof StudioError) || !err.field) return err;
  const own = `${err.field}: `;
  const message = err.message.startsWith(own) ? `${prefix}.${err.message}` : err.message;
  return new StudioError(err.code, message, `${prefix}.${err.field}`);
}
