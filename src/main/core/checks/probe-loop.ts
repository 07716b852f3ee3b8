import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { cancelledError } from './evidence';
import { LatencyHistogram } from './histogram';
import type { ProbeProgress, ProbeResult } from './probe-result';
import { judge } from './verdict';
import type { ProbeThresholds } from './verdict';

/**
 * p99 send lag above which the result carries a note that the sender fell behind. Timers have 1 ms granularity and
 * a busy event loop adds a few ms; 10 ms is 2 % of the 450 ms gate.
 */
export const SEND_LAG_NOTE_MS = 10;

/**
 * A validated probe run as plain data (structured-cloneable), so the same loop runs in the caller's thread or in the
 * probe worker, which receives it as `workerData`. Headers may carry a token: they live in memory only.
 */
export type OpenLoopConfig = {
  /** The target, already parsed and checked (`URL.href`). */
  url: string;
  ratePerSec: number;
  durationSec: number;
  timeoutMs: number;
  thresholds: ProbeThresholds;
  maxSockets: number;
  headers: Record<string, string>;
  /** Notes decided before the loop started (k6 named but missing); the loop may add its own. */
  notes: string[];
};

/** What the probe worker posts to its parent. */
export type ProbeWorkerMessage =
  | { type: 'progress'; progress: ProbeProgress }
  | { type: 'done'; result: ProbeResult }
  | { type: 'failed'; code: string; message: string; detail?: Record<string, unknown> };

/** What the parent posts to the probe worker. */
export type ProbeParentMessage = { type: 'cancel' };

/**
 * The open-loop sender itself (see runProbe for what it measures). Runs on whichever event loop calls it: every
 * latency counts from the intended send time on THIS loop, so a stall of this loop is counted as fleet latency;
 * that is why runProbe runs it in a worker thread by default. Aborting `signal` stops sending, drops in-flight
 * requests and rejects with AppError `check_cancelled` carrying the figures so far.
 */
export function runOpenLoop(
  v: OpenLoopConfig,
  hooks: { signal?: AbortSignal; onProgress?: (progress: ProbeProgress) => void } = {},
): Promise<ProbeResult> {
  const startedAt = new Date();
  const url = new URL(v.url);
  const notes = [...v.notes];
  const transport = url.protocol === 'https:' ? https : http;
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
  const headers = { 'user-agent': 'greenlight-probe', ...v.headers };

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
      hooks.onProgress?.({
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
      hooks.signal?.removeEventListener('abort', onAbort);
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
      const req = transport.request(url, { agent, method: 'GET', headers }, (res) => {
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
        url: url.href,
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
            `greenlight open-loop probe: GET ${url.href} at ${v.ratePerSec}/s for ${v.durationSec} s ` +
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

    if (hooks.signal?.aborted) {
      onAbort();
      return;
    }
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
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
