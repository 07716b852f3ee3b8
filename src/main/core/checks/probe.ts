import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors';
import { cancelledError, parseHttpUrl, requireNumber } from './evidence';
import { findOnPath, runK6 } from './k6';
import { runOpenLoop } from './probe-loop';
import type { OpenLoopConfig, ProbeParentMessage, ProbeWorkerMessage } from './probe-loop';
import type { ProbeProgress, ProbeResult } from './probe-result';
import { resolveThresholds } from './verdict';
import type { ProbeThresholds } from './verdict';

export type { ProbeProgress, ProbeResult } from './probe-result';
export { SEND_LAG_NOTE_MS, summaryArtifact } from './probe-loop';

/** Highest arrival rate accepted: one process generates ~2k/s cleanly (platform facts); beyond 5k/s is a typo. */
export const MAX_RATE_PER_SEC = 5000;
/** Longest run accepted (an hour); a release window is 20 minutes. */
export const MAX_DURATION_SEC = 3600;
/** The worker entry's base name: `probe-worker.ts` in the sources, `probe-worker.js` in the electron-vite build. */
const WORKER_NAME = 'probe-worker';
/** How long a cancelled worker gets to report its figures before it is terminated without them. */
const CANCEL_GRACE_MS = 500;

export type ProbeOptions = {
  /** The exact URL every request GETs (e.g. the validation listener's `/health`). Also k6's BASE_URL. */
  url: string;
  /** Fixed arrival rate, requests per second (0 < rate <= 5000). */
  ratePerSec: number;
  /** How long arrivals keep coming, seconds (0 < duration <= 3600). */
  durationSec: number;
  /** Per-request limit; an unanswered request counts as an error with its latency so far. Default 5000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ProbeProgress) => void;
  thresholds?: Partial<ProbeThresholds>;
  /** Extra request headers (e.g. authorization). Never written to the evidence. */
  headers?: Record<string, string>;
  /** Cap on concurrent sockets. Requests beyond it queue but still count from their intended time. Default 1024. */
  maxSockets?: number;
  /**
   * A k6 script the environment names. When given AND a `k6` binary is on PATH, k6 runs it instead of the
   * built-in probe (BASE_URL = url, AUTH_TOKEN passed through from `env`); otherwise the probe runs and says why.
   */
  k6Script?: string;
  /** Where PATH and AUTH_TOKEN come from. Default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Where the sender runs. `worker` (default): its own worker thread, so a stall of the caller's event loop (a
   * synchronous SQLite transaction, a GC, a big JSON.stringify in the Electron main process) is not counted as
   * fleet latency. `in-process`: on the caller's event loop (what bench/probe.ts compares against). k6, when it
   * runs, is its own process either way.
   */
  isolation?: 'worker' | 'in-process';
};

type Validated = Omit<OpenLoopConfig, 'url' | 'headers' | 'notes'> & { url: URL };

function validate(options: ProbeOptions): Validated {
  return {
    url: parseHttpUrl(options.url, 'url'),
    ratePerSec: requireNumber(
      options.ratePerSec,
      'ratePerSec',
      0,
      MAX_RATE_PER_SEC,
      'requests per second',
      {
        exclusiveMin: true,
      },
    ),
    durationSec: requireNumber(options.durationSec, 'durationSec', 0, MAX_DURATION_SEC, 'seconds', {
      exclusiveMin: true,
    }),
    timeoutMs: requireNumber(options.timeoutMs ?? 5000, 'timeoutMs', 1, 120_000, 'ms', {
      integer: true,
    }),
    thresholds: resolveThresholds(options.thresholds),
    maxSockets: requireNumber(options.maxSockets ?? 1024, 'maxSockets', 1, 10_000, 'sockets', {
      integer: true,
    }),
  };
}

/**
 * The load gate. Sends GETs at a fixed arrival rate for a duration (open loop: a slow answer never delays the next
 * send) and measures each latency from the request's INTENDED send time, so a server that stalls cannot hide the
 * queue it builds up — a closed-loop tool such as autocannon only sends when an answer came back and so samples the
 * stall once per connection (platform facts: p99 60 ms reported while the true p95 was ~550 ms).
 *
 * Resolves with the figures, a histogram for a chart and a verdict against the thresholds (defaults p95 < 450 ms,
 * errors < 1 %, at least 1,000 samples). Invalid input throws AppError `invalid_input` naming the field; an
 * unreachable target is a failed verdict (every request an error), not a throw. Aborting `signal` stops sending,
 * drops in-flight requests and rejects with AppError `check_cancelled`.
 *
 * The sender runs in a worker thread unless `isolation: 'in-process'`; input is validated here first, so bad input
 * fails the same way in both modes, before any thread starts.
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const v = validate(options);
  const isolation = options.isolation ?? 'worker';
  if (isolation !== 'worker' && isolation !== 'in-process') {
    throw new AppError(
      'invalid_input',
      `isolation must be 'worker' or 'in-process'; got ${String(isolation)}.`,
      { field: 'isolation', value: String(isolation) },
    );
  }
  const env = options.env ?? process.env;
  const notes: string[] = [];
  if (options.k6Script !== undefined) {
    const k6 = findOnPath('k6', env);
    if (k6 !== undefined) {
      return runK6({
        bin: k6,
        script: options.k6Script,
        url: v.url.href,
        ratePerSec: v.ratePerSec,
        durationSec: v.durationSec,
        thresholds: v.thresholds,
        env,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    notes.push(
      `k6 script ${options.k6Script} named but no k6 binary on PATH: Greenlight's own probe ran instead.`,
    );
  }
  const config: OpenLoopConfig = {
    url: v.url.href,
    ratePerSec: v.ratePerSec,
    durationSec: v.durationSec,
    timeoutMs: v.timeoutMs,
    thresholds: v.thresholds,
    maxSockets: v.maxSockets,
    headers: { ...(options.headers ?? {}) },
    notes,
  };
  const hooks = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  return isolation === 'in-process' ? runOpenLoop(config, hooks) : inWorker(config, hooks);
}

/**
 * Runs the loop in a worker thread: progress and the result come back as messages, an abort asks the worker to stop
 * (it answers with its figures so far) and terminates it. Any way the worker dies without a result is an AppError
 * `probe_worker_failed`, never a hang.
 */
