import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Loopback = { url: string; port: number; close(): Promise<void> };

/** An HTTP server on 127.0.0.1, random port. */
export async function startServer(handler: http.RequestListener): Promise<Loopback> {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fleet that answers in `baseMs` but stalls for `stallMs` out of every `periodMs`: requests arriving during a
 * stall are held until it ends (the way a GC pause or a saturated pool looks from outside).
 */
export async function startStallingServer(options: {
  baseMs: number;
  stallMs: number;
  periodMs: number;
}): Promise<Loopback> {
  const t0 = Date.now();
  return startServer((_req, res) => {
    const phase = (Date.now() - t0) % options.periodMs;
    const held = phase < options.stallMs ? options.stallMs - phase : 0;
    setTimeout(() => res.end('ok'), held + options.baseMs);
  });
}

/** The sandbox fleet's routes, with a handful of Postman tests, as a v2.1 collection. */
export function smokeCollection(
  routes: string[] = ['/health', '/health/info', '/api/v1/services'],
): Record<string, unknown> {
  return {
    info: {
      name: 'Loopback smoke',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    variable: [{ key: 'baseUrl', value: 'http://127.0.0.1:1' }],
    item: routes.map((route) => ({
      name: `GET ${route}`,
      request: { method: 'GET', url: `{{baseUrl}}${route}` },
      event: [
        {
          listen: 'test',
          script: {
            type: 'text/javascript',
            exec: [
              "pm.test('status is 200', function () { pm.response.to.have.status(200); });",
              "pm.test('has a body', function () { pm.expect(pm.response.text()).to.not.equal(''); });",
            ],
          },
        },
      ],
    })),
  };
}
