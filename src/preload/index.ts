import { contextBridge, ipcRenderer } from 'electron';
import {
  eventChannel,
  isEventName,
  isRequestName,
  requestChannel,
} from '../shared/contract-names';

// Sandboxed preload: it imports only electron and the plain list of names, and exposes exactly
// `window.greenlight = { invoke, on }`. Main validates every payload again; these checks just fail fast.
contextBridge.exposeInMainWorld('greenlight', {
  invoke(name: unknown, payload: unknown): Promise<unknown> {
    if (!isRequestName(name)) return Promise.resolve({ ok: false, error: { code: 'unknown-request', message: `There is no request named ${String(name)}.` } });
    return ipcRenderer.invoke(requestChannel(name), payload);
  },
  on(name: unknown, listener: (payload: unknown) => void): () => void {
    if (!isEventName(name) || typeof listener !== 'function') return () => {};
    const handler = (_event: unknown, message: { name: string; payload: unknown }) => {
      if (message.name === name) listener(message.payload);
    };
    ipcRenderer.on(eventChannel, handler);
    return () => ipcRenderer.off(eventChannel, handler);
  },
});
