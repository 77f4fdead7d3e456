/**
 * Electron transport: binds every StudioApi call to `ipcMain.handle('studio:<call>')`
 * with the same schemas as the HTTP server, and forwards every core event to
 * the window with `webContents.send('studio:event', …)`. Replies are the
 * `CallResult` envelope (src/shared/api.ts) so an error keeps its code across
 * contextBridge, which would drop it from a thrown Error.
 *
 * Electron objects are passed in, so the binding is plain Node and is
 * unit-tested with a fake ipcMain; the sender check is NOT passed in: every
 * call goes through security-policy.ts's isTrustedSender, the one the tests
 * exercise.
 */
import { CALL_NAMES, IPC_EVENT_CHANNEL, ipcChannel, type CallName, type CallResult, type StudioEventMessage, type StudioService } from '../shared/api.ts';
import { serializeError, StudioError } from '../shared/errors.ts';
import { isTrustedSender, type SenderLike, type StudioOrigin } from './security-policy.ts';

/** The part of Electron's IpcMainInvokeEvent this binding reads. */
export type InvokeEventLike = SenderLike;

/** The part of Electron's ipcMain this binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

/** The part of a WebContents that receives events. */
export interface EventTarget {
  send(channel: string, message: StudioEventMessage): void;
  isDestroyed(): boolean;
}

export interface IpcBindingOptions {
  /** Where the studio's page comes from (the dev server under `npm run dev`); calls from anything else are refused. */
  origin?: StudioOrigin;
}

export interface StudioLike {
  service: StudioService;
  events: { subscribe(listener: (message: StudioEventMessage) => void): () => void };
}

/** Binds the service; returns the function that unbinds it. */
export function bindStudioIpc(ipcMain: IpcMainLike, studio: StudioLike, targets: () => EventTarget[], options: IpcBindingOptions = {}): () => void {
  for (const call of CALL_NAMES) {
    ipcMain.handle(ipcChannel(call), (event, input) => invokeCall(studio.service, call, input, event, options));
  }
  const unsubscribe = studio.events.subscribe((message) => {
    for (const t of targets()) {
      if (!t.isDestroyed()) t.send(IPC_EVENT_CHANNEL, message);
    }
  });
  return () => {
    unsubscribe();
    for (const call of CALL_NAMES) ipcMain.removeHandler(ipcChannel(call));
  };
}

async function invokeCall(service: StudioService, call: CallName, input: unknown, event: InvokeEventLike, options: IpcBindingOptions): Promise<CallResult<unknown>> {
  try {
    if (!isTrustedSender(event, options.origin)) {
      throw new StudioError('invalid-argument', `${call}: refused a call from a page that is not the studio`);
    }
    // The service validates every input with the contract's schema (studio-service.ts): once, for every door.
    const fn = service[call] as (i: unknown) => Promise<unknown>;
    return { ok: true, value: await fn(input) };
  } catch (err) {
    if (!(err instanceof StudioError)) console.error(`xstudio: ${call} failed: ${(err as Error)?.stack ?? String(err)}`);
    return { ok: false, error: serializeError(err) };
  }
}
