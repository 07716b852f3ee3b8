import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { exactPercentile } from '../../../src/main/core/checks/histogram';
import { runProbe } from '../../../src/main/core/checks/probe';
import type { ProbeProgress } from '../../../src/main/core/checks/probe';
import { startServer, startStallingServer } from './loopback';
import type { Loopback } from './loopback';
import { appErrorOf } from '../../support/app-error';
import { closedPort } from '../../support/ports';

/** Closed loop: one request at a time, each timed from its own send, for `durationMs`. */
async function sequentialP95(
  url: string,
  durationMs: number,
): Promise<{ p95Ms: number; samples: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    latencies.push(performance.now() - t);
  }
  agent.destroy();
  return { p95Ms: exactPercentile(latencies, 95), samples: latencies.length };
}

describe('open-loop load probe (loopback fleets)', () => {
  const servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('passes a healthy fleet with enough samples, with progress and chartable buckets', async () => {
    const fleet = await startServer((_req, res) => setTimeout(() => res.end('ok'), 2));
    servers.push(fleet);
    const progress: ProbeProgress[] = [];
    const result = await runProbe({
      url: `${fleet.url}/health`,
      ratePerSec: 250,
      durationSec: 5,
      onProgress: (p) => progress.push(p),
    });
    expect(result.verdict.reasons).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.engine).toBe('probe');
    expect(result.requests).toMatchObject({
      scheduled: 1250,
      sent: 1250,
      ok: 1250,
      errors: 0,
      byStatus: { '200': 1250 },
    });
    expect(result.samples).toBe(1250);
    expect(result.histogram.reduce((n, b) => n + b.count, 0)).toBe(1250);
    expect(result.latency.p50Ms).toBeLessThanOrEqual(result.latency.p95Ms);
    expect(result.latency.p95Ms).toBeLessThanOrEqual(result.latency.p99Ms);
    expect(result.latency.p99Ms).toBeLessThanOrEqual(result.latency.maxMs);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatchObject({ sent: 1250, finished: 1250, inFlight: 0 });
    const artifact = result.evidence.artifacts.find((a) => a.name === 'probe-summary.json');
    expect(JSON.parse(artifact?.content ?? '{}')).toMatchObject({ samples: 1250, passed: true });
    expect(result.evidence.ran).toContain(`GET ${fleet.url}/health at 250/s for 5 s`);
  });

  it('fails a stalling fleet on p95 while a closed-loop (sequential) measurement of the same fleet passes it', async () => {
    // 10 ms answers, but every 2 s the fleet stalls for 800 ms: 40 % of arrivals wait up to 800 ms.
    const fleet = await startStallingServer({ baseMs: 10, stallMs: 800, periodMs: 2000 });
    servers.push(fleet);
    const closed = await sequentialP95(`${fleet.url}/health`, 4000);
    const open = await runProbe({ url: `${fleet.url}/health`, ratePerSec: 250, durationSec: 4 });
    expect(closed.p95Ms).toBeLessThan(450);
    expect(open.passed).toBe(false);
    expect(open.latency.p95Ms).toBeGreaterThan(450);
    expect(open.verdict.reasons).toEqual([
      expect.stringContaining('is not under the 450 ms limit'),
    ]);
    expect(open.requests.errors).toBe(0);
  });

  it('refuses to pass with too few samples even on a fast fleet', async () => {
    const fleet = await startServer((_req, res) => res.end('ok'));
    servers.push(fleet);
    const result = await runProbe({ url: fleet.url, ratePerSec: 50, durationSec: 2 });
    expect(result.samples).toBe(100);
    expect(result.passed).toBe(false);
    expect(result.verdict.reasons).toEqual([
      expect.stringContaining('only 100 samples: a p95 needs at least 1000'),
    ]);
    const relaxed = await runProbe({
      url: fleet.url,
      ratePerSec: 50,
      durationSec: 2,
      thresholds: { minSamples: 100 },
    });
    expect(relaxed.passed).toBe(true);
  });

  it('fails on error rate when a share of answers are 5xx, counting statuses', async () => {
    let n = 0;
    const fleet = await startServer((_req, res) => {
      n += 1;
      res.statusCode = n % 20 === 0 ? 503 : 200;
      res.end();
    });
    servers.push(fleet);
    const result = await runProbe({
      url: fleet.url,
      ratePerSec: 200,
      durationSec: 2,
      thresholds: { minSamples: 100 },
    });
    expect(result.requests.byStatus).toEqual({ '200': 380, '503': 20 });
    expect(result.errorRate).toBeCloseTo(0.05, 6);
    expect(result.passed).toBe(false);
    expect(result.verdict.reasons).toEqual([
      expect.stringContaining('error rate 5.00 % is not under the 1.00 % limit'),
    ]);
  });

  it('fails, without hanging, when the fleet refuses connections', async () => {
    const port = await closedPort();
    const result = await runProbe({
      url: `http://127.0.0.1:${port}/health`,
      ratePerSec: 50,
      durationSec: 1,
    });
    expect(result.passed).toBe(false);
    expect(result.requests.errors).toBe(50);
    expect(result.errorRate).toBe(1);
    expect(result.errorSamples[0]).toMatch(/ECONNREFUSED.* × 50$/);
  });

  it('counts unanswered requests as timeouts at their latency so far', async () => {
    const fleet = await startServer(() => undefined);
    servers.push(fleet);
    const result = await runProbe({
      url: fleet.url,
      ratePerSec: 20,
      durationSec: 1,
      timeoutMs: 300,
    });
    expect(result.requests).toMatchObject({ sent: 20, errors: 20, timeouts: 20 });
    expect(result.samples).toBe(20);
    expect(result.errorSamples).toEqual(['no answer within 300 ms × 20']);
  });

  it('is cancelled by its AbortSignal mid-run', async () => {
    const fleet = await startServer((_req, res) => res.end('ok'));
    servers.push(fleet);
    const controller = new AbortController();
    const error = await appErrorOf(
      runProbe({
        url: fleet.url,
        ratePerSec: 100,
        durationSec: 60,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(error.code).toBe('check_cancelled');
    expect(error.detail?.['sent']).toBeGreaterThan(0);
  });

  it('rejects zero, negative and absurd rates and durations and bad URLs, naming the field', async () => {
    const cases: Array<[Parameters<typeof runProbe>[0], string]> = [
      [{ url: 'http://127.0.0.1:1', ratePerSec: 0, durationSec: 1 }, 'ratePerSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: -5, durationSec: 1 }, 'ratePerSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: 50_000, durationSec: 1 }, 'ratePerSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: Number.NaN, durationSec: 1 }, 'ratePerSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 0 }, 'durationSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 86_400 }, 'durationSec'],
      [{ url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 1, timeoutMs: 0 }, 'timeoutMs'],
      [{ url: 'not a url', ratePerSec: 10, durationSec: 1 }, 'url'],
      [{ url: 'ftp://127.0.0.1/x', ratePerSec: 10, durationSec: 1 }, 'url'],
      [{ url: '', ratePerSec: 10, durationSec: 1 }, 'url'],
    ];
    for (const [options, field] of cases) {
      const error = await appErrorOf(runProbe(options));
      expect(error.code, field).toBe('invalid_input');
      expect(error.message.startsWith(field), error.message).toBe(true);
      expect(error.detail?.['field']).toBe(field);
    }
  });
});
