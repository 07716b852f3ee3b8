import { describe, expect, it } from 'vitest';
import { parseK6Summary } from '../../../src/main/core/checks/k6';

/** The shape `k6 run --summary-export` writes (legacy summary export), trimmed to what Greenlight reads. */
const summary = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: {},
    checks: {},
  },
  options: {
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    noColor: true,
  },
  state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 20012.5 },
  metrics: {
    http_req_duration: {
      avg: 48.2,
      min: 3.1,
      med: 41.7,
      max: 1210.4,
      'p(90)': 88.9,
      'p(95)': 512.6,
      'p(99)': 1002.2,
      thresholds: { 'p(95)<450': true },
    },
    // For http_req_failed "passes" counts FAILED requests (k6 #2386): 12 failed, 2988 succeeded.
    http_req_failed: { passes: 12, fails: 2988, value: 0.004, thresholds: { 'rate<0.01': false } },
    http_reqs: { count: 3000, rate: 149.9 },
    dropped_iterations: { count: 4, rate: 0.2 },
    iterations: { count: 3000, rate: 149.9 },
  },
};

describe('k6 summary parsing', () => {
  it('maps trend stats to latency figures (med is p50)', () => {
    const s = parseK6Summary(summary);
    expect(s.latency).toEqual({
      count: 3000,
      minMs: 3.1,
      meanMs: 48.2,
      p50Ms: 41.7,
      p90Ms: 88.9,
      p95Ms: 512.6,
      p99Ms: 1002.2,
      maxMs: 1210.4,
    });
    expect(s.requests).toBe(3000);
    expect(s.testRunDurationMs).toBe(20012.5);
  });

  it('reads http_req_failed the way k6 means it: passes are the failures', () => {
    const s = parseK6Summary(summary);
    expect(s.failed).toBe(12);
    expect(s.errorRate).toBeCloseTo(0.004, 6);
  });

  it('reports only thresholds k6 marks true (crossed), and dropped iterations', () => {
    const s = parseK6Summary(summary);
    expect(s.thresholdsCrossed).toEqual(['http_req_duration: p(95)<450']);
    expect(s.dropped).toBe(4);
  });

  it('falls back to the failure rate value when counts are absent', () => {
    const s = parseK6Summary({ metrics: { ...summary.metrics, http_req_failed: { value: 0.02 } } });
    expect(s.errorRate).toBe(0.02);
    expect(s.failed).toBe(60);
  });

  it('treats a run without http_req_failed as error free', () => {
    const { http_req_failed: _omit, ...rest } = summary.metrics;
    expect(parseK6Summary({ metrics: rest }).errorRate).toBe(0);
  });

  it('names what is missing in a summary it cannot use', () => {
    expect(() => parseK6Summary([])).toThrow(/not a JSON object/);
    expect(() => parseK6Summary({})).toThrow(/"metrics" is missing/);
    expect(() => parseK6Summary({ metrics: {} })).toThrow(/http_req_duration" is missing/);
    expect(() => parseK6Summary({ metrics: { http_req_duration: { avg: 1 } } })).toThrow(
      /no "p\(95\)"/,
    );
    expect(() => parseK6Summary({ metrics: { http_req_duration: { 'p(95)': 1 } } })).toThrow(
      /http_reqs.count/,
    );
  });
});
