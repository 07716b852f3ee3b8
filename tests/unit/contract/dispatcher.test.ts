import { describe, expect, it } from 'vitest';
import { events, requests } from '../../../src/shared/contract';
import { eventNames, requestChannel, requestNames } from '../../../src/shared/contract-names';
import { createDispatcher, type Handlers } from '../../../src/main/core/contract/dispatcher';
import { AppError } from '../../../src/main/core/errors';
import { bindContract, type IpcMainLike } from '../../../src/main/electron/ipc-binder';
import { isTrustedSender } from '../../../src/main/electron/trust';
import type { AppInfo } from '../../../src/shared/contract';

/** A full handler table in which only the named handlers do anything (the others must never be reached). */
function handlersWith(overrides: Partial<Handlers>): Handlers {
  const unreachable = () => {
    throw new Error('not part of this test');
  };
  const table = Object.fromEntries(requestNames.map((name) => [name, unreachable])) as unknown as Handlers;
  return { ...table, ...overrides };
}

const info: AppInfo = {
  product: 'Greenlight',
  version: '9.9.9',
  hostKind: 'electron',
  environments: [{ name: 'sandbox', target: 'sandbox', region: 'us-east-1' }],
  configProblems: [],
};

describe('the contract', () => {
  it('lists exactly the requests and events it defines (the preload only sees the lists)', () => {
    expect(Object.keys(requests).sort()).toEqual([...requestNames].sort());
    expect(Object.keys(events).sort()).toEqual([...eventNames].sort());
    for (const name of requestNames) expect(name).toMatch(/^[a-z]+\.[a-zA-Z]+$/);
  });
});

describe('the dispatcher always answers with a Result', () => {
  const dispatch = createDispatcher(handlersWith({ 'app.info': () => info }));

  it('answers a valid request with its value', async () => {
    await expect(dispatch('app.info', {})).resolves.toEqual({ ok: true, value: info });
  });

  it('refuses an unknown request by name', async () => {
    const result = await dispatch('app.delete-everything', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown-request' } });
    expect(!result.ok && result.error.message).toContain('app.delete-everything');
  });

  it('refuses an input that fails the schema, naming the field', async () => {
    const result = await dispatch('app.info', { extra: true });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalid-input');
    expect(!result.ok && result.error.message).toContain('extra');
    const badVersion = await dispatch('run.start', { environment: 'staging', version: 'v1.5' });
    expect(!badVersion.ok && badVersion.error.message).toContain('version: expected a semantic version such as 1.5.1');
    const notAnObject = await dispatch('app.info', 'hello');
    expect(!notAnObject.ok && notAnObject.error.message).toMatch(/expected object/);
  });

  it('turns a thrown AppError into its code and message, and anything else into internal', async () => {
    const failing = createDispatcher(
      handlersWith({
        'app.info': () => {
          throw new AppError('config-invalid', 'environments.yaml: prod.region: expected a string');
        },
      }),
    );
    await expect(failing('app.info', {})).resolves.toEqual({
      ok: false,
      error: { code: 'config-invalid', message: 'environments.yaml: prod.region: expected a string' },
    });
    const crashing = createDispatcher(
      handlersWith({
        'app.info': () => {
          throw new TypeError('boom');
        },
      }),
    );
    await expect(crashing('app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});

describe('bindContract over an IpcMainLike (in-memory ipcMain)', () => {
  type Listener = Parameters<IpcMainLike['handle']>[1];
  const channels = new Map<string, Listener>();
  const ipc: IpcMainLike = { handle: (channel, listener) => void channels.set(channel, listener) };
  bindContract(ipc, createDispatcher(handlersWith({ 'app.info': () => info })), (frame) => isTrustedSender(frame));

  it('binds one channel per request', () => {
    expect([...channels.keys()].sort()).toEqual(requestNames.map(requestChannel).sort());
  });

  it('answers our own top frame', async () => {
    const listener = channels.get(requestChannel('app.info'))!;
    await expect(listener({ senderFrame: { url: 'app://greenlight/index.html', parent: null } }, {})).resolves.toEqual({ ok: true, value: info });
  });

  it('refuses a sub-frame, a null frame and a foreign page without calling the handler', async () => {
    const listener = channels.get(requestChannel('app.info'))!;
    const top = { url: 'app://greenlight/index.html', parent: null };
    for (const senderFrame of [null, { url: 'app://greenlight/index.html', parent: top }, { url: 'https://evil.example/', parent: null }]) {
      await expect(listener({ senderFrame }, {})).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });
});
