// The preload exposes the studio transport (src/shared/api.ts calls and
// events) as window.studio through contextBridge, and nothing else. It is
// bundled by electron-vite so the renderer stays sandboxed.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, MEDIA_PROTOCOL, ipcChannel, isCallName, type CallName, type CallResult, type StudioEventMessage } from '../shared/api.ts';
import type { StudioTransport } from '../shared/api-client.ts';

const bridge: StudioTransport = {
  kind: 'electron',
  mediaBase: `${MEDIA_PROTOCOL}://media/`,
  invoke(call: CallName, input: unknown): Promise<CallResult<unknown>> {
    if (!isCallName(call)) {
      return Promise.resolve({ ok: false, error: { name: 'StudioError', code: 'invalid-argument', message: `unknown call "${String(call)}"` } });
    }
    return ipcRenderer.invoke(ipcChannel(call), input) as Promise<CallResult<unknown>>;
  },
  subscribe(listener: (message: StudioEventMessage) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: StudioEventMessage): void => listener(message);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('studio', bridge);
