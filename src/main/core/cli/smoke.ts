import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSmoke } from '../checks/smoke';
import type { SmokeResult } from '../checks/smoke';
import { UsageError } from './command';
import type { CommandModule } from './command';
import { runCheckFromCli } from './run-check';

const FLAG_FOR_FIELD: Record<string, string> = {
  baseUrl: '--base-url',
  delayRequestMs: '--delay',
  timeoutMs: '--timeout',
  collection: '--collection',
};

function integerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new UsageError(
      `${flag}: expected a whole number of milliseconds, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** The human table: one line per request, failures indented beneath, a verdict line last. */
export function formatSmoke(result: SmokeResult): string {
  const rows = result.requests.map((r, i) => ({
    n: String(i + 1),
    name: r.name,
    method: r.method,
    status: r.status === null ? '-' : String(r.status),
    time: r.timeMs === null ? '-' : `${r.timeMs} ms`,
    result: r.failedAssertions.length === 0 && r.status !== null ? 'ok' : 'FAIL',
    failures: r.failedAssertions,
  }));
  const header = {
    n: '#',
    name: 'request',
    method: 'method',
    status: 'status',
    time: 'time',
    result: 'result',
  };
  const w = (key: keyof typeof header): number =>
    Math.max(header[key].length, ...rows.map((r) => r[key].length));
  const line = (r: typeof header): string =>
    [
      r.n.padStart(w('n')),
      r.name.padEnd(w('name')),
      r.method.padEnd(w('method')),
      r.status.padEnd(w('status')),
      r.time.padStart(w('time')),
      r.result,
    ].join('  ');
  const out = [line(header)];
  for (const r of rows) {
    out.push(line(r));
    for (const f of r.failures) {
      // Script errors can span lines (a JSON parse error quotes the body): indent the continuation.
      const pad = ' '.repeat(w('n') + 4);
      out.push(
        `${' '.repeat(w('n') + 2)}✗ ${f.name}: ${f.message.trim().split('\n').join(`\n${pad}`)}`,
      );
    }
  }
  out.push('');
  if (result.error !== undefined) out.push(`Error: ${result.error}`);
  out.push(
    result.passed
      ? `Smoke gate PASSED: ${result.total} requests, ${result.assertions.total} assertions, ${result.durationMs} ms.`
      : `Smoke gate FAILED: ${result.failed} of ${result.total} requests failed ` +
          `(${result.assertions.failed} failed assertion${result.assertions.failed === 1 ? '' : 's'}).`,
  );
  return out.join('\n');
}

export const smokeCommand: CommandModule = {
  usage: [
    'Usage: greenlight smoke --collection FILE --base-url URL [--delay MS] [--timeout MS] [--junit FILE] [--json]',
    '',
    '  --collection FILE  Postman v2.1 collection (JSON)',
    '  --base-url URL     sets {{baseUrl}}: the validation listener, e.g. http://127.0.0.1:8081',
    '  --delay MS         pause between requests (default 250, as the playbook says)',
    '  --timeout MS       limit for the whole run (default: 30 s + 10 s per request)',
    "  --junit FILE       also write newman's JUnit XML report to FILE",
    '  --json             print the full result as JSON (includes the JUnit XML)',
    '',
    'Exits 0 when every request answered and every assertion held, 1 when the gate failed.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        collection: { type: 'string' },
        'base-url': { type: 'string' },
        delay: { type: 'string' },
        timeout: { type: 'string' },
        junit: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const { collection, 'base-url': baseUrl } = values;
    if (collection === undefined) throw new UsageError('--collection FILE is required');
    if (baseUrl === undefined) throw new UsageError('--base-url URL is required');
    const delayRequestMs = integerFlag(values.delay, '--delay');
    const timeoutMs = integerFlag(values.timeout, '--timeout');

    if (!values.json) process.stderr.write(`Running ${collection} against ${baseUrl}...\n`);
    const result = await runCheckFromCli('smoke', FLAG_FOR_FIELD, (signal) =>
      runSmoke({
        collection,
        baseUrl,
        signal,
        ...(delayRequestMs !== undefined ? { delayRequestMs } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      }),
    );
    if (result === undefined) return 130;
    if (values.junit !== undefined && result.junitXml !== '')
      writeFileSync(values.junit, result.junitXml);
    process.stdout.write(
      values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSmoke(result)}\n`,
    );
    return result.passed ? 0 : 1;
  },
};
