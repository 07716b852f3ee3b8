import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createConsole, type Console } from '../../../src/main/core/app';
import { startBrowserHost, type BrowserHost } from '../../../src/main/core/host/browser-host';
import { tempDir } from '../../support/temp';

type Reply = { status: number; body: string; headers: Record<string, string | string[] | undefined> };

function get(host: BrowserHost, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the contract socket; resolves to the HTTP status of a refused upgrade, or the open socket. */
function connect(host: BrowserHost, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, { headers });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

function call(ws: WebSocket, message: unknown): Promise<{ id: unknown; result: { ok: boolean; error?: { code: string; message: string } } }> {
  return new Promise((resolve) => {
    ws.once('message', (data) => resolve(JSON.parse((data as Buffer).toString('utf8'))));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('the browser host (real HTTP and WebSocket on 127.0.0.1)', () => {
  const dir = tempDir();
  let app: Console;
  let host: BrowserHost;
  let own: Record<string, string>;

  beforeAll(async () => {
    writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>Greenlight</title>');
    app = await createConsole({ hostKind: 'browser', dataDir: dir.path });
    host = await startBrowserHost({ rendererDir: dir.path, dispatch: app.dispatch, bus: app.bus });
    own = { host: `127.0.0.1:${host.port}`, cookie: `greenlight_token_${host.port}=${host.token}`, origin: host.origin };
  });
  afterAll(async () => {
    await host.close();
    await app.close();
    dir.cleanup();
  });

  it('trades the token in the URL for a cookie and then serves the page with the CSP', async () => {
    const first = await get(host, `/?token=${host.token}`);
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toContain(`greenlight_token_${host.port}=${host.token}; HttpOnly; SameSite=Strict`);
    const page = await get(host, '/', { cookie: own.cookie! });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Greenlight</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses a page request without the token, with a wrong token, or for a foreign Host', async () => {
    expect((await get(host, '/')).status).toBe(401);
    expect((await get(host, '/?token=wrong')).status).toBe(403);
    const rebinding = await get(host, `/?token=${host.token}`, { host: `evil.example:${host.port}` });
    expect(rebinding.status).toBe(403);
    expect(rebinding.body).toContain('evil.example');
    expect((await get(host, '/../../etc/passwd', { cookie: own.cookie! })).status).toBe(404);
  });

  it('refuses a WebSocket without the token, from a foreign Origin or Host', async () => {
    expect(await connect(host, { origin: host.origin })).toBe(401);
    expect(await connect(host, { origin: 'http://evil.example', cookie: own.cookie! })).toBe(403);
    expect(await connect(host, { origin: `http://evil.example:${host.port}`, host: `evil.example:${host.port}`, cookie: own.cookie! })).toBe(403);
  });

  it('answers a bad payload with an error naming the field, and keeps serving', async () => {
    const ws = await connect(host, { origin: host.origin, cookie: own.cookie! });
    if (typeof ws === 'number') throw new Error(`upgrade refused with ${ws}`);
    const bad = await call(ws, { id: 1, name: 'app.info', payload: { environment: 42 } });
    expect(bad).toMatchObject({ id: 1, result: { ok: false, error: { code: 'invalid-input' } } });
    expect(bad.result.error?.message).toContain('environment');
    const garbage = await call(ws, 'not json');
    expect(garbage.result).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    const good = await call(ws, { id: 2, name: 'app.info', payload: {} });
    expect(good).toMatchObject({ id: 2, result: { ok: true, value: { product: 'Greenlight', hostKind: 'browser' } } });
    ws.close();
  });
});
