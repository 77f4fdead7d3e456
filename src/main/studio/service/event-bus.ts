import type { EventName, StudioEventMessage, StudioEvents } from '../../../shared/api.ts';

/**
 * The core's event stream: the service emits typed events; each transport
 * (IPC, WebSocket) subscribes once and forwards every message.
 */
export class StudioEventBus {
  private readonly listeners = new Set<(message: StudioEventMessage) => void>();

  emit<E extends EventName>(event: E, payload: StudioEvents[E]): void {
    const message = { event, payload } as StudioEventMessage;
    for (const l of this.listeners) {
      try {
        l(message);
      } catch (err) {
        // A broken listener (closed socket, destroyed window) must not stop the others.
        console.error(`xstudio: event listener failed on ${event}: ${(err as Error).message}`);
      }
    }
  }

  subscribe(listener: (message: StudioEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
