import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSmoke } from '../../../src/main/core/checks/smoke';
import type { SmokeProgress } from '../../../src/main/core/checks/smoke';
import { smokeCollection, startServer } from './loopback';
import type { Loopback } from './loopback';
import { appErrorOf } from '../../support/app-error';
import { closedPort } from '../../support/ports';

describe('smoke gate (real newman in a child process, loopback fleet)', () => {
  let dir: string;
  let fleet: Loopback;
  let hits: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-smoke-test-'));
    hits = [];
    fleet = await startServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/api/v1/bookings') {
        res.statusCode = 500;
        res.end('{"message":"internal error"}');
        return;
      }
      if (req.url === '/never') return; // holds the request open forever
      res.setHeader('content-type', 'application/json');
      res.end(
        req.url === '/health/info' ? '{"version":"1.5.1","commit":"abc1234"}' : '{"ok":true}',
      );
    });
  });
  afterEach(async () => {
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a healthy fleet, reporting each request, progress and the JUnit XML', async () => {
    const progress: SmokeProgress[] = [];
    const result = await runSmoke({
      collection: smokeCollection(),
      baseUrl: fleet.url,
      delayRequestMs: 0,
      onProgress: (p) => progress.push(p),
    });
    expect(result.error).toBeUndefined();
    expect(result.passed).toBe(true);
    expect(result.total).toBe(3);
    expect(result.failed).toBe(0);
    expect(result.assertions).toEqual({ total: 6, failed: 0 });
    expect(result.requests.map((r) => [r.name, r.method, r.url, r.status])).toEqual([
      ['GET /health', 'GET', `${fleet.url}/health`, 200],
      ['GET /health/info', 'GET', `${fleet.url}/health/info`, 200],
      ['GET /api/v1/services', 'GET', `${fleet.url}/api/v1/services`, 200],
    ]);
    expect(result.requests.every((r) => typeof r.timeMs === 'number')).toBe(true);
    // The collection's own baseUrl (port 1) was overridden: the fleet saw every request.
    expect(hits).toEqual(['/health', '/health/info', '/api/v1/services']);
    expect(progress.map((p) => `${p.completed}/${p.total} ${p.request.name}`)).toEqual([
      '1/3 GET /health',
      '2/3 GET /health/info',
      '3/3 GET /api/v1/services',
    ]);
    expect(result.junitXml).toContain('<testsuites name="Loopback smoke"');
    expect(result.junitXml).toContain('name="GET /health/info"');
    expect(result.evidence.artifacts).toEqual([
      { name: 'smoke-junit.xml', mediaType: 'application/xml', content: result.junitXml },
    ]);
    expect(result.evidence.ran).toContain(`baseUrl=${fleet.url}`);
  });

  it('uses the playbook delay of 250 ms between requests unless told otherwise', async () => {
    const result = await runSmoke({ collection: smokeCollection(['/health']), baseUrl: fleet.url });
    expect(result.evidence.ran).toContain('delay=250ms');
    expect(result.passed).toBe(true);
  });

  it('fails naming the failing request and assertion when a route answers 500', async () => {
    const result = await runSmoke({
      collection: smokeCollection(['/health', '/api/v1/bookings']),
      baseUrl: fleet.url,
      delayRequestMs: 0,
    });
    expect(result.passed).toBe(false);
    expect(result.failed).toBe(1);
    const failing = result.requests.filter((r) => r.failedAssertions.length > 0);
    expect(failing).toHaveLength(1);
    expect(failing[0]?.name).toBe('GET /api/v1/bookings');
    expect(failing[0]?.status).toBe(500);
    expect(failing[0]?.failedAssertions).toEqual([
      { name: 'status is 200', message: 'expected response to have status code 200 but got 500' },
    ]);
    // Per request and for the run, as newman counts them.
    expect(result.requests.map((r) => r.assertions)).toEqual([
      { total: 2, failed: 0 },
      { total: 2, failed: 1 },
    ]);
    expect(result.assertions).toEqual({ total: 4, failed: 1 });
    expect(result.junitXml).toContain('<failure');
  });

  it('runs a collection file from disk', async () => {
    const file = join(dir, 'smoke.postman_collection.json');
    writeFileSync(file, JSON.stringify(smokeCollection(['/health'])));
    const result = await runSmoke({ collection: file, baseUrl: fleet.url, delayRequestMs: 0 });
    expect(result.passed).toBe(true);
    expect(result.evidence.ran).toContain('Loopback smoke');
  });

  it('also runs in a worker thread', async () => {
    const result = await runSmoke({
      collection: smokeCollection(['/health', '/api/v1/bookings']),
      baseUrl: fleet.url,
      delayRequestMs: 0,
      isolation: 'worker',
    });
    expect(result.total).toBe(2);
    expect(result.failed).toBe(1);
    expect(result.evidence.ran).toContain('worker thread');
  });

  it('fails every request with the connection error against an unreachable fleet, without hanging', async () => {
    const port = await closedPort();
    const result = await runSmoke({
      collection: smokeCollection(['/health', '/health/info']),
      baseUrl: `http://127.0.0.1:${port}`,
      delayRequestMs: 0,
      requestTimeoutMs: 2000,
    });
    expect(result.passed).toBe(false);
    expect(result.failed).toBe(2);
    for (const request of result.requests) {
      expect(request.status).toBeNull();
      expect(request.error).toContain('ECONNREFUSED');
      expect(request.failedAssertions[0]).toMatchObject({ name: 'request' });
    }
  });

  it('stops at the run timeout and reports what finished, with the assertions those requests made', async () => {
    // /never holds its request open; newman's own request timeout is far away, so only the run timeout ends it.
    // The request before it answers 500: its status assertion fails, its body assertion passes.
    const result = await runSmoke({
      collection: smokeCollection(['/api/v1/bookings', '/never', '/health/info']),
      baseUrl: fleet.url,
      delayRequestMs: 0,
      requestTimeoutMs: 300_000,
      timeoutMs: 8000,
    });
    expect(result.passed).toBe(false);
    // On a loaded machine newman may still be loading when the limit hits: 0 or 1 requests done, never /never.
    expect(result.error).toMatch(/did not finish within 8000 ms \([01] of 3 requests done\)$/);
    expect(result.requests.map((r) => r.name)).not.toContain('GET /never');
    expect(result.requests.every((r) => r.status === 500)).toBe(true);
    const done = result.requests.length;
    expect(result.assertions).toEqual({ total: 2 * done, failed: done });
  });

  it('is cancelled by its AbortSignal', async () => {
    const controller = new AbortController();
    const error = await appErrorOf(
      runSmoke({
        collection: smokeCollection(['/health', '/never']),
        baseUrl: fleet.url,
        delayRequestMs: 0,
        requestTimeoutMs: 60_000,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    );
    expect(error.code).toBe('check_cancelled');
  });

  it('rejects malformed collections naming what is wrong, before starting newman', async () => {
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{ "info": { "name": "x" }, "item": [ ');
    let error = await appErrorOf(runSmoke({ collection: notJson, baseUrl: fleet.url }));
    expect(error.code).toBe('smoke_collection_invalid');
    expect(error.message).toContain('is not valid JSON');

    error = await appErrorOf(
      runSmoke({ collection: join(dir, 'missing.json'), baseUrl: fleet.url }),
    );
    expect(error.code).toBe('smoke_collection_unreadable');
    expect(error.message).toContain('ENOENT');

    const noUrl = smokeCollection(['/health', '/x']);
    const items = noUrl['item'] as Array<{ request: Record<string, unknown> }>;
    delete items[1]!.request['url'];
    error = await appErrorOf(runSmoke({ collection: noUrl, baseUrl: fleet.url }));
    expect(error.code).toBe('smoke_collection_invalid');
    expect(error.message).toContain('collection.item[1].request.url is missing');

    error = await appErrorOf(runSmoke({ collection: { info: { name: 'x' } }, baseUrl: fleet.url }));
    expect(error.message).toContain('collection.item is missing');

    error = await appErrorOf(
      runSmoke({
        collection: { info: { name: 'x' }, item: [{ name: 'folder', item: [] }] },
        baseUrl: fleet.url,
      }),
    );
    expect(error.message).toContain('holds no requests');

    error = await appErrorOf(
      runSmoke({ collection: { name: 'old', requests: [{ url: 'x' }] }, baseUrl: fleet.url }),
    );
    expect(error.message).toContain('Postman v1 collection');
    expect(hits).toEqual([]);
  });

  it('says where it looked when the newman runner file is missing (a build that did not copy it)', async () => {
    const error = await appErrorOf(
      runSmoke({
        collection: smokeCollection(),
        baseUrl: fleet.url,
        runnerPath: join(dir, 'nope.mjs'),
      }),
    );
    expect(error.code).toBe('smoke_runner_missing');
    expect(error.message).toContain(join(dir, 'nope.mjs'));
  });

  it('rejects a bad base URL or delay naming the field', async () => {
    let error = await appErrorOf(
      runSmoke({ collection: smokeCollection(), baseUrl: 'fleet.local' }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('baseUrl');
    error = await appErrorOf(
      runSmoke({ collection: smokeCollection(), baseUrl: fleet.url, delayRequestMs: -5 }),
    );
    expect(error.message).toContain('delayRequestMs');
  });
});
