import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppInfo } from '../../../shared/contract';
import { ApiError, type Api, type ConnectionState } from '../lib/api';

/**
 * The one store of the renderer. It mirrors main — what main said, pushed or answered — and decides nothing:
 * prerequisites and gate maths live in src/shared/domain and core. It is built from the API it talks to, so a
 * test can hand it a fake one.
 */

export type ShownError = { code: string; message: string; request: string };

export type AppState = {
  connection: ConnectionState;
  info: AppInfo | undefined;
  selectedEnvironment: string | undefined;
  errors: ShownError[];
  /** Ready once the first app.info has answered: e2e tests wait on this (data-app-state). */
  isReady: boolean;
  actions: {
    loadInfo: () => Promise<void>;
    selectEnvironment: (name: string) => void;
    dismissError: (index: number) => void;
  };
};

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: Api): AppStore {
  const store = createStore<AppState>()((set, get) => {
    /** Runs a request; a failure lands in the error surface with its code and message instead of being thrown. */
    const attempt = async <T>(request: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (error) {
        const shown =
          error instanceof ApiError
            ? { code: error.code, message: error.message, request }
            : { code: 'internal', message: String(error), request };
        set({ errors: [...get().errors, shown] });
        return undefined;
      }
    };

    return {
      connection: 'connecting',
      info: undefined,
      selectedEnvironment: undefined,
      errors: [],
      isReady: false,
      actions: {
        async loadInfo() {
          const info = await attempt('app.info', () => api.invoke('app.info', {}));
          if (info === undefined) return;
          set({
            info,
            isReady: true,
            selectedEnvironment: get().selectedEnvironment ?? info.environments[0]?.name,
          });
        },
        selectEnvironment(name) {
          set({ selectedEnvironment: name });
        },
        dismissError(index) {
          set({ errors: get().errors.filter((_, i) => i !== index) });
        },
      },
    };
  });

  api.onConnection((connection) => {
    store.setState({ connection });
    // After a reconnect main may have moved on: read its state again.
    if (connection === 'connected') void store.getState().actions.loadInfo();
  });
  return store;
}

export const selectEnvironments = (state: AppState) => state.info?.environments ?? [];
