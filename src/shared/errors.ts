/**
 * Errors a user can act on. They cross every boundary (CLI, IPC, HTTP) as
 * `{ name, code, message }` and are shown in words, never as a stack trace.
 * The message names the offending file, layer, field or argument and says what
 * was expected and what was found.
 */
export type StudioErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'conflict'
  | 'project-too-new'
  | 'corrupt-file'
  | 'backend-unavailable'
  | 'cancelled'
  | 'worker-failed'
  | 'internal';

export class StudioError extends Error {
  override readonly name = 'StudioError';
  constructor(
    readonly code: StudioErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SerializedError {
  name: string;
  code: StudioErrorCode;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof StudioError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: 'internal', message: err.message };
  return { name: 'Error', code: 'internal', message: String(err) };
}

export const invalidArgument = (message: string): StudioError => new StudioError('invalid-argument', message);
export const notFound = (message: string): StudioError => new StudioError('not-found', message);
