import { afterEach, describe, expect, it } from 'vitest';
import { checkVersion } from '../../../src/main/core/checks/version';
import { checkVpn } from '../../../src/main/core/checks/vpn';
import type { NetworkInterfaces } from '../../../src/main/core/checks/vpn';
import { startServer } from './loopback';
import type { Loopback } from './loopback';
import { appErrorOf } from '../../support/app-error';
import { closedPort } from '../../support/ports';

const COMMIT = '9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d';

describe('version check (loopback fleet)', () => {
  const servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const fleet = async (status: number, body: string): Promise<Loopback> => {
    const server = await startServer((req, res) => {
      res.statusCode = req.url === '/health/info' ? status : 404;
      res.end(req.url === '/health/info' ? body : 'not found');
    });
    servers.push(server);
    return server;
  };

  it('passes when /health/info reports the expected version and commit (full or abbreviated)', async () => {
    const f = await fleet(200, JSON.stringify({ version: '1.5.1', commit: COMMIT }));
    const full = await checkVersion({
      url: f.url,
      expectedVersion: '1.5.1',
      expectedCommit: COMMIT,
    });
    expect(full).toMatchObject({
      passed: true,
      url: `${f.url}/health/info`,
      status: 200,
      mismatches: [],
    });
    expect(full.actual).toEqual({ version: '1.5.1', commit: COMMIT });
    const short = await checkVersion({
      url: `${f.url}/health/info`,
      expectedVersion: '1.5.1',
      expectedCommit: '9f2c4e1',
    });
    expect(short.passed).toBe(true);
    expect(short.evidence.artifacts[0]?.content).toContain('1.5.1');
  });

  it('fails naming the mismatch when blue still answers', async () => {
    const f = await fleet(200, JSON.stringify({ version: '1.4.2', commit: 'aaaaaaaaaaaa' }));
    const result = await checkVersion({
      url: f.url,
      expectedVersion: '1.5.1',
      expectedCommit: COMMIT,
    });
    expect(result.passed).toBe(false);
    expect(result.mismatches).toEqual([
      'version is 1.4.2, expected 1.5.1',
      `commit is aaaaaaaaaaaa, expected ${COMMIT}`,
    ]);
  });

  it('fails with an error for a non-200, a non-JSON answer or an unreachable fleet', async () => {
    const down = await fleet(503, 'upstream unavailable');
    expect((await checkVersion({ url: down.url, expectedVersion: '1.5.1' })).error).toContain(
      'answered HTTP 503',
    );
    const html = await fleet(200, '<html>login</html>');
    expect((await checkVersion({ url: html.url, expectedVersion: '1.5.1' })).error).toContain(
      'did not answer JSON',
    );
    const port = await closedPort();
    const refused = await checkVersion({
      url: `http://127.0.0.1:${port}`,
      expectedVersion: '1.5.1',
      timeoutMs: 2000,
    });
    expect(refused.passed).toBe(false);
    expect(refused.error).toContain('ECONNREFUSED');
  });

  it('gives up on a fleet that never answers after its timeout', async () => {
    const silent = await startServer(() => undefined);
    servers.push(silent);
    const result = await checkVersion({
      url: silent.url,
      expectedVersion: '1.5.1',
      timeoutMs: 300,
    });
    expect(result.passed).toBe(false);
    expect(result.error).toContain('no answer within 300 ms');
  });

  it('rejects bad input naming the field', async () => {
    expect(
      (await appErrorOf(checkVersion({ url: 'nope', expectedVersion: '1' }))).detail?.['field'],
    ).toBe('url');
    expect(
      (await appErrorOf(checkVersion({ url: 'http://127.0.0.1:1', expectedVersion: ' ' })))
        .detail?.['field'],
    ).toBe('expectedVersion');
    expect(
      (
        await appErrorOf(
          checkVersion({ url: 'http://127.0.0.1:1', expectedVersion: '1', expectedCommit: 'main' }),
        )
      ).detail?.['field'],
    ).toBe('expectedCommit');
  });
});

