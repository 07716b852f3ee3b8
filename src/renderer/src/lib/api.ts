import type { EventPayload, RequestInput, RequestOutput } from '../../../shared/contract';
import type { EventName, RequestName } from '../../../shared/contract-names';
import type { AppErrorShape, Result } from '../../../shared/result';

/**
 * The only module of the renderer that knows how it is hosted: through the Electron preload bridge
 * (`window.greenlight`) or, in a plain browser, through the browser host's WebSocket. Everything else calls
 * `api.invoke` and gets a value or an ApiError.
 */

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export type Api = {
  invoke<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
};

export class ApiError extends Error {
  readonly code: string;
  readonly detail: unknown;
  constructor(shape: AppErrorShape) {
    super(shape.message);
    this.name = 'ApiError';
    this.code = shape.code;
    this.detail = shape.detail;
  }
}

type Bridge = {
  invoke(name: string, payload: unknown): Promise<Result<unknown>>;
  on(name: string, listener: (payload: unknown) => void): () => void;
};

function unwrap<T>(result: Result<unknown>): T {
  if (result.ok) return result.value as T;
  throw new ApiError(result.error);
}

function electronApi(bridge: Bridge): Api {
  return {
    invoke: async (name, input) => unwrap(await bridge.invoke(name, input)),
    on: (name, listener) => bridge.on(name, (payload) => listener(payload as never)),
    onConnection: (listener) => {
      listener('connected');
      return () => {};
    },
  };
}

function webSocketApi(url: string): Api {
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let retryDelay = 250;
  const pending = new Map<number, { resolve: (r: Result<unknown>) => void }>();
  const eventListeners = new Set<(name: string, payload: unknown) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let opened: Promise<WebSocket>;

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of connectionListeners) listener(next);
  };

  const connect = (): Promise<WebSocket> =>
    new Promise((resolveOpen) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => {
        retryDelay = 250;
        setState('connected');
        resolveOpen(ws);
      });
      ws.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as
          | { type: 'result'; id: number; result: Result<unknown> }
          | { type: 'event'; name: string; payload: unknown };
        if (message.type === 'result') {
          pending.get(message.id)?.resolve(message.result);
          pending.delete(message.id);
        } else {
          for (const listener of eventListeners) listener(message.name, message.payload);
        }
      });
      ws.addEventListener('close', () => {
        for (const [, request] of pending) {
          request.resolve({
            ok: false,
            error: {
              code: 'disconnected',
              message: 'The connection to Greenlight was lost before it answered.',
            },
          });
        }
        pending.clear();
        setState('reconnecting');
        // Keep trying, more slowly each time: main may be restarting; the store re-reads state on reconnect.
        const delay = retryDelay;
        retryDelay = Math.min(retryDelay * 2, 5000);
        opened = new Promise((resolveReopen) =>
          setTimeout(() => void connect().then(resolveReopen), delay),
        );
      });
    });

  opened = connect();

  return {
    invoke: async (name, input) => {
      const ws = await opened;
      const id = nextId++;
      const result = await new Promise<Result<unknown>>((resolveResult) => {
        if (ws.readyState !== WebSocket.OPEN) {
          resolveResult({
            ok: false,
            error: {
              code: 'disconnected',
              message: 'Greenlight is not connected; it is reconnecting.',
            },
          });
          return;
        }
        pending.set(id, { resolve: resolveResult });
        ws.send(JSON.stringify({ id, name, payload: input }));
      });
      return unwrap(result);
    },
    on: (name, listener) => {
      const handler = (eventName: string, payload: unknown) => {
        if (eventName === name) listener(payload as never);
      };
      eventListeners.add(handler);
      return () => eventListeners.delete(handler);
    },
    onConnection: (listener) => {
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- only an interface merges into Window
  interface Window {
    greenlight?: Bridge;
  }
}

/** The API for this page: Electron's bridge when present, the browser host's WebSocket otherwise. */
export function createApi(): Api {
  if (window.greenlight !== undefined) return electronApi(window.greenlight);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return webSocketApi(`${scheme}//${location.host}/ws`);
}
