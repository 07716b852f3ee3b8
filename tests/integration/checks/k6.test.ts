import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../../src/main/core/checks/probe';
import { AppError } from '../../../src/main/core/errors';
import { startServer } from './loopback';
import type { Loopback } from './loopback';

/**
 * A stand-in `k6` on a temp PATH: records its argv and the environment variables Greenlight passes, then behaves as
 * FAKE_K6_MODE says (write a summary and exit 0, exit 99 with crossed thresholds, or fail with exit 107).
 */
const FAKE_K6 = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.writeFileSync(process.env.FAKE_K6_RECORD, JSON.stringify({
  args,
  BASE_URL: process.env.BASE_URL,
  AUTH_TOKEN: process.env.AUTH_TOKEN,
  rate: process.env.GREENLIGHT_RATE_PER_SEC,
}));
const mode = process.env.FAKE_K6_MODE;
if (mode === 'crash') {
  process.stderr.write('ERRO[0000] GoError: The moduleSpecifier "load.js" couldn\\'t be found\\n');
  process.exit(107);
}
const exportPath = args[args.indexOf('--summary-export') + 1];
const crossed = mode === 'thresholds';
fs.writeFileSync(exportPath, JSON.stringify({
  state: { testRunDurationMs: 10000 },
  metrics: {
    http_req_duration: { avg: 40, min: 2, med: 30, max: 900, 'p(90)': 70, 'p(95)': crossed ? 610 : 120, 'p(99)': 400,
      thresholds: { 'p(95)<450': crossed } },
    http_req_failed: { passes: 3, fails: 1997, value: 0.0015 },
    http_reqs: { count: 2000, rate: 200 },
  },
}));
process.exit(crossed ? 99 : 0);
`;

describe('load gate through k6 (fake k6 binary)', () => {
  let dir: string;
  let env: Record<string, string | undefined>;
  let script: string;
  let record: string;
  let fleet: Loopback;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-k6-test-'));
    const bin = join(dir, 'bin');
    const k6 = join(bin, 'k6');
    mkdirSync(bin);
    writeFileSync(k6, FAKE_K6);
    chmodSync(k6, 0o755);
    script = join(dir, 'load.js');
    writeFileSync(script, 'export default function () {}\n');
    record = join(dir, 'record.json');
    env = {
      PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
      AUTH_TOKEN: 'tok-secret-123',
      FAKE_K6_RECORD: record,
      FAKE_K6_MODE: 'ok',
    };
    fleet = await startServer((_req, res) => res.end('ok'));
  });
  afterEach(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs k6 with --summary-export and parses its summary into the probe result (fake k6 binary)', async () => {
    const result = await runProbe({
      url: `${fleet.url}/health`,
      ratePerSec: 200,
      durationSec: 10,
      k6Script: script,
      env,
    });
    expect(result.engine).toBe('k6');
    expect(result.passed).toBe(true);
    expect(result.samples).toBe(2000);
    expect(result.latency).toMatchObject({ p50Ms: 30, p95Ms: 120, p99Ms: 400, maxMs: 900 });
    expect(result.requests).toMatchObject({ sent: 2000, errors: 3, ok: 1997 });
    expect(result.errorRate).toBeCloseTo(0.0015, 6);
    expect(result.evidence.artifacts[0]?.name).toBe('k6-summary.json');

    const seen = JSON.parse(readFileSync(record, 'utf8')) as {
      args: string[];
      BASE_URL: string;
      AUTH_TOKEN: string;
    };
    expect(seen.args[0]).toBe('run');
    expect(seen.args).toContain('--summary-export');
    expect(seen.args.at(-1)).toBe(script);
    expect(seen.BASE_URL).toBe(`${fleet.url}/health`);
    expect(seen.AUTH_TOKEN).toBe('tok-secret-123');
    // The token travels in the environment only: not on k6's command line, not in the evidence.
    expect(seen.args.join(' ')).not.toContain('tok-secret-123');
    expect(JSON.stringify(result)).not.toContain('tok-secret-123');
  });

  it("fails the gate when the script's own thresholds are crossed (k6 exit 99) (fake k6 binary)", async () => {
    env['FAKE_K6_MODE'] = 'thresholds';
    const result = await runProbe({
      url: fleet.url,
      ratePerSec: 200,
      durationSec: 10,
      k6Script: script,
      env,
    });
    expect(result.passed).toBe(false);
    expect(result.verdict.reasons).toEqual([
      'p95 610.0 ms is not under the 450 ms limit',
      'k6 threshold crossed: http_req_duration: p(95)<450',
    ]);
  });

  it('turns any other non-zero k6 exit into a clear error with what k6 said (fake k6 binary)', async () => {
    env['FAKE_K6_MODE'] = 'crash';
    let caught: unknown;
    try {
      await runProbe({ url: fleet.url, ratePerSec: 200, durationSec: 10, k6Script: script, env });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('k6_failed');
    expect((caught as AppError).message).toContain('k6 exited with code 107');
    expect((caught as AppError).message).toContain("couldn't be found");
  });

  it('falls back to the built-in probe, saying so, when no k6 is on PATH', async () => {
    const result = await runProbe({
      url: fleet.url,
      ratePerSec: 20,
      durationSec: 1,
      k6Script: script,
      env: { PATH: join(dir, 'empty') },
    });
    expect(result.engine).toBe('probe');
    expect(result.notes[0]).toContain('no k6 binary on PATH');
  });
});
