import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  createAwsSession,
  type AwsSession,
  type AwsSessionOptions,
} from '../../../src/main/core/aws';
import { sandboxEnvironment, type Environment } from '../../../src/main/core/config';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/main/core/sandbox';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
process.env['GREENLIGHT_LOG'] ??= 'silent';

export type SandboxSession = {
  sandbox: Sandbox;
  env: Environment;
  session: AwsSession;
  close(): Promise<void>;
};

/** A sandbox on loopback and a session on it with the sandbox's credentials and clock. */
export async function sandboxSession(
  options: SandboxOptions = {},
  sessionOptions: AwsSessionOptions & { env?: Partial<Environment> } = {},
): Promise<SandboxSession> {
  const sandbox = await startSandbox({ timeScale: 60, ...options });
  const env = { ...sandboxEnvironment(sandbox), ...sessionOptions.env };
  const session = createAwsSession(env, {
    credentials: sandbox.credentials,
    timeScale: sandbox.clock.timeScale,
    awsNow: () => sandbox.clock.now(),
    ...sessionOptions,
  });
  return {
    sandbox,
    env,
    session,
    async close() {
      session.close();
      await sandbox.close();
    },
  };
}

/** Waits for `check` to return a value (not undefined) within `timeoutMs`, polling every `everyMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** What a test answers instead of the sandbox: an HTTP status and an AWS JSON 1.1 body. */
export type ScriptedAnswer = { status: number; payload: unknown; requestId?: string };

/**
 * A loopback front to the sandbox: `answer` sees each request's X-Amz-Target and body and either answers it (an
 * AWS JSON 1.1 reply with a request id) or returns undefined to forward it to the sandbox unchanged. Lets a test
 * meet what the sandbox never does.
 */
export async function answeringProxy(
  upstream: string,
  answer: (target: string, body: string) => ScriptedAnswer | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const up = new URL(upstream);
  let answered = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const scripted = answer(String(req.headers['x-amz-target'] ?? ''), body);
      if (scripted !== undefined) {
        answered += 1;
        res.writeHead(scripted.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': scripted.requestId ?? `req-scripted-${answered}`,
        });
        res.end(JSON.stringify(scripted.payload));
        return;
      }
      const forwarded = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export type ProxyDecision = 'forward' | 'reset-before-forwarding' | 'reset-after-forwarding';

/**
 * A loopback HTTP proxy in front of the sandbox. `decide` sees each request's X-Amz-Target (or path) and body and
 * chooses: forward normally, destroy the client socket without forwarding, or forward, let the sandbox act and
 * answer, then destroy the client socket before the answer reaches it (a reset mid-call).
 */
export async function faultProxy(
  upstream: string,
  decide: (target: string, body: string) => ProxyDecision,
): Promise<{
  url: string;
  seen: { target: string; body: string; decision: ProxyDecision }[];
  close(): Promise<void>;
}> {
  const up = new URL(upstream);
  const seen: { target: string; body: string; decision: ProxyDecision }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? req.url ?? '');
      const decision = decide(target, body);
      seen.push({ target, body, decision });
      if (decision === 'reset-before-forwarding') {
        req.socket.destroy();
        return;
      }
      const forwarded = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (decision === 'reset-after-forwarding') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      forwarded.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A loopback server that accepts connections and never answers. */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => {
    /* never answers */
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** POSTs to the sandbox control endpoint. */
export async function control(sandbox: Sandbox, body: unknown): Promise<unknown> {
  const res = await fetch(sandbox.controlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${res.status}: ${await res.text()}`);
  return res.json();
}

/** The sandbox's own view of its deployments (GET control). */
export async function sandboxDeployments(
  sandbox: Sandbox,
): Promise<{ id: string; status: string; creator: string }[]> {
  const res = await fetch(sandbox.controlUrl);
  const state = (await res.json()) as {
    deployments: { id: string; status: string; creator: string }[];
  };
  return state.deployments;
}
