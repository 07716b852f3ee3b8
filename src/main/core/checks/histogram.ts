/**
 * An HDR-style latency histogram: values in microseconds, exact below 256 µs, then 128 linear sub-buckets per
 * power of two, so any recorded value is known to within 1/128 (< 0.8 %) and a percentile read at a bucket's
 * midpoint is within 0.4 %. Fixed memory (a few thousand counters) whatever the sample count, and the buckets can
 * be handed to a chart, which `perf_hooks.createHistogram` cannot do.
 */

const SUB_BITS = 7;
const SUB_COUNT = 1 << SUB_BITS; // 128
/** Largest value kept apart (2^31 µs ≈ 35 min); anything longer is clamped into the top bucket. */
const MAX_MICROS = 2 ** 31 - 1;

function indexOf(micros: number): number {
  if (micros < 2 * SUB_COUNT) return micros;
  const exponent = Math.floor(Math.log2(micros));
  const shift = exponent - SUB_BITS;
  const mantissa = Math.floor(micros / 2 ** shift);
  return shift * SUB_COUNT + mantissa;
}

/** [lowest, highest] microseconds of bucket `index` (inclusive). */
function boundsOf(index: number): [number, number] {
  if (index < 2 * SUB_COUNT) return [index, index];
  const shift = Math.floor(index / SUB_COUNT) - 1;
  const mantissa = index - shift * SUB_COUNT;
  const low = mantissa * 2 ** shift;
  return [low, low + 2 ** shift - 1];
}

const MAX_INDEX = indexOf(MAX_MICROS);

/** One bar of a latency chart: `count` samples took between `fromMs` (inclusive) and `toMs` (exclusive). */
export type HistogramBucket = { fromMs: number; toMs: number; count: number };

export type LatencySummary = {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
};

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export class LatencyHistogram {
  private readonly counts = new Float64Array(MAX_INDEX + 1);
  private total = 0;
  private sumMicros = 0;
  private minMicros = Number.POSITIVE_INFINITY;
  private maxMicros = 0;

  /** Records one latency in milliseconds (fractions kept to the microsecond; negatives count as 0). */
  record(ms: number): void {
    const micros = Math.min(MAX_MICROS, Math.max(0, Math.round(ms * 1000)));
    const index = indexOf(micros);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
    this.sumMicros += micros;
    if (micros < this.minMicros) this.minMicros = micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  get count(): number {
    return this.total;
  }

  /**
   * The nearest-rank percentile (the smallest recorded value with at least p % of samples at or below it), read at
   * its bucket's midpoint and clamped to the exact min/max. 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i += 1) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) {
        const [low, high] = boundsOf(i);
        const mid = (low + high) / 2;
        return Math.min(this.maxMicros, Math.max(this.minMicros, mid)) / 1000;
      }
    }
    return this.maxMicros / 1000;
  }

  summary(): LatencySummary {
    const empty = this.total === 0;
    return {
      count: this.total,
      minMs: empty ? 0 : round3(this.minMicros / 1000),
      meanMs: empty ? 0 : round3(this.sumMicros / this.total / 1000),
      p50Ms: round3(this.percentile(50)),
      p90Ms: round3(this.percentile(90)),
      p95Ms: round3(this.percentile(95)),
      p99Ms: round3(this.percentile(99)),
      maxMs: round3(this.maxMicros / 1000),
    };
  }

  /**
   * Non-empty buckets coarsened for a chart: 8 bars per doubling of latency (each ~9 % wide), exact counts. A run
   * spanning 1 ms to 2 s gives at most ~90 bars.
   */
  chartBuckets(): HistogramBucket[] {
    const bars = new Map<number, HistogramBucket>();
    for (let i = 0; i < this.counts.length; i += 1) {
      const n = this.counts[i] ?? 0;
      if (n === 0) continue;
      const [low] = boundsOf(i);
      const [fromMicros, toMicros] = chartBar(low);
      const existing = bars.get(fromMicros);
      if (existing) existing.count += n;
      else bars.set(fromMicros, { fromMs: fromMicros / 1000, toMs: toMicros / 1000, count: n });
    }
    return [...bars.values()].sort((a, b) => a.fromMs - b.fromMs);
  }
}

/** The chart bar [from, to) in microseconds holding `micros`: 1 µs wide below 16 µs, then 8 per power of two. */
function chartBar(micros: number): [number, number] {
  if (micros < 16) return [micros, micros + 1];
  const exponent = Math.floor(Math.log2(micros));
  const width = 2 ** (exponent - 3);
  const from = Math.floor(micros / width) * width;
  return [from, from + width];
}

/** Exact nearest-rank percentile of raw values (used by tests and the bench as the ground truth). */
export function exactPercentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}
