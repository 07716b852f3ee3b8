import { requireNumber } from './evidence';

/**
 * The load gate's thresholds. Defaults follow the playbook's section 4 gate (p95 < 450 ms, errors < 1 %). A p95
 * from fewer than ~1,000 samples is noise (platform facts: "A p95 needs >= 1,000 samples to mean anything"), so
 * the gate refuses to pass below `minSamples`.
 */
export type ProbeThresholds = {
  p95Ms: number;
  errorRate: number;
  minSamples: number;
};

export const DEFAULT_THRESHOLDS: ProbeThresholds = {
  p95Ms: 450,
  errorRate: 0.01,
  minSamples: 1000,
};

export type ProbeVerdict = {
  passed: boolean;
  /** Every reason the gate failed, each naming the figure and the limit; empty when it passed. */
  reasons: string[];
  thresholds: ProbeThresholds;
};

/** Fills defaults and validates thresholds, naming the offending field. */
export function resolveThresholds(partial: Partial<ProbeThresholds> | undefined): ProbeThresholds {
  const t = { ...DEFAULT_THRESHOLDS, ...(partial ?? {}) };
  return {
    p95Ms: requireNumber(t.p95Ms, 'thresholds.p95Ms', 0, 600_000, 'ms', { exclusiveMin: true }),
    errorRate: requireNumber(t.errorRate, 'thresholds.errorRate', 0, 1, '(a fraction: 0.01 = 1 %)'),
    minSamples: requireNumber(t.minSamples, 'thresholds.minSamples', 1, 100_000_000, 'samples', {
      integer: true,
    }),
  };
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(2)} %`;

/**
 * Judges a run: p95 strictly under the limit, error rate strictly under the limit, and enough samples for the p95
 * to mean something. `samples` counts every request that finished (answered, failed or timed out).
 */
export function judge(
  figures: { samples: number; p95Ms: number; errorRate: number },
  thresholds: ProbeThresholds,
): ProbeVerdict {
  const reasons: string[] = [];
  if (figures.samples < thresholds.minSamples) {
    reasons.push(
      `only ${figures.samples} samples: a p95 needs at least ${thresholds.minSamples} to mean anything ` +
        `(raise the rate or the duration; rate × duration is the sample count)`,
    );
  }
  if (!(figures.p95Ms < thresholds.p95Ms)) {
    reasons.push(
      `p95 ${figures.p95Ms.toFixed(1)} ms is not under the ${thresholds.p95Ms} ms limit`,
    );
  }
  if (
    !(figures.errorRate < thresholds.errorRate) &&
    !(thresholds.errorRate === 0 && figures.errorRate === 0)
  ) {
    reasons.push(
      `error rate ${pct(figures.errorRate)} is not under the ${pct(thresholds.errorRate)} limit`,
    );
  }
  return { passed: reasons.length === 0, reasons, thresholds };
}
