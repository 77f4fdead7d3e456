/**
 * The one way the renderer reaches the core. Stores call `getStudioApi()`;
 * it returns the typed StudioApi over Electron's `window.studio` bridge when
 * the preload provided one, else over HTTP + WebSocket (browser mode).
 */
import type { StudioApi } from '../../../shared/api.ts';
import { createStudioApi, type StudioTransport } from '../../../shared/api-client.ts';
import { createHttpTransport } from './http-transport.ts';

export type { StudioApi } from '../../../shared/api.ts';
export { StudioError } from '../../../shared/errors.ts';

let api: StudioApi | null = null;

export function getStudioApi(): StudioApi {
  if (!api) {
    const bridge: StudioTransport | undefined = window.studio;
    api = createStudioApi(bridge ?? createHttpTransport());
  }
  return api;
}

/** For store tests: use a fake or a real API built elsewhere. */
export function setStudioApi(next: StudioApi | null): void {
  api = next;
}
