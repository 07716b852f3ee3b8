import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import { LatencyHistogram, exactPercentile } from '../../../src/main/core/checks/histogram';
import {
  DEFAULT_THRESHOLDS,
  judge,
  resolveThresholds,
} from '../../../src/main/core/checks/verdict';

/** A deterministic pseudo-random generator so the "random" samples are the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('latency histogram percentiles', () => {
  it('is exact for small values and within 0.4 % of the exact nearest-rank percentile beyond', () => {
    const random = lcg(42);
    const values: number[] = [];
    const h = new LatencyHistogram();
    for (let i = 0; i < 20_000; i += 1) {
      // Mostly 5-80 ms, 8 % stalled up to 1.2 s: the shape of a fleet with periodic stalls.
      const v = random() < 0.08 ? 100 + random() * 1100 : 5 + random() * 75;
      values.push(v);
      h.record(v);
    }
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = exactPercentile(values, p);
      expect(Math.abs(h.percentile(p) - exact) / exact, `p${p}`).toBeLessThan(0.004);
    }
    const s = h.summary();
    expect(s.count).toBe(20_000);
    expect(s.minMs).toBeCloseTo(Math.min(...values), 3);
    expect(s.maxMs).toBeCloseTo(Math.max(...values), 3);
  });

  it('uses nearest rank: p95 of 1..100 ms is 95 ms, of 1..20 ms is 19 ms', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i += 1) h.record(i);
    expect(h.percentile(95)).toBeCloseTo(95, 0);
    const small = new LatencyHistogram();
    for (let i = 1; i <= 20; i += 1) small.record(i);
    expect(small.percentile(95)).toBeCloseTo(19, 0);
    expect(exactPercentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('reports zeros when empty and clamps negatives to 0', () => {
    expect(new LatencyHistogram().summary()).toEqual({
      count: 0,
      minMs: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    });
    const h = new LatencyHistogram();
    h.record(-3);
    expect(h.summary().maxMs).toBe(0);
  });

  it('gives chart buckets that cover every sample once, in order, without overlap', () => {
    const random = lcg(7);
    const h = new LatencyHistogram();
    for (let i = 0; i < 5000; i += 1) h.record(0.01 + random() * 2000);
    const buckets = h.chartBuckets();
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(5000);
    for (let i = 1; i < buckets.length; i += 1) {
      expect(buckets[i]!.fromMs).toBeGreaterThanOrEqual(buckets[i - 1]!.toMs);
    }
    expect(buckets.length).toBeLessThan(200);
  });
});

describe('load gate verdict', () => {
  const t = DEFAULT_THRESHOLDS;

  it('passes a fleet under both limits with enough samples', () => {
    expect(judge({ samples: 3000, p95Ms: 120, errorRate: 0.002 }, t)).toEqual({
      passed: true,
      reasons: [],
      thresholds: t,
    });
  });

  it('fails on p95 at or over the limit (the limit is strict: p95 < 450 ms)', () => {
    const v = judge({ samples: 3000, p95Ms: 450, errorRate: 0 }, t);
    expect(v.passed).toBe(false);
    expect(v.reasons).toEqual(['p95 450.0 ms is not under the 450 ms limit']);
  });

  it('fails on error rate at or over 1 %', () => {
    const v = judge({ samples: 3000, p95Ms: 10, errorRate: 0.01 }, t);
    expect(v.passed).toBe(false);
    expect(v.reasons[0]).toContain('error rate 1.00 % is not under the 1.00 % limit');
  });

  it('refuses to pass with too few samples even when the figures look good', () => {
    const v = judge({ samples: 999, p95Ms: 10, errorRate: 0 }, t);
    expect(v.passed).toBe(false);
    expect(v.reasons[0]).toContain('only 999 samples: a p95 needs at least 1000');
  });

  it('lists every reason when several limits fail', () => {
    expect(judge({ samples: 10, p95Ms: 900, errorRate: 0.5 }, t).reasons).toHaveLength(3);
  });

  it('lets an error-rate limit of 0 pass a run with no errors', () => {
    expect(judge({ samples: 2000, p95Ms: 10, errorRate: 0 }, { ...t, errorRate: 0 }).passed).toBe(
      true,
    );
  });

  it('fills defaults and rejects nonsense thresholds naming the field', () => {
    expect(resolveThresholds({ minSamples: 200 })).toEqual({
      p95Ms: 450,
      errorRate: 0.01,
      minSamples: 200,
    });
    const cases: Array<[Record<string, number>, string]> = [
      [{ p95Ms: 0 }, 'thresholds.p95Ms'],
      [{ errorRate: 2 }, 'thresholds.errorRate'],
      [{ minSamples: 0.5 }, 'thresholds.minSamples'],
      [{ p95Ms: Number.NaN }, 'thresholds.p95Ms'],
    ];
    for (const [partial, field] of cases) {
      let caught: unknown;
      try {
        resolveThresholds(partial);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('invalid_input');
      expect((caught as AppError).message).toContain(field);
    }
  });
});
