import type { ProbeView } from '../../../../shared/domain/run';
import { formatMs, formatPercent } from '../../lib/format';

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 22, right: 16, bottom: 34, left: 44 };

type Bar = { from: number; to: number; count: number };

/**
 * Buckets to draw on a logarithmic latency axis (a healthy 5 ms fleet and the 450 ms line both stay readable):
 * from the fastest bucket to past the threshold and the slowest sample; anything beyond ten times the threshold
 * is folded into the last bar so one pathological outlier does not squash the picture.
 */
export function chartBars(probe: ProbeView): { bars: Bar[]; xMin: number; xMax: number } {
  const buckets = [...probe.histogram]
    .filter((b) => b.count > 0)
    .sort((a, b) => a.upToMs - b.upToMs);
  const xMax = Math.min(
    Math.max(probe.thresholdP95Ms * 1.5, probe.maxMs * 1.1, probe.p99Ms * 1.2, 10),
    probe.thresholdP95Ms * 10,
  );
  const xMin = Math.max(0.1, Math.min(xMax / 1000, (buckets[0]?.upToMs ?? 1) / 2));
  const bars: Bar[] = [];
  let from = xMin;
  for (const bucket of [...probe.histogram].sort((a, b) => a.upToMs - b.upToMs)) {
    const last = bars[bars.length - 1];
    if (from >= xMax && last !== undefined) last.count += bucket.count;
    else if (bucket.upToMs > from)
      bars.push({ from, to: Math.min(bucket.upToMs, xMax), count: bucket.count });
    else if (last !== undefined) last.count += bucket.count;
    else bars.push({ from, to: Math.max(bucket.upToMs, from * 1.1), count: bucket.count });
    from = Math.max(from, bucket.upToMs);
  }
  return { bars, xMin, xMax };
}

/** The probe's latency histogram with the p95 threshold line and the measured percentiles. */
export function ProbeChart({ probe }: { probe: ProbeView }) {
  const { bars, xMin, xMax } = chartBars(probe);
  const maxCount = Math.max(1, ...bars.map((bar) => bar.count));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const logMin = Math.log10(xMin);
  const logSpan = Math.log10(xMax) - logMin;
  const x = (ms: number) =>
    MARGIN.left + ((Math.log10(Math.min(Math.max(ms, xMin), xMax)) - logMin) / logSpan) * plotW;
  const y = (count: number) => MARGIN.top + plotH - (count / maxCount) * plotH;
  const ticks = logTicks(xMin, xMax);
  const isP95Over = probe.p95Ms >= probe.thresholdP95Ms;
  const isErrorRateOver = probe.errorRate >= probe.thresholdErrorRate;
  const markers = [
    { label: 'p50', ms: probe.p50Ms },
    { label: 'p95', ms: probe.p95Ms },
    { label: 'p99', ms: probe.p99Ms },
  ];

  return (
    <div className="probe stack">
      <dl className="stats" aria-label="Probe results">
        <div>
          <dt>Verdict</dt>
          <dd className={probe.passed ? 'verdict verdict-pass' : 'verdict verdict-fail'}>
            {probe.verdict}
          </dd>
        </div>
        <div>
          <dt>p95 latency</dt>
          <dd className={isP95Over ? 'bad' : 'good'}>
            {formatMs(probe.p95Ms)}{' '}
            <span className="muted">(limit {formatMs(probe.thresholdP95Ms)})</span>
          </dd>
        </div>
        <div>
          <dt>Error rate</dt>
          <dd className={isErrorRateOver ? 'bad' : 'good'}>
            {formatPercent(probe.errorRate)}{' '}
            <span className="muted">(limit {formatPercent(probe.thresholdErrorRate, 0)})</span>
          </dd>
        </div>
        <div>
          <dt>Sample size</dt>
          <dd>{probe.samples.toLocaleString()} requests</dd>
        </div>
        <div>
          <dt>p50 / p99 / max</dt>
          <dd>
            {formatMs(probe.p50Ms)} / {formatMs(probe.p99Ms)} / {formatMs(probe.maxMs)}
          </dd>
        </div>
      </dl>
      <svg
        className="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Latency histogram of ${probe.samples} requests: p50 ${Math.round(probe.p50Ms)} ms, p95 ${Math.round(probe.p95Ms)} ms, p99 ${Math.round(probe.p99Ms)} ms; limit ${probe.thresholdP95Ms} ms`}
      >
        <line
          className="axis"
          x1={MARGIN.left}
          y1={MARGIN.top + plotH}
          x2={WIDTH - MARGIN.right}
          y2={MARGIN.top + plotH}
        />
        <line
          className="axis"
          x1={MARGIN.left}
          y1={MARGIN.top}
          x2={MARGIN.left}
          y2={MARGIN.top + plotH}
        />
        {ticks.map((tick) => (
          <g key={tick}>
            <line
              className="tick"
              x1={x(tick)}
              y1={MARGIN.top + plotH}
              x2={x(tick)}
              y2={MARGIN.top + plotH + 4}
            />
            <text className="tick-label" x={x(tick)} y={HEIGHT - 16} textAnchor="middle">
              {tick}
            </text>
          </g>
        ))}
        <text className="tick-label" x={WIDTH - MARGIN.right} y={HEIGHT - 2} textAnchor="end">
          latency (ms, log scale)
        </text>
        <text className="tick-label" x={MARGIN.left - 6} y={MARGIN.top + 4} textAnchor="end">
          {maxCount}
        </text>
        <text className="tick-label" x={MARGIN.left - 6} y={MARGIN.top + plotH} textAnchor="end">
          0
        </text>
        {bars.map((bar) => {
          const isOver = bar.from >= probe.thresholdP95Ms;
          return (
            <rect
              key={`${bar.from}-${bar.to}`}
              className={isOver ? 'bar bar-over' : 'bar'}
              x={x(bar.from) + 0.5}
              y={y(bar.count)}
              width={Math.max(1, x(bar.to) - x(bar.from) - 1)}
              height={MARGIN.top + plotH - y(bar.count)}
            >
              <title>{`${Math.round(bar.from)}–${Math.round(bar.to)} ms: ${bar.count}`}</title>
            </rect>
          );
        })}
        {markers.map((marker, index) => (
          <g key={marker.label}>
            <line
              className="marker"
              x1={x(marker.ms)}
              y1={MARGIN.top}
              x2={x(marker.ms)}
              y2={MARGIN.top + plotH}
            />
            <text className="marker-label" x={x(marker.ms) + 3} y={MARGIN.top + 10 + index * 12}>
              {marker.label} {Math.round(marker.ms)}
            </text>
          </g>
        ))}
        <line
          className="threshold"
          x1={x(probe.thresholdP95Ms)}
          y1={MARGIN.top - 8}
          x2={x(probe.thresholdP95Ms)}
          y2={MARGIN.top + plotH}
        />
        <text
          className="threshold-label"
          x={x(probe.thresholdP95Ms) - 4}
          y={MARGIN.top - 10}
          textAnchor="end"
        >
          p95 limit {probe.thresholdP95Ms} ms
        </text>
      </svg>
    </div>
  );
}

/** 1-2-5 ticks per decade across the range. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(min)); decade <= max; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const tick = m * decade;
      if (tick >= min && tick <= max) ticks.push(Number(tick.toPrecision(3)));
    }
  }
  return ticks;
}
