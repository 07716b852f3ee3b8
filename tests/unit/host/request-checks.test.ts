import { describe, expect, it } from 'vitest';
import { checkRequest, type RequestFacts } from '../../../src/main/core/host/request-checks';

const base: RequestFacts = {
  port: 4321,
  host: '127.0.0.1:4321',
  origin: undefined,
  fetchSite: undefined,
  token: 'secret-token',
  expectedToken: 'secret-token',
  isWebSocket: false,
};

describe('the browser host refuses anyone but its own page', () => {
  it.each<[string, Partial<RequestFacts>, number | 'allowed']>([
    ['our page load', {}, 'allowed'],
    ['our page via localhost', { host: 'localhost:4321' }, 'allowed'],
    ['our WebSocket', { isWebSocket: true, origin: 'http://127.0.0.1:4321' }, 'allowed'],
    ['a same-origin fetch', { origin: 'http://127.0.0.1:4321', fetchSite: 'same-origin' }, 'allowed'],
    ['a DNS-rebinding page (its own name in Host)', { host: 'evil.example:4321' }, 403],
    ['a Host with another port', { host: '127.0.0.1:9999' }, 403],
    ['no Host at all', { host: undefined }, 403],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403],
    ['an Origin on another port', { origin: 'http://127.0.0.1:9999' }, 403],
    ['the literal null Origin', { origin: 'null' }, 403],
    ['a WebSocket without Origin', { isWebSocket: true }, 403],
    ['a WebSocket from a foreign Origin', { isWebSocket: true, origin: 'http://evil.example' }, 403],
    ['a cross-site fetch', { fetchSite: 'cross-site' }, 403],
    ['a same-site (other port) fetch', { fetchSite: 'same-site' }, 403],
    ['no token', { token: undefined }, 401],
    ['an empty token', { token: '' }, 401],
    ['a wrong token', { token: 'secret-tokem' }, 403],
    ['a longer token', { token: 'secret-token-and-more' }, 403],
  ])('%s', (_name, facts, expected) => {
    const verdict = checkRequest({ ...base, ...facts });
    if (expected === 'allowed') expect(verdict).toEqual({ allowed: true });
    else expect(verdict).toMatchObject({ allowed: false, status: expected });
  });
});
