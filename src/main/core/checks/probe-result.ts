import type { CheckEvidence } from './evidence';
import type { HistogramBucket, LatencySummary } from './histogram';
import type { ProbeVerdict } from './verdict';

/** What a load-gate run reports, whether Greenlight's own open-loop probe or k6 produced it. */
export type ProbeResult = {
  engine: 'probe' | 'k6';
  passed: boolean;
  verdict: ProbeVerdict;
  url: string;
  ratePerSec: number;
  durationSec: number;
  /** Requests that finished (answered, failed or timed out): the p95's sample count. */
  samples: number;
  requests: {
    /** Arrivals the schedule called for (rate × duration). */
    scheduled: number;
    sent: number;
    /** Finished with status < 400. */
    ok: number;
    /** Status >= 400, connection failures and timeouts (k6's http_req_failed definition). */
    errors: number;
    timeouts: number;
    /** Count per HTTP status ("200", "503") plus "error" for requests that got no answer. */
    byStatus: Record<string, number>;
  };
  errorRate: number;
  /** Latency from each request's INTENDED send time to the end of its response (open loop). */
  latency: LatencySummary;
  /** Bars for a latency chart (empty when k6 ran: its summary has no buckets). */
  histogram: HistogramBucket[];
  /**
   * How well the sender kept the schedule: lag between intended and actual send. A large lag means this machine
   * could not generate the rate; latencies stay honest (they count from the intended time) but err high.
   */
  schedule: {
    achievedRatePerSec: number;
    sendLagP99Ms: number;
    sendLagMaxMs: number;
    dropped: number;
  };
  /** Up to 5 distinct transport errors with their counts, e.g. `connect ECONNREFUSED 127.0.0.1:9 × 120`. */
  errorSamples: string[];
  /** Notes the reader should see (k6 requested but not on PATH, sender fell behind, ...). */
  notes: string[];
  durationMs: number;
  evidence: CheckEvidence;
};

/** Progress while a probe runs (about once a second). */
export type ProbeProgress = {
  elapsedSec: number;
  durationSec: number;
  sent: number;
  finished: number;
  errors: number;
  inFlight: number;
  /** p95 of what finished so far, from the intended send time. */
  p95SoFarMs: number;
};