function inWorker(
  config: OpenLoopConfig,
  hooks: { signal?: AbortSignal; onProgress?: (progress: ProbeProgress) => void },
): Promise<ProbeResult> {
  const { signal, onProgress } = hooks;
  const noFigures = { sent: 0, finished: 0, errors: 0, p95SoFarMs: 0 };
  if (signal?.aborted) return Promise.reject(cancelledError('load', noFigures));
  const worker = startProbeWorker(config);
  return new Promise<ProbeResult>((resolve, reject) => {
    let settled = false;
    let last: ProbeProgress | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      finish();
    };
    const onAbort = (): void => {
      if (settled || graceTimer !== undefined) return;
      worker.postMessage({ type: 'cancel' } satisfies ProbeParentMessage);
      // The worker normally answers within a millisecond; if it does not, the last progress figures stand in.
      graceTimer = setTimeout(() => {
        const figures =
          last === undefined
            ? noFigures
            : {
                sent: last.sent,
                finished: last.finished,
                errors: last.errors,
                p95SoFarMs: last.p95SoFarMs,
              };
        settle(() => reject(cancelledError('load', figures)));
      }, CANCEL_GRACE_MS);
    };
    worker.on('message', (message: ProbeWorkerMessage) => {
      if (settled) return;
      if (message.type === 'progress') {
        last = message.progress;
        onProgress?.(message.progress);
      } else if (message.type === 'done') {
        settle(() => resolve(message.result));
      } else {
        settle(() => reject(new AppError(message.code, message.message, message.detail)));
      }
    });
    worker.on('error', (error) =>
      settle(() =>
        reject(
          new AppError(
            'probe_worker_failed',
            `The load probe's worker thread failed: ${error.message}`,
            { cause: error.message },
          ),
        ),
      ),
    );
    worker.on('exit', (exitCode) =>
      settle(() =>
        reject(
          new AppError(
            'probe_worker_failed',
            `The load probe's worker thread exited (code ${exitCode}) before it reported a result.`,
            { exitCode },
          ),
        ),
      ),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Where the worker entry is: next to the bundle that holds this code in the electron-vite build (out/main/ or
 * out/main/chunks/, see `probe-worker` in electron.vite.config.ts), or next to this file in the TypeScript sources.
 */
export function resolveProbeWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, `${WORKER_NAME}.js`),
    join(here, '..', `${WORKER_NAME}.js`),
    join(here, `${WORKER_NAME}.ts`),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    throw new AppError(
      'probe_worker_missing',
      `The load probe's worker ${WORKER_NAME}.js is missing (looked in ${candidates.join(', ')}); rebuild with electron-vite build.`,
      { candidates },
    );
  }
  return found;
}

function startProbeWorker(config: OpenLoopConfig): Worker {
  const path = resolveProbeWorkerPath();
  if (!path.endsWith('.ts')) return new Worker(path, { workerData: config });
  // Running from the TypeScript sources (vitest, tsx, bin/greenlight.mjs without a build). On Node 20 a worker's
  // `execArgv: ['--import', 'tsx']` does not reach the worker's entry module (ERR_UNKNOWN_FILE_EXTENSION), so a
  // two-line bootstrap loads the entry through tsx's own API inside the worker.
  const api = tsxEsmApiUrl();
  const bootstrap =
    `import(${JSON.stringify(api)}).then((tsx) => ` +
    `tsx.tsImport(${JSON.stringify(pathToFileURL(path).href)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(bootstrap, { eval: true, workerData: config, execArgv: [] });
}

/** The file URL of tsx's ESM API (`tsx/esm/api`, import condition), read from tsx's own package exports. */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  let manifestPath: string;
  try {
    manifestPath = require.resolve('tsx/package.json');
  } catch {
    throw new AppError(
      'probe_worker_missing',
      'Running the load probe from the TypeScript sources needs tsx (a dev dependency); build with electron-vite build or install dev dependencies.',
    );
  }
  const manifest: unknown = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const entry = pick(manifest, 'exports', './esm/api', 'import', 'default');
  if (typeof entry !== 'string') {
    throw new AppError(
      'probe_worker_missing',
      `tsx at ${dirname(manifestPath)} has no ESM API export (tsx/esm/api); expected tsx 4.`,
    );
  }
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}

function pick(value: unknown, ...keys: string[]): unknown {
  let at = value;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
