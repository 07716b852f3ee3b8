import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fail } from '../../../shared/result';
import type { Dispatch } from '../contract/dispatcher';
import type { EventBus } from '../events/event-bus';
import { createLogger } from '../log';
import { contentSecurityPolicy } from './csp';
import { checkRequest } from './request-checks';

const log = createLogger('host');

export type BrowserHostOptions = {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  dispatch: Dispatch;
  bus: EventBus;
  /** 0 or absent: a random free port. */
  port?: number;
  /** Fixed token for tests; a random one per launch otherwise. */
  token?: string;
};

export type BrowserHost = {
  /** The address to open, token included; visiting it sets a cookie and drops the token from the address bar. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const MAX_MESSAGE_BYTES = 1024 * 1024;

function cookieToken(req: IncomingMessage, cookieName: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === cookieName) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Serves the built renderer over HTTP on 127.0.0.1 and the contract over a WebSocket at /ws, for Chromium (tests,
 * hosts without Electron). Every request must carry the per-launch token and come from our own Host and Origin.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = resolve(options.rendererDir);
  let port = 0;
  const cookieName = () => `greenlight_token_${port}`;

  const verdictFor = (req: IncomingMessage, url: URL, isWebSocket: boolean) =>
    checkRequest({
      port,
      host: header(req, 'host'),
      origin: header(req, 'origin'),
      fetchSite: header(req, 'sec-fetch-site'),
      token: url.searchParams.get('token') ?? cookieToken(req, cookieName()),
      expectedToken: token,
      isWebSocket,
    });

  const securityHeaders = {
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  };

  const refuse = (res: ServerResponse, status: number, reason: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders });
    res.end(reason + '\n');
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = resolve(join(rendererDir, relative));
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) return refuse(res, 404, 'Not found.');
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) return refuse(res, 404, 'Not found.');
    res.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      ...securityHeaders,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET is served.');
    const verdict = verdictFor(req, url, false);
    if (!verdict.allowed) return refuse(res, verdict.status, verdict.reason);
    if (url.searchParams.has('token')) {
      // Trade the token in the address for a cookie scoped to this port, so it leaves the address bar and the
      // page's own asset and WebSocket requests carry it without any script ever seeing it.
      res.writeHead(303, {
        location: url.pathname,
        'set-cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        ...securityHeaders,
      });
      return res.end();
    }
    serveFile(req, res, url.pathname).catch((error: unknown) => {
      log.error('serving a file failed', { message: String(error) });
      if (!res.headersSent) refuse(res, 500, 'The console could not read its own files.');
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const detachers = new Map<WebSocket, () => void>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const verdict = url.pathname === '/ws' ? verdictFor(req, url, true) : { allowed: false as const, status: 404, reason: 'Not found.' };
    if (!verdict.allowed) {
      socket.end(`HTTP/1.1 ${verdict.status} Refused\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${verdict.reason}\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws));
  });

  sockets.on('connection', (ws: WebSocket) => {
    const detach = options.bus.subscribe((name, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'event', name, payload }));
    });
    detachers.set(ws, detach);
    ws.on('close', () => {
      detach();
      detachers.delete(ws);
    });
    ws.on('message', (data) => {
      let message: { id?: unknown; name?: unknown; payload?: unknown };
      try {
        message = JSON.parse(rawText(data)) as typeof message;
      } catch {
        ws.send(JSON.stringify({ type: 'result', id: null, result: fail('invalid-message', 'A message must be JSON: {id, name, payload}.') }));
        return;
      }
      const id = typeof message.id === 'number' || typeof message.id === 'string' ? message.id : null;
      void options.dispatch(message.name, message.payload).then((result) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'result', id, result }));
      });
    });
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const [ws, detach] of detachers) {
        detach();
        ws.terminate();
      }
      await new Promise<void>((resolveClose) => {
        sockets.close();
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
    },
  };
}
