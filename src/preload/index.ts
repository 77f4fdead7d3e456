// The preload exposes the typed StudioApi (src/shared/api.ts) as window.studio
// through contextBridge, and nothing else.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('studio', {});
