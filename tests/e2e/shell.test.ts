import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { consoleInChromium } from '../support/console-in-chromium';

describe('the console shell in Chromium through the browser host', () => {
  // No scenario: nothing here deploys, so the console keeps its own sandbox defaults.
  const e2e = consoleInChromium();
  let page: Page;

  beforeAll(async () => {
    ({ page } = await e2e.open());
  });

  it('renders the shell with the product, version, host kind and environments from app.info', async () => {
    await expect(page.getByRole('heading', { name: 'Greenlight' }).isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Version', { exact: true }).textContent()).resolves.toBe(
      `v${version}`,
    );
    await expect(page.getByLabel('Host').textContent()).resolves.toBe('Browser host');
    await expect(page.getByRole('status', { name: 'Connection' }).textContent()).resolves.toBe(
      'Connected',
    );
    const options = await page
      .getByRole('combobox', { name: 'Environment' })
      .locator('option')
      .allTextContents();
    expect(options[0]).toContain('sandbox');
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
  });

  it('answers a payload that fails the schema with an error naming the field, and keeps serving', async () => {
    // Speak the contract from inside the page, as a buggy or hostile script in it would.
    const replies = await page.evaluate(async () => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      await new Promise((resolve) => ws.addEventListener('open', resolve));
      const ask = (message: unknown) =>
        new Promise<unknown>((resolve) => {
          ws.addEventListener('message', (event) => resolve(JSON.parse(String(event.data))), {
            once: true,
          });
          ws.send(JSON.stringify(message));
        });
      const bad = await ask({ id: 7, name: 'app.info', payload: { environment: 42 } });
      const good = await ask({ id: 8, name: 'app.info', payload: {} });
      ws.close();
      return { bad, good };
    });
    expect(replies.bad).toMatchObject({
      id: 7,
      result: { ok: false, error: { code: 'invalid-input' } },
    });
    expect(JSON.stringify(replies.bad)).toContain('environment');
    expect(replies.good).toMatchObject({
      id: 8,
      result: { ok: true, value: { product: 'Greenlight' } },
    });
  });

  it('gives a page on another origin nothing, even from the same machine', async () => {
    // A hostile page served from another loopback port tries the host's HTTP and WebSocket.
    const attacker: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const attackerPort = (attacker.address() as AddressInfo).port;
    const evil = await e2e.browser.newPage();
    try {
      await evil.goto(`http://localhost:${attackerPort}/`);
      const outcome = await evil.evaluate(async (target) => {
        const http = await fetch(`${target}/`, { credentials: 'include' }).then(
          (r) => r.status,
          () => 'blocked',
        );
        const ws = await new Promise((resolve) => {
          const socket = new WebSocket(`${target.replace('http', 'ws')}/ws`);
          socket.onopen = () => resolve('opened');
          socket.onerror = () => resolve('refused');
        });
        return { http, ws };
      }, e2e.host.origin);
      expect(outcome.ws).toBe('refused');
      expect(outcome.http === 'blocked' || outcome.http === 403 || outcome.http === 401).toBe(true);
    } finally {
      await evil.close();
      attacker.close();
    }
  });
});
