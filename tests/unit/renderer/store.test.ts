import { describe, expect, it } from 'vitest';
import { ApiError, type Api, type ConnectionState } from '../../../src/renderer/src/lib/api';
import { createAppStore } from '../../../src/renderer/src/store';
import type { AppInfo } from '../../../src/shared/contract';

/** A fake API (mocked transport): the store must work against any implementation of the contract client. */
function fakeApi(answer: () => Promise<unknown>) {
  let connectionListener: ((state: ConnectionState) => void) | undefined;
  const api: Api = {
    invoke: (() => answer()) as Api['invoke'],
    on: () => () => {},
    onConnection: (listener) => {
      connectionListener = listener;
      listener('connecting');
      return () => {};
    },
  };
  return { api, connect: (state: ConnectionState) => connectionListener?.(state) };
}

const info: AppInfo = {
  product: 'Greenlight',
  version: '1.0.0',
  hostKind: 'browser',
  environments: [
    { name: 'sandbox', target: 'sandbox', region: 'us-east-1' },
    { name: 'staging', target: 'aws', region: 'eu-west-1' },
  ],
  configProblems: [],
};

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the store (mocked transport)', () => {
  it('loads app info once connected, becomes ready and picks the first environment', async () => {
    const { api, connect } = fakeApi(() => Promise.resolve(info));
    const store = createAppStore(api);
    expect(store.getState().connection).toBe('connecting');
    expect(store.getState().isReady).toBe(false);
    connect('connected');
    await settle();
    expect(store.getState()).toMatchObject({ connection: 'connected', isReady: true, selectedEnvironment: 'sandbox' });
  });

  it('shows a failed request with its code and message in the error surface', async () => {
    const { api, connect } = fakeApi(() =>
      Promise.reject(new ApiError({ code: 'config-invalid', message: 'environments.yaml: staging.region: expected a string' })),
    );
    const store = createAppStore(api);
    connect('connected');
    await settle();
    expect(store.getState().errors).toEqual([
      { request: 'app.info', code: 'config-invalid', message: 'environments.yaml: staging.region: expected a string' },
    ]);
    store.getState().actions.dismissError(0);
    expect(store.getState().errors).toEqual([]);
  });
});
