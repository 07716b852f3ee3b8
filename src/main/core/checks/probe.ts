import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { cancelledError, parseHttpUrl, requireNumber } from './evidence';
import { LatencyHistogram } from './histogram';
import { findOnPath, runK6 } from './k6';
import type { ProbeProgress, ProbeResult } from './probe-result';
import { judge, resolveThresholds } from './verdict';
import type { ProbeThresholds } from './verdict';

export type { ProbeProgress, ProbeResult } from './probe-result';

/** Highest arrival rate accepted: one process generates ~2k/s cleanly (platform facts); beyond 5k/s is a typo. */
export const MAX_RATE_PER_SEC = 5000;
/** Longest run accepted (an hour); a release window is 20 minutes. */
export const MAX_DURATION_SEC = 3600;
/**
 * p99 send lag above which the result carries a note that the sender fell behind. Timers have 1 ms granularity and
 * a busy event loop adds a few ms; 10 ms is 2 % of the 450 ms gate.
 */
export const SEND_LAG_NOTE_MS = 10;

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
};

type Validated = {
  url: URL;
  ratePerSec: number;
  durationSec: number;
  timeoutMs: number;
  thresholds: ProbeThresholds;
  maxSockets: number;
};

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
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const v = validate(options);
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
  return openLoop(v, options, notes);
}

