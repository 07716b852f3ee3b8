import { parseArgs } from 'node:util';
import { runProbe } from '../checks/probe';
import type { ProbeResult } from '../checks/probe';
import { UsageError } from './command';
import type { CommandModule } from './command';
import { runCheckFromCli } from './run-check';

const FLAG_FOR_FIELD: Record<string, string> = {
  url: 'URL',
  ratePerSec: '--rate',
  durationSec: '--duration',
  timeoutMs: '--timeout',
  'thresholds.p95Ms': '--p95',
  'thresholds.errorRate': '--error-rate',
  'thresholds.minSamples': '--min-samples',
  k6Script: '--k6-script',
};

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`${flag}: expected a number, got ${JSON.stringify(value)}`);
  }
  return n;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The human summary: figures, a small latency bar chart from the histogram, then the verdict. */
export function formatProbe(result: ProbeResult): string {
  const l = result.latency;
  const out = [
    `${result.engine === 'k6' ? 'k6' : 'Open-loop probe'}: GET ${result.url} at ${result.ratePerSec}/s for ${result.durationSec} s`,
    '',
    `  samples     ${result.samples} (sent ${result.requests.sent} of ${result.requests.scheduled} scheduled, achieved ${result.schedule.achievedRatePerSec}/s)`,
    `  errors      ${result.requests.errors} (${(result.errorRate * 100).toFixed(2)} %)${result.requests.timeouts > 0 ? `, ${result.requests.timeouts} timeouts` : ''}`,
    `  latency     p50 ${ms(l.p50Ms)}  p95 ${ms(l.p95Ms)}  p99 ${ms(l.p99Ms)}  max ${ms(l.maxMs)}  (from intended send time)`,
  ];
  const statuses = Object.entries(result.requests.byStatus);
  if (statuses.length > 0)
    out.push(`  statuses    ${statuses.map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  for (const e of result.errorSamples) out.push(`  error       ${e}`);
  if (result.histogram.length > 0) {
    // Coarsen to at most ~16 rows for a terminal.
    const step = Math.max(1, Math.ceil(result.histogram.length / 16));
    const rows: Array<{ from: number; to: number; count: number }> = [];
    for (let i = 0; i < result.histogram.length; i += step) {
      const slice = result.histogram.slice(i, i + step);
      rows.push({
        from: slice[0]?.fromMs ?? 0,
        to: slice.at(-1)?.toMs ?? 0,
        count: slice.reduce((n, b) => n + b.count, 0),
      });
    }
    const max = Math.max(...rows.map((r) => r.count));
    out.push('', '  latency histogram');
    for (const r of rows) {
      const label = `${r.from.toFixed(1)}-${r.to.toFixed(1)} ms`.padStart(22);
      out.push(
        `  ${label} ${'█'.repeat(Math.max(r.count > 0 ? 1 : 0, Math.round((r.count / max) * 40)))} ${r.count}`,
      );
    }
  }
  for (const note of result.notes) out.push('', `  note: ${note}`);
  out.push('');
  const t = result.verdict.thresholds;
  out.push(
    result.passed
      ? `Load gate PASSED (p95 < ${t.p95Ms} ms, errors < ${t.errorRate * 100} %, >= ${t.minSamples} samples).`
      : `Load gate FAILED: ${result.verdict.reasons.join('; ')}.`,
  );
  return out.join('\n');
}

export const probeCommand: CommandModule = {
  usage: [
    'Usage: greenlight probe URL --rate N --duration S [--timeout MS] [--p95 MS] [--error-rate F]',
    '                        [--min-samples N] [--k6-script FILE] [--json]',
    '',
    '  URL                the exact URL to GET, e.g. http://127.0.0.1:8081/health',
    '  --rate N           arrivals per second, fixed schedule (max 5000)',
    '  --duration S       seconds of arrivals (rate x duration = samples; a p95 wants >= 1000)',
    '  --timeout MS       per-request limit (default 5000)',
    '  --p95 MS           p95 limit (default 450)',
    '  --error-rate F     error-rate limit as a fraction (default 0.01)',
    '  --min-samples N    fewest samples the gate accepts (default 1000)',
    '  --k6-script FILE   run this k6 script instead when k6 is on PATH (BASE_URL=URL, AUTH_TOKEN passed through)',
    '  --json             print the full result as JSON',
    '',
    'Exits 0 when the gate passed, 1 when it failed. Progress goes to stderr.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        rate: { type: 'string' },
        duration: { type: 'string' },
        timeout: { type: 'string' },
        p95: { type: 'string' },
        'error-rate': { type: 'string' },
        'min-samples': { type: 'string' },
        'k6-script': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    const [url, ...extra] = positionals;
    if (url === undefined) throw new UsageError('URL is required');
    if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    const ratePerSec = numberFlag(values.rate, '--rate');
    const durationSec = numberFlag(values.duration, '--duration');
    if (ratePerSec === undefined) throw new UsageError('--rate N is required');
    if (durationSec === undefined) throw new UsageError('--duration S is required');
    const timeoutMs = numberFlag(values.timeout, '--timeout');
    const p95Ms = numberFlag(values.p95, '--p95');
    const errorRate = numberFlag(values['error-rate'], '--error-rate');
    const minSamples = numberFlag(values['min-samples'], '--min-samples');

    const needed = minSamples ?? 1000;
    if (!values.json && ratePerSec * durationSec < needed) {
      process.stderr.write(
        `note: ${ratePerSec}/s for ${durationSec} s is ${Math.round(ratePerSec * durationSec)} samples, fewer than the ` +
          `${needed} the gate needs: it will not pass (raise --rate or --duration, or lower --min-samples).\n`,
      );
    }
    const result = await runCheckFromCli('probe', FLAG_FOR_FIELD, (signal) =>
      runProbe({
        url,
        ratePerSec,
        durationSec,
        signal,
        thresholds: {
          ...(p95Ms !== undefined ? { p95Ms } : {}),
          ...(errorRate !== undefined ? { errorRate } : {}),
          ...(minSamples !== undefined ? { minSamples } : {}),
        },
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(values['k6-script'] !== undefined ? { k6Script: values['k6-script'] } : {}),
        onProgress: (p) => {
          process.stderr.write(
            `  ${p.elapsedSec.toFixed(0).padStart(4)}/${p.durationSec} s  sent ${p.sent}  errors ${p.errors}  in flight ${p.inFlight}  p95 so far ${p.p95SoFarMs.toFixed(1)} ms\n`,
          );
        },
      }),
    );
    if (result === undefined) return 130;
    process.stdout.write(
      values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatProbe(result)}\n`,
    );
    return result.passed ? 0 : 1;
  },
};
