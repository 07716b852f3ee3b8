import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors';
import { createLogger } from '../log';
import { cancelledError, parseHttpUrl, requireNumber } from './evidence';
import type { CheckEvidence } from './evidence';

const log = createLogger('checks.smoke');

/** The runner's file name. It must sit next to this module in the built output too (see resolveRunnerPath). */
const RUNNER_FILE = 'newman-runner.mjs';

export type SmokeAssertionFailure = { name: string; message: string };

export type SmokeRequestResult = {
  name: string;
  method: string;
  url: string;
  /** HTTP status, null when no answer came back. */
  status: number | null;
  timeMs: number | null;
  /** Failed `pm.test` assertions, script errors (`test script`) and transport errors (`request`). */
  failedAssertions: SmokeAssertionFailure[];
  /** The request's `pm.test` assertions run and failed (scripts and transport errors are not assertions). */
  assertions: { total: number; failed: number };
  /** Transport error (ECONNREFUSED, ETIMEDOUT...) when the request got no answer. */
  error?: string;
};

export type SmokeResult = {
  passed: boolean;
  /** Requests run. */
  total: number;
  /** Requests with at least one failed assertion or no answer. */
  failed: number;
  requests: SmokeRequestResult[];
  assertions: { total: number; failed: number };
  /** newman's JUnit report, kept verbatim as evidence. */
  junitXml: string;
  durationMs: number;
  collectionName: string;
  /** Set when the run did not complete (timed out, the runner died); `requests` holds what finished. */
  error?: string;
  evidence: CheckEvidence;
};

export type SmokeProgress = { completed: number; total: number; request: SmokeRequestResult };

/** A Postman collection (v2.0/v2.1 JSON) as parsed; validated by runSmoke before newman sees it. */
export type PostmanCollection = Record<string, unknown>;

export type SmokeOptions = {
  /** A Postman v2.x collection: a JSON file path or the parsed object. */
  collection: string | PostmanCollection;
  /** Sets the `baseUrl` variable (overriding the collection's own): the validation listener. */
  baseUrl: string;
  /** Pause between requests; the playbook's smoke run uses 250 ms. */
  delayRequestMs?: number;
  /** Whole-run limit (default: 30 s + 10 s per request + the delays). */
  timeoutMs?: number;
  /** Per-request limit inside newman. Default 10000 ms. */
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: SmokeProgress) => void;
  /**
   * Where newman runs: a forked child process (default: measured in bench/probe.ts to keep the caller's event-loop
   * delay lowest) or a worker_thread.
   */
  isolation?: 'process' | 'worker';
  /** Overrides where the runner file is looked up (for unusual build layouts). */
  runnerPath?: string;
};

type CollectionProblem = { path: string; problem: string };

