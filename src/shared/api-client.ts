/**
 * Builds the typed StudioApi over any transport (Electron IPC bridge or
 * HTTP + WebSocket): one generic `invoke` and one event stream. Pure, so the
 * renderer and tests share it.
 */
import {
  CALL_NAMES,
  mediaPath,
  type CallName,
  type CallResult,
  type EventHandler,
  type EventName,
  type StudioApi,
  type StudioEventMessage,
} from './api.ts';
import { StudioError, type SerializedError } from './errors.ts';

export interface StudioTransport {
  readonly kind: 'electron' | 'http';
  /** Performs one call; resolves with the wire envelope (never rejects for a core error). */
  invoke(call: CallName, input: unknown): Promise<CallResult<unknown>>;
  /** Receives every event; returns the unsubscribe function. */
  subscribe(listener: (message: StudioEventMessage) => void): () => void;
  /** Base URL of media, ending with '/': '/media/' or 'xstudio-media://media/'. */
  readonly mediaBase: string;
}

export function errorFromWire(error: SerializedError): StudioError {
  return new StudioError(error.code ?? 'internal', error.message ?? 'unknown error', typeof error.field === 'string' ? error.field : undefined);
}

export function createStudioApi(transport: StudioTransport): StudioApi {
  const handlers = new Map<EventName, Set<(payload: unknown) => void>>();
  let unsubscribe: (() => void) | null = null;

  const ensureSubscribed = (): void => {
    if (unsubscribe) return;
    unsubscribe = transport.subscribe((message) => {
      for (const h of handlers.get(message.event) ?? []) {
        try {
          h(message.payload);
        } catch (err) {
          console.error(`handler of ${message.event} failed`, err);
        }
      }
    });
  };

  const api: Record<string, unknown> = {
    transport: transport.kind,
    on<E extends EventName>(event: E, handler: EventHandler<E>): () => void {
      ensureSubscribed();
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      const h = handler as (payload: unknown) => void;
      set.add(h);
      return () => {
        set.delete(h);
      };
    },
    thumbUrl: (hash: string) => transport.mediaBase + mediaPath.thumb(hash),
    imageUrl: (id: number) => transport.mediaBase + mediaPath.image(id),
    reportUrl: (runId: number) => transport.mediaBase + mediaPath.report(runId),
  };
  for (const name of CALL_NAMES) {
    api[name] = async (input?: unknown) => {
      const result = await transport.invoke(name, input ?? {});
      if (result.ok) return result.value;
      throw errorFromWire(result.error);
    };
  }
  return api as unknown as StudioApi;
}
