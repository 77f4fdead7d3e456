// What the preload exposes to the renderer. window.studio is the raw Electron
// transport (one typed invoke + one event stream); the renderer wraps it into
// the typed StudioApi with getStudioApi() (src/renderer/src/api). It is a
// transport rather than the API itself because contextBridge drops custom
// properties of thrown errors: the envelope keeps the error's code intact.
import type { StudioTransport } from '../shared/api-client.ts';

declare global {
  interface Window {
    /** Present in Electron; absent in browser mode. */
    studio?: StudioTransport;
  }
}

export {};