/** Counts the requests in a collection, reporting the first structural problem newman would trip over. */
function inspectCollection(collection: unknown): { name: string; requests: number } {
  const fail = ({ path, problem }: CollectionProblem): never => {
    throw new AppError(
      'smoke_collection_invalid',
      `The smoke collection is malformed: ${path} ${problem}.`,
      {
        field: path,
      },
    );
  };
  if (typeof collection !== 'object' || collection === null || Array.isArray(collection)) {
    fail({
      path: 'collection',
      problem: 'is not a JSON object (expected a Postman v2.1 collection)',
    });
  }
  const root = collection as Record<string, unknown>;
  if (Array.isArray(root['requests']) && !Array.isArray(root['item'])) {
    fail({
      path: 'collection',
      problem: 'is a Postman v1 collection: export it as Collection v2.1',
    });
  }
  const info = root['info'];
  const name =
    typeof info === 'object' &&
    info !== null &&
    typeof (info as Record<string, unknown>)['name'] === 'string'
      ? ((info as Record<string, unknown>)['name'] as string)
      : '';
  if (!Array.isArray(root['item']))
    fail({ path: 'collection.item', problem: 'is missing (expected an array of requests)' });

  let requests = 0;
  const walk = (items: unknown[], path: string): void => {
    items.forEach((item, i) => {
      const here = `${path}[${i}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        fail({ path: here, problem: 'is not an object (expected a request or a folder)' });
      }
      const record = item as Record<string, unknown>;
      if (Array.isArray(record['item'])) {
        walk(record['item'], `${here}.item`);
        return;
      }
      const request = record['request'];
      if (request === undefined) fail({ path: here, problem: 'has neither "request" nor "item"' });
      if (typeof request === 'string') {
        if (request.trim() === '') fail({ path: `${here}.request`, problem: 'is an empty URL' });
      } else if (typeof request === 'object' && request !== null) {
        const url = (request as Record<string, unknown>)['url'];
        const urlOk =
          (typeof url === 'string' && url.trim() !== '') ||
          (typeof url === 'object' &&
            url !== null &&
            (typeof (url as Record<string, unknown>)['raw'] === 'string' ||
              (url as Record<string, unknown>)['host'] !== undefined));
        if (!urlOk)
          fail({
            path: `${here}.request.url`,
            problem: 'is missing (expected a URL string or {raw})',
          });
        const method = (request as Record<string, unknown>)['method'];
        if (method !== undefined && typeof method !== 'string') {
          fail({ path: `${here}.request.method`, problem: 'must be a string such as "GET"' });
        }
      } else {
        fail({ path: `${here}.request`, problem: 'must be a URL string or a request object' });
      }
      const events = record['event'];
      if (events !== undefined) {
        if (!Array.isArray(events)) fail({ path: `${here}.event`, problem: 'must be an array' });
        (events as unknown[]).forEach((event, j) => {
          const script = (event as Record<string, unknown> | null)?.['script'];
          const exec = (script as Record<string, unknown> | null | undefined)?.['exec'];
          if (exec !== undefined && typeof exec !== 'string' && !Array.isArray(exec)) {
            fail({
              path: `${here}.event[${j}].script.exec`,
              problem: 'must be a string or an array of lines',
            });
          }
        });
      }
      requests += 1;
    });
  };
  walk(root['item'] as unknown[], 'collection.item');
  if (requests === 0) fail({ path: 'collection.item', problem: 'holds no requests' });
  return { name, requests };
}

function loadCollection(collection: SmokeOptions['collection']): {
  source: string;
  value: PostmanCollection;
} {
  if (typeof collection !== 'string') return { source: '(collection object)', value: collection };
  const path = resolve(collection);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError(
      'smoke_collection_unreadable',
      `The smoke collection ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      { field: 'collection', path },
    );
  }
  try {
    return { source: path, value: JSON.parse(text) as PostmanCollection };
  } catch (error) {
    throw new AppError(
      'smoke_collection_invalid',
      `The smoke collection ${path} is not valid JSON: ${(error as Error).message}.`,
      { field: 'collection', path },
    );
  }
}

/**
 * Finds the runner: next to this module (the sources under tsx, or a build that copied it beside the bundle), in a
 * `checks/` folder beside the bundle, or one level up (when the bundler put this module in a `chunks/` folder).
 */
export function resolveRunnerPath(override?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = override
    ? [override]
    : [join(here, RUNNER_FILE), join(here, 'checks', RUNNER_FILE), join(here, '..', RUNNER_FILE)];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new AppError(
      'smoke_runner_missing',
      `The newman runner ${RUNNER_FILE} is missing (looked in ${candidates.join(', ')}).`,
      { candidates },
    );
  }
  return found;
}

type RunnerMessage =
  | { type: 'ready' }
  | { type: 'request'; request: SmokeRequestResult }
  | {
      type: 'done';
      requests: SmokeRequestResult[];
      junitXml: string;
      collectionName: string;
      assertions: { total: number; failed: number };
      error?: string;
    }
  | { type: 'fatal'; message: string };

type RunnerHandle = {
  send(message: unknown): void;
  onMessage(fn: (m: RunnerMessage) => void): void;
  onExit(fn: (detail: string) => void): void;
  kill(): void;
};

