import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import type { Engine } from './engine';
import type { ScenarioName } from './scenarios';

export type Build = { color: 'blue' | 'green'; version: string; commit: string };

/** `slow-green`: every STALL_PERIOD_MS of wall time green stalls for STALL_MS (median stays low, p95 does not). */
export const STALL_PERIOD_MS = 1500;
export const STALL_MS = 650;

const services = [
  { id: 'svc-plumbing', name: 'Emergency plumbing', category: 'home', priceFrom: 89 },
  { id: 'svc-electrical', name: 'Electrical inspection', category: 'home', priceFrom: 120 },
  { id: 'svc-cleaning', name: 'End of tenancy cleaning', category: 'cleaning', priceFrom: 180 },
];
const bookings = [
  {
    id: 'bk-1001',
    serviceId: 'svc-plumbing',
    status: 'confirmed',
    scheduledFor: '2026-12-01T09:00:00Z',
  },
  {
    id: 'bk-1002',
    serviceId: 'svc-cleaning',
    status: 'pending',
    scheduledFor: '2026-12-02T13:30:00Z',
  },
];
const timeline = [
  { id: 'ev-1', type: 'booking.created', bookingId: 'bk-1001', at: '2026-11-20T10:02:11Z' },
  { id: 'ev-2', type: 'booking.confirmed', bookingId: 'bk-1001', at: '2026-11-20T10:05:43Z' },
  { id: 'ev-3', type: 'booking.created', bookingId: 'bk-1002', at: '2026-11-21T16:40:09Z' },
];

/** A build's commit hash: deterministic from its image digest, so blue and green differ and never change. */
export function commitOf(digestOrImage: string): string {
  return createHash('sha1').update(digestOrImage).digest('hex');
}

export type FleetDeps = { engine: Engine; log: Logger; scenario(): ScenarioName };

export type Fleet = {
  productionUrl: string;
  validationUrl: string;
  /** Closes (vpn-down) or reopens the validation listener on its port. */
  setValidationReachable(reachable: boolean): Promise<void>;
  close(): Promise<void>;
};

/** Listens on 127.0.0.1 (the sandbox never listens elsewhere) and resolves with the port actually bound. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * The simulated Fixnado fleet behind the ALB: a production listener (blue until traffic shifts) and a
 * validation listener (green from AllowTestTraffic until the deployment ends, else blue).
 */
export async function startFleet(deps: FleetDeps): Promise<Fleet> {
  const { engine } = deps;

  function buildOf(taskDefinitionArn: string, color: Build['color']): Build {
    const image = engine.imageOf(taskDefinitionArn) ?? '';
    const resolved = engine.resolveImage(image);
    const afterColon = image.includes('@') ? undefined : image.slice(image.lastIndexOf(':') + 1);
    return {
      color,
      version: resolved?.tag ?? afterColon ?? 'unknown',
      commit: commitOf(resolved?.digest ?? image),
    };
  }

  function serving(listener: 'production' | 'validation'): Build {
    engine.advance();
    const s = engine.state.service;
    const green =
      s.green !== undefined &&
      (listener === 'production' ? s.prodWeightGreen >= 50 : s.testRoutesGreen);
    return green && s.green !== undefined
      ? buildOf(s.green.taskDefinitionArn, 'green')
      : buildOf(s.taskDefinitionArn, 'blue');
  }

  function send(res: ServerResponse, status: number, body: unknown, build: Build): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-sandbox-build': build.color,
    });
    res.end(text);
  }

  function respond(build: Build, req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(
        res,
        405,
        { error: 'MethodNotAllowed', message: `${req.method ?? '?'} is not allowed on ${path}` },
        build,
      );
      return;
    }
    const scenario = deps.scenario();
    switch (path) {
      case '/health':
        send(res, 200, { status: 'ok' }, build);
        return;
      case '/health/info':
        send(res, 200, { version: build.version, commit: build.commit }, build);
        return;
      case '/api/v1/services':
        send(res, 200, { services }, build);
        return;
      case '/api/v1/bookings':
        if (scenario === 'smoke-fails' && build.color === 'green') {
          send(
            res,
            500,
            { error: 'InternalServerError', message: 'relation "bookings_v2" does not exist' },
            build,
          );
          return;
        }
        send(res, 200, { bookings }, build);
        return;
      case '/api/v1/timeline':
        send(res, 200, { events: timeline }, build);
        return;
      default:
        send(res, 404, { error: 'NotFound', message: `No route for ${path}` }, build);
    }
  }

  function handler(listener: 'production' | 'validation') {
    return (req: IncomingMessage, res: ServerResponse): void => {
      req.resume();
      try {
        const build = serving(listener);
        if (deps.scenario() === 'slow-green' && build.color === 'green') {
          // Periodic stalls on the wall clock: a request arriving inside one waits for its end.
          const offset = Date.now() % STALL_PERIOD_MS;
          if (offset < STALL_MS) {
            setTimeout(() => respond(build, req, res), STALL_MS - offset);
            return;
          }
        }
        respond(build, req, res);
      } catch (error) {
        deps.log.error('fleet request failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        if (!res.headersSent) res.writeHead(500).end();
      }
    };
  }

  const production = createServer(handler('production'));
  const validation = createServer(handler('validation'));
  const productionPort = await listen(production, 0);
  const validationPort = await listen(validation, 0);
  let wanted = true;

  return {
    productionUrl: `http://127.0.0.1:${productionPort}`,
    validationUrl: `http://127.0.0.1:${validationPort}`,
    async setValidationReachable(reachable) {
      wanted = reachable;
      if (!reachable) {
        await stop(validation);
        return;
      }
      if (validation.listening) return;
      try {
        await listen(validation, validationPort);
      } catch (error) {
        deps.log.error('could not reopen the validation listener', {
          port: validationPort,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (!wanted) await stop(validation);
    },
    async close() {
      wanted = false;
      await Promise.all([stop(production), stop(validation)]);
    },
  };
}