function openLoop(v: Validated, options: ProbeOptions, notes: string[]): Promise<ProbeResult> {
  const startedAt = new Date();
  const transport = v.url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: v.maxSockets,
    maxFreeSockets: v.maxSockets,
  });
  const latency = new LatencyHistogram();
  const lag = new LatencyHistogram();
  const byStatus: Record<string, number> = {};
  const errorCounts = new Map<string, number>();
  const interval = 1000 / v.ratePerSec;
  const scheduled = Math.max(1, Math.round(v.ratePerSec * v.durationSec));
  const headers = { 'user-agent': 'greenlight-probe', ...(options.headers ?? {}) };

  let next = 0;
  let sent = 0;
  let finished = 0;
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let lastSendAt = 0;
  let stopped = false;
  let ticker: NodeJS.Timeout | undefined;
  const t0 = performance.now() + 5;

  return new Promise<ProbeResult>((resolve, reject) => {
    const countError = (message: string): void => {
      errorCounts.set(message, (errorCounts.get(message) ?? 0) + 1);
      byStatus['error'] = (byStatus['error'] ?? 0) + 1;
    };

    const progress = (): void => {
      options.onProgress?.({
        elapsedSec: Math.max(0, (performance.now() - t0) / 1000),
        durationSec: v.durationSec,
        sent,
        finished,
        errors,
        inFlight: sent - finished,
        p95SoFarMs: latency.percentile(95),
      });
    };
    const progressTimer = setInterval(progress, 1000);

    const cleanup = (): void => {
      stopped = true;
      if (ticker !== undefined) clearTimeout(ticker);
      clearInterval(progressTimer);
      options.signal?.removeEventListener('abort', onAbort);
      agent.destroy();
    };

    const onAbort = (): void => {
      if (stopped) return;
      cleanup();
      reject(
        cancelledError('load', { sent, finished, errors, p95SoFarMs: latency.percentile(95) }),
      );
    };

    const maybeFinish = (): void => {
      if (stopped || next < scheduled || finished < sent) return;
      progress();
      cleanup();
      resolve(buildResult());
    };

    const fire = (intended: number): void => {
      const sentAt = performance.now();
      lag.record(sentAt - intended);
      lastSendAt = sentAt;
      sent += 1;
      let done = false;
      let timedOut = false;
      const end = (status: number | undefined, error?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (stopped) return;
        const elapsed = performance.now() - intended;
        finished += 1;
        if (status !== undefined) {
          latency.record(elapsed);
          byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
          if (status < 400) ok += 1;
          else errors += 1;
        } else {
          errors += 1;
          if (timedOut) {
            // An unanswered request counts at its latency so far: dropping it would flatter a stalling fleet.
            timeouts += 1;
            latency.record(elapsed);
            countError(`no answer within ${v.timeoutMs} ms`);
          } else {
            countError(error?.message ?? 'request failed');
          }
        }
        maybeFinish();
      };
      const req = transport.request(v.url, { agent, method: 'GET', headers }, (res) => {
        res.on('error', (e) => end(undefined, e));
        res.on('end', () => end(res.statusCode ?? 0));
        res.resume();
      });
      req.on('error', (e) => end(undefined, e));
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, v.timeoutMs);
      req.end();
    };

    const tick = (): void => {
      if (stopped) return;
      const now = performance.now();
      while (next < scheduled && t0 + next * interval <= now) {
        fire(t0 + next * interval);
        next += 1;
      }
      if (next >= scheduled) {
        maybeFinish();
        return;
      }
      // Wake at the next arrival (timers have 1 ms granularity; lateness is measured and reported, and latency
      // counts from the intended time regardless, so a late send can only make the figures worse, never better).
      const wait = t0 + next * interval - performance.now();
      ticker = setTimeout(tick, Math.max(1, Math.floor(wait)));
    };

    const buildResult = (): ProbeResult => {
      const summary = latency.summary();
      const lagSummary = lag.summary();
      const span = Math.max(interval, lastSendAt - t0 + interval);
      const achievedRatePerSec = Math.round((sent / span) * 1000 * 10) / 10;
      const errorRate = finished === 0 ? 1 : errors / finished;
      if (lagSummary.p99Ms > SEND_LAG_NOTE_MS) {
        notes.push(
          `The sender fell behind its schedule (p99 send lag ${lagSummary.p99Ms.toFixed(1)} ms): this machine ` +
            `could not generate ${v.ratePerSec}/s cleanly. Latencies count from the intended send time, so they ` +
            `err high, never low.`,
        );
      }
      const verdict = judge(
        { samples: summary.count, p95Ms: summary.p95Ms, errorRate },
        v.thresholds,
      );
      const errorSamples = [...errorCounts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([message, n]) => `${message} × ${n}`);
      const finishedAt = new Date();
      const result: ProbeResult = {
        engine: 'probe',
        passed: verdict.passed,
        verdict,
        url: v.url.href,
        ratePerSec: v.ratePerSec,
        durationSec: v.durationSec,
        samples: summary.count,
        requests: { scheduled, sent, ok, errors, timeouts, byStatus },
        errorRate: Math.round(errorRate * 1e6) / 1e6,
        latency: summary,
        histogram: latency.chartBuckets(),
        schedule: {
          achievedRatePerSec,
          sendLagP99Ms: lagSummary.p99Ms,
          sendLagMaxMs: lagSummary.maxMs,
          dropped: 0,
        },
        errorSamples,
        notes,
        durationMs: Math.round(finishedAt.getTime() - startedAt.getTime()),
        evidence: {
          check: 'probe',
          ran:
            `greenlight open-loop probe: GET ${v.url.href} at ${v.ratePerSec}/s for ${v.durationSec} s ` +
            `(timeout ${v.timeoutMs} ms, p95 < ${v.thresholds.p95Ms} ms, errors < ${v.thresholds.errorRate * 100} %, ` +
            `min ${v.thresholds.minSamples} samples)`,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          artifacts: [],
        },
      };
      result.evidence.artifacts.push(summaryArtifact(result));
      return result;
    };

    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}

/** The probe summary JSON the journal keeps (everything but the evidence itself). */
export function summaryArtifact(result: ProbeResult): {
  name: string;
  mediaType: string;
  content: string;
} {
  const { evidence: _evidence, ...figures } = result;
  return {
    name: 'probe-summary.json',
    mediaType: 'application/json',
    content: JSON.stringify(figures, null, 2),
  };
}
