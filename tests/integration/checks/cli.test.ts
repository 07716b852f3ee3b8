import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { greenlight } from '../../support/greenlight-cli';
import { smokeCollection, startServer } from './loopback';
import type { Loopback } from './loopback';

describe('greenlight smoke / greenlight probe (CLI)', () => {
  let dir: string;
  let fleet: Loopback;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-test-'));
    fleet = await startServer((req, res) => {
      res.statusCode = req.url === '/api/v1/bookings' ? 500 : 200;
      res.end('{"ok":true}');
    });
  });
  afterEach(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('smoke prints a table naming the failing request and exits 1; --json and --junit carry the same result', async () => {
    const file = join(dir, 'smoke.json');
    writeFileSync(file, JSON.stringify(smokeCollection(['/health', '/api/v1/bookings'])));
    const human = await greenlight([
      'smoke',
      '--collection',
      file,
      '--base-url',
      fleet.url,
      '--delay',
      '0',
    ]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('GET /api/v1/bookings');
    expect(human.stdout).toContain(
      '✗ status is 200: expected response to have status code 200 but got 500',
    );
    expect(human.stdout).toContain('Smoke gate FAILED: 1 of 2 requests failed');

    const junit = join(dir, 'junit.xml');
    const json = await greenlight([
      'smoke',
      '--collection',
      file,
      '--base-url',
      fleet.url,
      '--delay',
      '0',
      '--json',
      '--junit',
      junit,
    ]);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as { passed: boolean; failed: number; junitXml: string };
    expect(result).toMatchObject({ passed: false, failed: 1 });
    expect(readFileSync(junit, 'utf8')).toBe(result.junitXml);
  });

  it('probe exits 0 on a passing gate and 1 on a failing one, with --json', async () => {
    const pass = await greenlight([
      'probe',
      `${fleet.url}/health`,
      '--rate',
      '100',
      '--duration',
      '1',
      '--min-samples',
      '100',
      '--json',
    ]);
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.stdout)).toMatchObject({ passed: true, samples: 100, engine: 'probe' });

    const fail = await greenlight([
      'probe',
      `${fleet.url}/api/v1/bookings`,
      '--rate',
      '100',
      '--duration',
      '1',
      '--min-samples',
      '100',
    ]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain(
      'Load gate FAILED: error rate 100.00 % is not under the 1.00 % limit',
    );
  });

  it('bad flags exit 2 naming the flag', async () => {
    const zero = await greenlight(['probe', fleet.url, '--rate', '0', '--duration', '5']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain(
      '--rate: ratePerSec must be a number more than 0 and at most 5000',
    );
    const missing = await greenlight(['smoke', '--collection', 'x.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--base-url URL is required');
    const absurd = await greenlight(['probe', fleet.url, '--rate', '100', '--duration', 'forever']);
    expect(absurd.code).toBe(2);
    expect(absurd.stderr).toContain('--duration: expected a number');
  });
});
