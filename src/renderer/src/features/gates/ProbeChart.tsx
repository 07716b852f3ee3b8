import type { ProbeView } from '../../../../shared/domain/run';
import { formatMs, formatPercent } from '../../lib/format';

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 22, right: 16, bottom: 34, left: 44 };

type Bar = { from: number; to: number; count: number };

/**
 * Buckets to draw: the histogram up to a sensible right edge (past the threshold and p99), everything beyond it
 * folded into the last bar, so one slow outlier does not squash the picture.
 */
export function chartBars(probe: ProbeView): { bars: Bar[]; xMax: number } {
  const xMax = Math.max(probe.thresholdP95Ms * 1.4, probe.p99Ms * 1.15, 10);
  const bars: Bar[] = [];
  let from = 0;
  for (const bucket of [...probe.histogram].sort((a, b) => a.upToMs - b.upToMs)) {
    if (from >= xMax) {
      const last = bars[bars.length - 1];
      if (last !== undefined) last.count += bucket.count;
    } else {
      bars.push({ from, to: Math.min(bucket.upToMs, xMax), count: bucket.count });
    }
    from = bucket.upToMs;
  }
  return { bars, xMax };
}

/** The probe's latency histogram with the p95 threshold line and the measured percentiles. */
export function ProbeChart({ probe }: { probe: ProbeView }) {
  const { bars, xMax } = chartBars(probe);
  const maxCount = Math.max(1, ...bars.map((bar) => bar.count));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number) => MARGIN.left + (Math.min(ms, xMax) / xMax) * plotW;
  const y = (count: number) => MARGIN.top + plotH - (count / maxCount) * plotH;
  const ticks = niceTicks(xMax);
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
          latency (ms)
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
        {markers.map((marker) => (
          <g key={marker.label}>
            <line
              className="marker"
              x1={x(marker.ms)}
              y1={MARGIN.top}
              x2={x(marker.ms)}
              y2={MARGIN.top + plotH}
            />
            <text className="marker-label" x={x(marker.ms) + 3} y={MARGIN.top + 10}>
              {marker.label}
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

function niceTicks(max: number): number[] {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let tick = 0; tick <= max; tick += step) ticks.push(Math.round(tick));
  return ticks;
}