function startRunner(path: string, isolation: 'process' | 'worker'): RunnerHandle {
  if (isolation === 'worker') {
    const worker = new Worker(path, { stdout: true, stderr: true });
    return {
      send: (m) => worker.postMessage(m),
      onMessage: (fn) => worker.on('message', fn),
      onExit: (fn) => {
        worker.on('error', (e) => fn(e.message));
        worker.on('exit', (code) => fn(`worker exited with code ${code}`));
      },
      kill: () => void worker.terminate(),
    };
  }
  // execArgv [] keeps tsx's or vitest's loaders out of a plain .mjs child.
  const child = fork(path, [], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  return {
    send: (m) => child.send(m as object),
    onMessage: (fn) => child.on('message', (m) => fn(m as RunnerMessage)),
    onExit: (fn) => {
      child.on('error', (e) => fn(e.message));
      child.on('exit', (code, sig) =>
        fn(
          `runner exited (${sig ?? `code ${String(code)}`})${stderr.trim() ? `: ${stderr.trim().slice(-300)}` : ''}`,
        ),
      );
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * Runs the environment's Postman collection with newman (as a library, off this process's event loop) against
 * `baseUrl`, the validation listener, with the playbook's 250 ms pause between requests. Resolves with per-request
 * results, newman's JUnit XML and `passed` (every request answered and every assertion held).
 *
 * A malformed collection is AppError `smoke_collection_invalid` naming the path inside the collection; an
 * unreadable file `smoke_collection_unreadable`; bad options `invalid_input`. An unreachable fleet is a failed run
 * (each request's `error`), not a throw. Past `timeoutMs` the runner is killed and the result carries `error` and
 * the requests that finished. Aborting `signal` kills the runner and rejects with `check_cancelled`.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
  const base = parseHttpUrl(options.baseUrl, 'baseUrl');
  const delayRequestMs = requireNumber(
    options.delayRequestMs ?? 250,
    'delayRequestMs',
    0,
    60_000,
    'ms',
    {
      integer: true,
    },
  );
  const requestTimeoutMs = requireNumber(
    options.requestTimeoutMs ?? 10_000,
    'requestTimeoutMs',
    1,
    300_000,
    'ms',
    {
      integer: true,
    },
  );
  const { source, value: collection } = loadCollection(options.collection);
  const shape = inspectCollection(collection);
  const timeoutMs = requireNumber(
    options.timeoutMs ?? 30_000 + shape.requests * (requestTimeoutMs + delayRequestMs),
    'timeoutMs',
    1,
    24 * 3600_000,
    'ms',
    { integer: true },
  );
  const isolation = options.isolation ?? 'process';
  const runnerPath = resolveRunnerPath(options.runnerPath);
  const newmanPath = createRequire(import.meta.url).resolve('newman');
  // newman wants the base URL without a trailing slash: collections write {{baseUrl}}/health.
  const baseUrl = base.href.replace(/\/+$/, '');
  const startedAt = new Date();
  const t0 = performance.now();
  const ran =
    `newman run "${shape.name || source}" (${shape.requests} requests) baseUrl=${baseUrl} ` +
    `delay=${delayRequestMs}ms request-timeout=${requestTimeoutMs}ms (in a ${isolation === 'process' ? 'child process' : 'worker thread'})`;

  if (options.signal?.aborted) throw cancelledError('smoke');

  return new Promise<SmokeResult>((resolvePromise, reject) => {
    const finished: SmokeRequestResult[] = [];
    let settled = false;
    const runner = startRunner(runnerPath, isolation);

    const build = (
      requests: SmokeRequestResult[],
      junitXml: string,
      assertions: { total: number; failed: number },
      collectionName: string,
      error: string | undefined,
    ): SmokeResult => {
      const failed = requests.filter(
        (r) => r.failedAssertions.length > 0 || r.status === null,
      ).length;
      const finishedAt = new Date();
      const result: SmokeResult = {
        passed: error === undefined && failed === 0 && requests.length > 0,
        total: requests.length,
        failed,
        requests,
        assertions,
        junitXml,
        durationMs: Math.round(performance.now() - t0),
        collectionName,
        evidence: {
          check: 'smoke',
          ran,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          artifacts: junitXml
            ? [{ name: 'smoke-junit.xml', mediaType: 'application/xml', content: junitXml }]
            : [],
        },
      };
      if (error !== undefined) result.error = error;
      return result;
    };

    const settle = (outcome: { result: SmokeResult } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      runner.kill();
      if ('result' in outcome) resolvePromise(outcome.result);
      else reject(outcome.error);
    };

    /** What the requests that finished asserted, for a run that ended before newman's own stats. */
    const partialAssertions = (): { total: number; failed: number } => ({
      total: finished.reduce((n, r) => n + r.assertions.total, 0),
      failed: finished.reduce((n, r) => n + r.assertions.failed, 0),
    });

    const deadline = setTimeout(() => {
      log.warn('smoke run timed out', { timeoutMs, completed: finished.length });
      settle({
        result: build(
          [...finished],
          '',
          partialAssertions(),
          shape.name,
          `the smoke run did not finish within ${timeoutMs} ms (${finished.length} of ${shape.requests} requests done)`,
        ),
      });
    }, timeoutMs);

    const onAbort = (): void =>
      settle({ error: cancelledError('smoke', { completed: finished.length }) });
    options.signal?.addEventListener('abort', onAbort, { once: true });

    runner.onMessage((message) => {
      switch (message.type) {
        case 'ready':
          runner.send({
            type: 'run',
            options: { collection, baseUrl, delayRequestMs, requestTimeoutMs, newmanPath },
          });
          break;
        case 'request':
          finished.push(message.request);
          options.onProgress?.({
            completed: finished.length,
            total: shape.requests,
            request: message.request,
          });
          break;
        case 'done':
          settle({
            result: build(
              message.requests,
              message.junitXml,
              message.assertions,
              message.collectionName || shape.name,
              message.error,
            ),
          });
          break;
        case 'fatal':
          settle({
            error: new AppError(
              'smoke_collection_invalid',
              `newman could not run the collection: ${message.message}`,
              {
                field: 'collection',
              },
            ),
          });
          break;
      }
    });
    runner.onExit((detail) => {
      if (settled) return;
      settle({
        result: build(
          [...finished],
          '',
          partialAssertions(),
          shape.name,
          `the newman runner stopped unexpectedly: ${detail}`,
        ),
      });
    });
  });
}
