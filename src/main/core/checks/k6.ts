import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AppError } from '../errors';
import { cancelledError } from './evidence';
import type { LatencySummary } from './histogram';
import type { ProbeResult } from './probe-result';
import { judge } from './verdict';
import type { ProbeThresholds } from './verdict';

/** The first executable called `name` on env.PATH, or undefined. */
export function findOnPath(
  name: string,
  env: Record<string, string | undefined>,
): string | undefined {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const dir of dirs) {
    for (const candidate of names) {
      const path = join(dir, candidate);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** The figures Greenlight takes from a k6 `--summary-export` file. */
export type K6Summary = {
  latency: LatencySummary;
  requests: number;
  failed: number;
  errorRate: number;
  dropped: number;
  /** Thresholds the script itself declared that k6 reports as crossed, e.g. `http_req_duration: p(95)<450`. */
  thresholdsCrossed: string[];
  testRunDurationMs: number | undefined;
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (o: Json | undefined, key: string): number | undefined => {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/**
 * Parses k6's legacy `--summary-export` JSON. Two k6 quirks matter here (k6 issues #2386 and #1498): for the
 * `http_req_failed` rate metric `passes` counts the FAILED requests (the metric tracks failures) and `value` is the
 * failure rate; a threshold's boolean is `true` when the threshold was CROSSED. Trend values are milliseconds;
 * `med` is the p50. Throws AppError `k6_summary_invalid` naming what is missing.
 */
export function parseK6Summary(input: unknown): K6Summary {
  const bad = (what: string): AppError =>
    new AppError('k6_summary_invalid', `The k6 summary export is not usable: ${what}.`, { what });
  if (!isObject(input)) throw bad('it is not a JSON object');
  const metrics = input['metrics'];
  if (!isObject(metrics)) throw bad('"metrics" is missing');
  const duration = metrics['http_req_duration'];
  if (!isObject(duration))
    throw bad('"metrics.http_req_duration" is missing (did the script make HTTP requests?)');
  const p95 = num(duration, 'p(95)');
  if (p95 === undefined) throw bad('"metrics.http_req_duration" has no "p(95)"');
  const reqs = metrics['http_reqs'];
  const requests = isObject(reqs) ? num(reqs, 'count') : undefined;
  if (requests === undefined) throw bad('"metrics.http_reqs.count" is missing');

  const failedMetric = isObject(metrics['http_req_failed'])
    ? metrics['http_req_failed']
    : undefined;
  const failedPasses = num(failedMetric, 'passes');
  const failedFails = num(failedMetric, 'fails');
  const failedValue = num(failedMetric, 'value');
  let failed = 0;
  let errorRate = 0;
  if (failedPasses !== undefined && failedFails !== undefined && failedPasses + failedFails > 0) {
    failed = failedPasses;
    errorRate = failedPasses / (failedPasses + failedFails);
  } else if (failedValue !== undefined) {
    errorRate = failedValue;
    failed = Math.round(failedValue * requests);
  }

  const thresholdsCrossed: string[] = [];
  for (const [metricName, metric] of Object.entries(metrics)) {
    if (!isObject(metric) || !isObject(metric['thresholds'])) continue;
    for (const [expression, crossed] of Object.entries(metric['thresholds'])) {
      if (crossed === true) thresholdsCrossed.push(`${metricName}: ${expression}`);
    }
  }

  const r3 = (n: number | undefined): number => Math.round((n ?? 0) * 1000) / 1000;
  const state = isObject(input['state']) ? input['state'] : undefined;
  const dropped = isObject(metrics['dropped_iterations'])
    ? (num(metrics['dropped_iterations'], 'count') ?? 0)
    : 0;
  return {
    latency: {
      count: requests,
      minMs: r3(num(duration, 'min')),
      meanMs: r3(num(duration, 'avg')),
      p50Ms: r3(num(duration, 'med') ?? num(duration, 'p(50)')),
      p90Ms: r3(num(duration, 'p(90)')),
      p95Ms: r3(p95),
      p99Ms: r3(num(duration, 'p(99)')),
      maxMs: r3(num(duration, 'max')),
    },
    requests,
    failed,
    errorRate,
    dropped,
    thresholdsCrossed,
    testRunDurationMs: num(state, 'testRunDurationMs'),
  };
}

/** k6's exit code when the script's own thresholds were crossed (errext/exitcodes ThresholdsHaveFailed). */
const K6_THRESHOLDS_FAILED = 99;

export type K6RunOptions = {
  bin: string;
  script: string;
  url: string;
  ratePerSec: number;
  durationSec: number;
  thresholds: ProbeThresholds;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Kill k6 if it has not exited this long after the planned duration. Default 120 s. */
  graceSec?: number;
};

/**
 * Runs `k6 run --summary-export` on the environment's script and maps the summary onto the probe's result shape.
 * BASE_URL is the target URL; AUTH_TOKEN is passed through from `env` (through the environment, never the command
 * line, so it is not visible in a process list nor in the evidence). GREENLIGHT_RATE_PER_SEC and
 * GREENLIGHT_DURATION_SEC are offered to scripts that want Greenlight's settings. Exit 99 (the script's own
 * thresholds crossed) is a failed verdict; any other non-zero exit is AppError `k6_failed` with k6's last words.
 */
export async function runK6(options: K6RunOptions): Promise<ProbeResult> {
  if (!existsSync(options.script)) {
    throw new AppError('invalid_input', `k6Script ${options.script} does not exist.`, {
      field: 'k6Script',
      value: options.script,
    });
  }
  const startedAt = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-k6-'));
  const summaryPath = join(dir, 'summary.json');
  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--summary-export',
    summaryPath,
    '--summary-trend-stats',
    'avg,min,med,max,p(90),p(95),p(99)',
    options.script,
  ];
  const childEnv: Record<string, string> = {};
  for (const [k, val] of Object.entries(options.env)) if (val !== undefined) childEnv[k] = val;
  childEnv['BASE_URL'] = options.url;
  childEnv['GREENLIGHT_RATE_PER_SEC'] = String(options.ratePerSec);
  childEnv['GREENLIGHT_DURATION_SEC'] = String(options.durationSec);
  const authToken = options.env['AUTH_TOKEN'];
  if (authToken !== undefined) childEnv['AUTH_TOKEN'] = authToken;

  try {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(options.bin, args, {
          env: childEnv,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderrText = '';
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          stderrText = (stderrText + chunk).slice(-4000);
        });
        const deadline = setTimeout(
          () => {
            child.kill('SIGKILL');
            reject(
              new AppError(
                'k6_failed',
                `k6 did not finish within ${options.durationSec + (options.graceSec ?? 120)} s and was stopped.`,
                { bin: options.bin, script: options.script },
              ),
            );
          },
          (options.durationSec + (options.graceSec ?? 120)) * 1000,
        );
        const onAbort = (): void => {
          child.kill('SIGKILL');
          reject(cancelledError('load (k6)'));
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (error) => {
          clearTimeout(deadline);
          options.signal?.removeEventListener('abort', onAbort);
          reject(
            new AppError(
              'k6_failed',
              `k6 could not be started (${options.bin}): ${error.message}`,
              {
                bin: options.bin,
              },
            ),
          );
        });
        child.on('close', (exitCode) => {
          clearTimeout(deadline);
          options.signal?.removeEventListener('abort', onAbort);
          resolve({ code: exitCode, stderr: stderrText });
        });
        if (options.signal?.aborted) onAbort();
      },
    );

    const lastWords = stderr.trim().split('\n').slice(-5).join(' | ');
    if (code !== 0 && code !== K6_THRESHOLDS_FAILED) {
      throw new AppError(
        'k6_failed',
        `k6 exited with code ${String(code)} running ${options.script}${lastWords ? `: ${lastWords}` : ''}`,
        { exitCode: code, script: options.script, stderr: lastWords },
      );
    }
    if (!existsSync(summaryPath)) {
      throw new AppError(
        'k6_failed',
        `k6 exited with code ${String(code)} but wrote no summary export.`,
        {
          exitCode: code,
          script: options.script,
        },
      );
    }
    let raw: unknown;
    const text = readFileSync(summaryPath, 'utf8');
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new AppError(
        'k6_summary_invalid',
        `The k6 summary export is not JSON: ${(error as Error).message}`,
      );
    }
    const summary = parseK6Summary(raw);
    const verdict = judge(
      { samples: summary.requests, p95Ms: summary.latency.p95Ms, errorRate: summary.errorRate },
      options.thresholds,
    );
    for (const crossed of summary.thresholdsCrossed) {
      verdict.reasons.push(`k6 threshold crossed: ${crossed}`);
    }
    if (code === K6_THRESHOLDS_FAILED && summary.thresholdsCrossed.length === 0) {
      verdict.reasons.push('k6 exited 99: the script reported its thresholds crossed');
    }
    verdict.passed = verdict.reasons.length === 0;
    const finishedAt = new Date();
    const notes = [
      'k6 ran the environment script; k6 times each request from its actual send, and its summary has no ' +
        'histogram buckets.',
    ];
    if (summary.dropped > 0) {
      notes.push(`k6 dropped ${summary.dropped} iterations: it could not keep the arrival rate.`);
    }
    const durationMs = Math.round(finishedAt.getTime() - startedAt.getTime());
    const runSeconds = (summary.testRunDurationMs ?? durationMs) / 1000;
    return {
      engine: 'k6',
      passed: verdict.passed,
      verdict,
      url: options.url,
      ratePerSec: options.ratePerSec,
      durationSec: options.durationSec,
      samples: summary.requests,
      requests: {
        scheduled: summary.requests + summary.dropped,
        sent: summary.requests,
        ok: summary.requests - summary.failed,
        errors: summary.failed,
        timeouts: 0,
        byStatus: {},
      },
      errorRate: Math.round(summary.errorRate * 1e6) / 1e6,
      latency: summary.latency,
      histogram: [],
      schedule: {
        achievedRatePerSec:
          runSeconds > 0 ? Math.round((summary.requests / runSeconds) * 10) / 10 : 0,
        sendLagP99Ms: 0,
        sendLagMaxMs: 0,
        dropped: summary.dropped,
      },
      errorSamples: [],
      notes,
      durationMs,
      evidence: {
        check: 'probe',
        ran:
          `${options.bin} ${args.join(' ')} (env BASE_URL=${options.url}` +
          `${authToken !== undefined ? ', AUTH_TOKEN=<from environment>' : ''})`,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        artifacts: [{ name: 'k6-summary.json', mediaType: 'application/json', content: text }],
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
