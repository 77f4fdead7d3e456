/**
 * Browser mode: the StudioApi over `POST /api/<call>` and a WebSocket on
 * `/events` (src/main/server.ts). The token printed by `xstudio serve` was
 * turned into an HttpOnly cookie when the page loaded, so every request here
 * carries it without the page ever seeing it.
 */
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, HTTP_MEDIA_PREFIX, type CallName, type CallResult, type StudioEventMessage } from '../../../shared/api.ts';
import type { StudioTransport } from '../../../shared/api-client.ts';
import type { SerializedError } from '../../../shared/errors.ts';

const unauthorised: SerializedError = {
  name: 'StudioError',
  code: 'invalid-argument',
  message: 'The studio server refused the request (401): open the address printed by `xstudio serve`, with its token.',
};

async function invoke(call: CallName, input: unknown): Promise<CallResult<unknown>> {
  let res: Response;
  try {
    res = await fetch(HTTP_API_PREFIX + call, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input ?? {}),
      credentials: 'same-origin',
    });
  } catch (err) {
    return { ok: false, error: { name: 'StudioError', code: 'internal', message: `The studio server did not answer (${String(err)}). Is \`xstudio serve\` still running?` } };
  }
  if (res.status === 401) return { ok: false, error: unauthorised };
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, error: { name: 'StudioError', code: 'internal', message: `The studio server answered ${res.status} without JSON to ${call}.` } };
  }
  if (res.ok) return { ok: true, value: body };
  const error = (body as { error?: SerializedError } | null)?.error;
  return { ok: false, error: error ?? { name: 'StudioError', code: 'internal', message: `${call} failed with HTTP ${res.status}.` } };
}

/** One WebSocket shared by all listeners, reopened with a growing delay when it drops. */
function createEventStream(): (listener: (m: StudioEventMessage) => void) => () => void {
  const listeners = new Set<(m: StudioEventMessage) => void>();
  let socket: WebSocket | null = null;
  let retryMs = 500;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const open = (): void => {
    const url = new URL(HTTP_EVENTS_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onopen = () => {
      retryMs = 500;
    };
    socket.onmessage = (e) => {
      let message: StudioEventMessage;
      try {
        message = JSON.parse(String(e.data)) as StudioEventMessage;
      } catch {
        return;
      }
      for (const l of listeners) l(message);
    };
    socket.onclose = () => {
      socket = null;
      if (listeners.size === 0) return;
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };

  return (listener) => {
    listeners.add(listener);
    if (!socket && !timer) open();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        if (timer) clearTimeout(timer);
        timer = null;
        socket?.close();
        socket = null;
      }
    };
  };
}

export function createHttpTransport(): StudioTransport {
  return { kind: 'http', invoke, subscribe: createEventStream(), mediaBase: HTTP_MEDIA_PREFIX };
}
