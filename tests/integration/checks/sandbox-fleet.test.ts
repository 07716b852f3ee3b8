import { ContinueDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { exactPercentile } from '../../../src/main/core/checks/histogram';
import { runProbe } from '../../../src/main/core/checks/probe';
import { runSmoke } from '../../../src/main/core/checks/smoke';
import { checkVersion } from '../../../src/main/core/checks/version';
import { checkVpn } from '../../../src/main/core/checks/vpn';
import { startSandbox } from '../../../src/main/core/sandbox/index';
import type { Sandbox, ScenarioName } from '../../../src/main/core/sandbox/index';
import { commitOf } from '../../../src/main/core/sandbox/fleet';
import {
  buildInfo,
  clientConfig,
  clients,
  createDeployment,
  registerRelease,
  waitFor,
  waitStatus,
} from '../sandbox/support';

/** The sandbox's own smoke collection (health, info, services, bookings, timeline). */
const COLLECTION = fileURLToPath(
  new URL('../../../resources/sandbox/smoke-collection.json', import.meta.url),
);
/** The sandbox environment permits loopback as its "VPN" range (config/sandbox-environment.ts). */
const SANDBOX_CIDRS = ['127.0.0.0/8'];

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/**
 * Playbook sections 2-3 against the sandbox: register 1.5.1, create the deployment and wait for Ready, when the
 * validation listener serves green. Time runs 20x (Ready after ~5 s of wall time, a 60 s approval window).
 */
async function releaseAtReady(
  scenario: ScenarioName,
): Promise<{ sandbox: Sandbox; deploymentId: string; commit: string }> {
  const s = await startSandbox({ timeScale: 20, scenario });
  sandbox = s;
  const { codedeploy, ecs } = clients(s);
  const arn = await registerRelease(ecs, '1.5.1');
  const deploymentId = await createDeployment(codedeploy, arn);
  await waitStatus(codedeploy, deploymentId, (d) => d.status === 'Ready', 'Ready');
  const ecr = new ECRClient(clientConfig(s));
  const images = await ecr.send(
    new DescribeImagesCommand({
      repositoryName: 'fixnado/backend',
      imageIds: [{ imageTag: '1.5.1' }],
    }),
  );
  const digest = images.imageDetails?.[0]?.imageDigest ?? '';
  return { sandbox: s, deploymentId, commit: commitOf(digest) };
}

/** Closed loop: one request at a time, each timed from its own send, for `durationMs`. */
async function sequentialP95(
  url: string,
  durationMs: number,
): Promise<{ p95Ms: number; samples: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        })
        .on('error', reject);
    });
    latencies.push(performance.now() - t);
  }
  agent.destroy();
  return { p95Ms: exactPercentile(latencies, 95), samples: latencies.length };
}

describe('green-fleet validation against the sandbox fleet', () => {
  it('happy: green passes every gate at Ready, and production reports the new build after the shift', async () => {
    const { sandbox: s, deploymentId, commit } = await releaseAtReady('happy');

    const vpn = await checkVpn({ permittedCidrs: SANDBOX_CIDRS, validationUrl: s.validationUrl });
    expect(vpn.message).toContain('On the VPN');
    expect(vpn.passed).toBe(true);

    const before = await checkVersion({
      url: s.validationUrl,
      expectedVersion: '1.5.1',
      expectedCommit: commit,
    });
    expect(before.mismatches).toEqual([]);
    expect(before.passed).toBe(true);
    // Production still serves blue until traffic shifts.
    const prodBefore = await checkVersion({
      url: s.productionUrl,
      expectedVersion: '1.5.1',
      expectedCommit: commit,
    });
    expect(prodBefore.passed).toBe(false);
    expect(prodBefore.mismatches[0]).toBe('version is 1.4.2, expected 1.5.1');

    const smoke = await runSmoke({ collection: COLLECTION, baseUrl: s.validationUrl });
    expect(smoke.requests.filter((r) => r.failedAssertions.length > 0)).toEqual([]);
    expect(smoke.passed).toBe(true);
    expect(smoke.total).toBe(5);
    expect(smoke.evidence.ran).toContain('delay=250ms');

    const load = await runProbe({
      url: `${s.validationUrl}/health`,
      ratePerSec: 150,
      durationSec: 8,
    });
    expect(load.verdict.reasons).toEqual([]);
    expect(load.passed).toBe(true);
    expect(load.samples).toBe(1200);

    const { codedeploy } = clients(s);
    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' }),
    );
    await waitFor(
      'production to serve green',
      () => buildInfo(s.productionUrl),
      (b) => b.version === '1.5.1',
    );
    const after = await checkVersion({
      url: s.productionUrl,
      expectedVersion: '1.5.1',
      expectedCommit: commit,
    });
    expect(after.passed).toBe(true);
    expect(after.actual).toEqual({ version: '1.5.1', commit });
  });

  it('smoke-fails: the smoke gate fails naming the Bookings request and its status assertion', async () => {
    const { sandbox: s } = await releaseAtReady('smoke-fails');
    const smoke = await runSmoke({ collection: COLLECTION, baseUrl: s.validationUrl });
    expect(smoke.passed).toBe(false);
    expect(smoke.failed).toBe(1);
    const failing = smoke.requests.find((r) => r.failedAssertions.length > 0);
    expect(failing?.name).toBe('Bookings');
    expect(failing?.status).toBe(500);
    expect(failing?.failedAssertions.map((a) => a.name)).toContain('status is 200');
    expect(failing?.failedAssertions.find((a) => a.name === 'status is 200')?.message).toBe(
      'expected response to have status code 200 but got 500',
    );
    expect(smoke.junitXml).toContain('Bookings');
  });

  it('slow-green: the open-loop load gate fails on p95, while a closed-loop (sequential) measurement of the same fleet would have passed it', async () => {
    const { sandbox: s } = await releaseAtReady('slow-green');
    const url = `${s.validationUrl}/health`;
    // A closed loop sends the next request only when the last answered, so it meets each stall once.
    const closed = await sequentialP95(url, 5000);
    expect(closed.p95Ms).toBeLessThan(450);

    const open = await runProbe({ url, ratePerSec: 150, durationSec: 8 });
    expect(open.passed).toBe(false);
    expect(open.latency.p95Ms).toBeGreaterThan(450);
    expect(open.verdict.reasons).toEqual([
      expect.stringMatching(/^p95 \d+\.\d ms is not under the 450 ms limit$/),
    ]);
    expect(open.requests.errors).toBe(0);
    // The median stays low: only the tail shows the stalls.
    expect(open.latency.p50Ms).toBeLessThan(450);
  });

  it('vpn-down: the VPN check fails clearly, saying the validation listener is unreachable (the address half passes)', async () => {
    sandbox = await startSandbox({ timeScale: 20, scenario: 'vpn-down' });
    const port = new URL(sandbox.validationUrl).port;
    const vpn = await checkVpn({
      permittedCidrs: SANDBOX_CIDRS,
      validationUrl: sandbox.validationUrl,
      timeoutMs: 2000,
    });
    expect(vpn.passed).toBe(false);
    expect(vpn.failed).toEqual(['listener']);
    expect(vpn.message).toBe(
      `VPN check failed: the validation listener 127.0.0.1:${port} is not reachable (ECONNREFUSED).`,
    );
    expect(vpn.address.passed).toBe(true);
  });
});
