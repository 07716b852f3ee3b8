import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runProbe } from '../../../src/main/core/checks/probe';
import type { ProbeOptions, ProbeResult } from '../../../src/main/core/checks/probe';
import { appErrorOf } from '../../support/app-error';

// The fleet runs in its own process: a stall of this test's thread must not hold up the fleet's answers, only
// (in-process mode) the probe's own timers and reads, which is exactly what the worker mode is there to avoid.
const FLEET = `
const http = require('node:http');
let count = 0;
const server = http.createServer((req, res) => {
  count += 1;
  setTimeout(() => res.end('ok'), 1);
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
require('node:readline').createInterface({ input: process.stdin }).on('line', () =>
  console.log(JSON.stringify({ count })),
);
process.stdin.on('end', () => process.exit(0));
`;

type Fleet = { url: string; requestCount(): Promise<number> };

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function startFleetProcess(): Promise<Fleet> {
  const child = spawn(process.execPath, ['-e', FLEET], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const waiting: Array<(line: Record<string, number>) => void> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    waiting.shift()?.(JSON.parse(line) as Record<string, number>);
  });
  const next = (): Promise<Record<string, number>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the fleet process did not answer in 10 s')),
        10_000,
      );
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const { port } = await next();
  return {
    url: `http://127.0.0.1:${port}/health`,
    requestCount: async () => {
      const answer = next();
      child.stdin?.write('count\n');
      return (await answer)['count'] ?? -1;
    },
  };
}

/**
 * Blocks this thread's event loop for `busyMs` out of every `periodMs` (a synchronous SQLite transaction, a GC, a
 * big JSON.stringify in the Electron main process) until `work` settles. Atomics.wait blocks the thread exactly like
 * synchronous work does, without burning a core that the other test files running beside this one need.
 */
async function whileStalling<T>(work: Promise<T>, busyMs: number, periodMs: number): Promise<T> {
  let settled = false;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const stalls = (async () => {
    while (!settled) {
      Atomics.wait(cell, 0, 0, busyMs);
      await sleep(periodMs - busyMs);
    }
  })();
  try {
    return await work;
  } finally {
    settled = true;
    await stalls;
  }
}

describe('load probe isolation from the caller’s event loop', () => {
  it('a healthy fleet passes the gate while the caller stalls 600 ms every second; run in-process, the stalls fail it', async () => {
    const fleet = await startFleetProcess();
    const options: ProbeOptions = { url: fleet.url, ratePerSec: 250, durationSec: 4 };

    const worker = await whileStalling(runProbe({ ...options, isolation: 'worker' }), 600, 1000);
    const inProcess = await whileStalling(
      runProbe({ ...options, isolation: 'in-process' }),
      600,
      1000,
    );

    // Same fleet, same load, every request answered in both runs: only where the sender ran differs.
    for (const r of [worker, inProcess] as ProbeResult[]) {
      expect(r.requests).toMatchObject({ scheduled: 1000, sent: 1000, ok: 1000, errors: 0 });
    }
    // What the release engineer sees: the worker's gate passes on the default p95 < 450 ms ...
    expect(worker.verdict.reasons, JSON.stringify(worker.latency)).toEqual([]);
    expect(worker.passed).toBe(true);
    // ... while on the stalled loop the same healthy fleet "fails" on p95, with the sender's lag in the notes.
    expect(inProcess.passed, JSON.stringify(inProcess.latency)).toBe(false);
    expect(inProcess.verdict.reasons).toEqual([
      expect.stringContaining('is not under the 450 ms limit'),
    ]);
    expect(inProcess.notes).toEqual([expect.stringContaining('The sender fell behind')]);
    expect(inProcess.latency.p95Ms).toBeGreaterThan(worker.latency.p95Ms);
  });

  it('cancelling a worker-mode probe rejects with check_cancelled and stops the load on the fleet', async () => {
    const fleet = await startFleetProcess();
    const controller = new AbortController();
    const progress: number[] = [];
    const error = await appErrorOf(
      runProbe({
        url: fleet.url,
        ratePerSec: 200,
        durationSec: 60,
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.sent);
          if (progress.length === 2) controller.abort();
        },
      }),
    );
    expect(error.code).toBe('check_cancelled');
    expect(error.message).toBe('The load check was cancelled before it finished.');
    expect(error.detail?.['sent']).toBeGreaterThanOrEqual(progress[1] ?? 1);
    const atCancel = await fleet.requestCount();
    // At 200/s a sender still alive would add ~100 requests in half a second.
    await sleep(500);
    expect((await fleet.requestCount()) - atCancel).toBeLessThan(5);
  });

  it('an already-aborted signal rejects at once in both modes, before any request', async () => {
    const fleet = await startFleetProcess();
    for (const isolation of ['worker', 'in-process'] as const) {
      const error = await appErrorOf(
        runProbe({
          url: fleet.url,
          ratePerSec: 100,
          durationSec: 5,
          isolation,
          signal: AbortSignal.abort(),
        }),
      );
      expect(error.code, isolation).toBe('check_cancelled');
      expect(error.detail, isolation).toMatchObject({ sent: 0 });
    }
    expect(await fleet.requestCount()).toBe(0);
  });

  it('bad input fails identically in both modes, naming the field', async () => {
    const cases: ProbeOptions[] = [
      { url: 'http://127.0.0.1:1', ratePerSec: 0, durationSec: 1 },
      { url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 86_400 },
      { url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 1, timeoutMs: 0 },
      { url: 'ftp://127.0.0.1/x', ratePerSec: 10, durationSec: 1 },
      { url: 'http://127.0.0.1:1', ratePerSec: 10, durationSec: 1, thresholds: { p95Ms: -1 } },
    ];
    for (const options of cases) {
      const inWorker = await appErrorOf(runProbe({ ...options, isolation: 'worker' }));
      const inProcess = await appErrorOf(runProbe({ ...options, isolation: 'in-process' }));
      expect(inWorker.code).toBe('invalid_input');
      expect(inWorker.toShape()).toEqual(inProcess.toShape());
    }
    const unknown = await appErrorOf(
      runProbe({
        url: 'http://127.0.0.1:1',
        ratePerSec: 10,
        durationSec: 1,
        isolation: 'thread' as ProbeOptions['isolation'],
      }),
    );
    expect(unknown.code).toBe('invalid_input');
    expect(unknown.detail?.['field']).toBe('isolation');
  });
});