describe('VPN check (injected interfaces, loopback listener)', () => {
  const servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const onVpn: NetworkInterfaces = {
    lo: [
      { address: '127.0.0.1', internal: true },
      { address: '::1', internal: true },
    ],
    en0: [{ address: '192.168.1.23' }, { address: 'fe80::1c2a:9ff:fe3b:1%en0' }],
    utun4: [{ address: '10.8.3.17' }],
  };
  const offVpn: NetworkInterfaces = { lo: onVpn['lo'], en0: onVpn['en0'] };

  it('passes on the VPN with the validation listener reachable, naming the matching address', async () => {
    const listener = await startServer((_req, res) => res.end());
    servers.push(listener);
    const result = await checkVpn({
      permittedCidrs: ['10.8.0.0/16'],
      validationUrl: listener.url,
      interfaces: onVpn,
    });
    expect(result.passed).toBe(true);
    expect(result.failed).toEqual([]);
    expect(result.address.matches).toEqual([
      { interface: 'utun4', address: '10.8.3.17', cidr: '10.8.0.0/16' },
    ]);
    expect(result.listener).toMatchObject({ passed: true, host: '127.0.0.1', port: listener.port });
  });

  it('matches an IPv6 VPN pool', async () => {
    const listener = await startServer((_req, res) => res.end());
    servers.push(listener);
    const result = await checkVpn({
      permittedCidrs: ['10.8.0.0/16', 'fd00:8::/48'],
      validationUrl: listener.url,
      interfaces: { utun6: [{ address: 'fd00:8:0:1::42' }] },
    });
    expect(result.passed).toBe(true);
    expect(result.address.matches[0]?.cidr).toBe('fd00:8::/48');
  });

  it('says the address half failed when off the VPN', async () => {
    const listener = await startServer((_req, res) => res.end());
    servers.push(listener);
    const result = await checkVpn({
      permittedCidrs: ['10.8.0.0/16'],
      validationUrl: listener.url,
      interfaces: offVpn,
    });
    expect(result.passed).toBe(false);
    expect(result.failed).toEqual(['address']);
    expect(result.message).toContain(
      'no local address is inside the permitted ranges (10.8.0.0/16): connect to the VPN',
    );
    expect(result.listener.passed).toBe(true);
  });

  it('says the listener half failed when the validation listener refuses connections', async () => {
    const port = await closedPort();
    const result = await checkVpn({
      permittedCidrs: ['10.8.0.0/16'],
      validationUrl: `http://127.0.0.1:${port}`,
      interfaces: onVpn,
      timeoutMs: 2000,
    });
    expect(result.passed).toBe(false);
    expect(result.failed).toEqual(['listener']);
    expect(result.message).toContain(
      `the validation listener 127.0.0.1:${port} is not reachable (ECONNREFUSED)`,
    );
    expect(result.address.passed).toBe(true);
  });

  it('reports both halves when both fail', async () => {
    const port = await closedPort();
    const result = await checkVpn({
      permittedCidrs: ['10.8.0.0/16'],
      validationUrl: `http://127.0.0.1:${port}`,
      interfaces: offVpn,
    });
    expect(result.failed).toEqual(['address', 'listener']);
  });

  it('uses the real interfaces by default (loopback is inside 127.0.0.0/8, as the sandbox environment permits)', async () => {
    const listener = await startServer((_req, res) => res.end());
    servers.push(listener);
    const result = await checkVpn({ permittedCidrs: ['127.0.0.0/8'], validationUrl: listener.url });
    expect(result.passed).toBe(true);
  });

  it('rejects a bad CIDR or URL naming the field', async () => {
    let error = await appErrorOf(
      checkVpn({
        permittedCidrs: ['10.8.0.0/16', '10.8.0.0/40'],
        validationUrl: 'http://127.0.0.1:1',
      }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain("permittedCidrs[1] '10.8.0.0/40' is not a CIDR");
    error = await appErrorOf(checkVpn({ permittedCidrs: [], validationUrl: 'http://127.0.0.1:1' }));
    expect(error.detail?.['field']).toBe('permittedCidrs');
    error = await appErrorOf(
      checkVpn({ permittedCidrs: ['10.0.0.0/8'], validationUrl: '127.0.0.1:8080' }),
    );
    expect(error.detail?.['field']).toBe('validationUrl');
  });
});
