import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  awsErrorDetail,
  codeDeployEcsDriver,
  createAwsSession,
  runPreflight,
  type AwsCallMeta,
} from '../../../src/main/core/aws';
import { sandboxEnvironment } from '../../../src/main/core/config';
import { AppError } from '../../../src/main/core/errors';
import { faultProxy, sandboxDeployments, sandboxSession, silentServer } from './support';

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

const fakeEnv = (endpoint: string) =>
  sandboxEnvironment({
    endpoint,
    productionUrl: 'http://127.0.0.1:1',
    validationUrl: 'http://127.0.0.1:1',
    region: 'us-east-1',
    accountId: '111122223333',
  });
const creds = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' };

describe('AWS faults', () => {
  it('rides out a throttling storm: preflight passes and a deployment is watched to its end', async () => {
    const calls: AwsCallMeta[] = [];
    const s = await sandboxSession({ scenario: 'throttling' }, { onCall: (m) => calls.push(m) });
    try {
      const report = await runPreflight(s.session, '1.5.1');
      expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
      const driver = codeDeployEcsDriver(s.session);
      const current = await driver.describeCurrentTaskDefinition();
      // RegisterTaskDefinition and CreateDeployment get no SDK retry: a throttled one is retried by us.
      const registered = await retryOnThrottle(() =>
        driver.registerRevision(current, { version: '1.5.1' }),
      );
      const created = await retryOnThrottle(() =>
        driver.startDeployment({
          runId: 'run-throttled',
          version: '1.5.1',
          taskDefinitionArn: registered.arn,
          since: Date.now(),
        }),
      );
      const watch = driver.watch(created.deploymentId);
      for await (const o of watch) {
        if (o.status === 'Ready') {
          watch.expectAction('continue-ready');
          await retryOnThrottle(() => driver.approveTraffic(created.deploymentId));
          break;
        }
      }
      const after = driver.watch(created.deploymentId);
      const outcome = await after.done;
      expect(outcome.deployment?.status).toBe('Succeeded');
      // The SDK's adaptive retry absorbed throttles: some calls needed more than one attempt.
      expect(calls.some((c) => c.attempts > 1 && c.errorCode === undefined)).toBe(true);
      const mine = (await sandboxDeployments(s.sandbox)).filter(
        (d) => d.id === created.deploymentId,
      );
      expect(mine).toHaveLength(1);
    } finally {
      await s.close();
    }
    // Slow on purpose: after throttles the SDK's adaptive mode rate-limits the client (by design).
  }, 150_000);

  it('times out a silent endpoint with a clear, retryable AppError instead of hanging', async () => {
    const silent = await silentServer();
    const session = createAwsSession(fakeEnv(silent.url), {
      credentials: creds,
      maxAttempts: 2,
      timeouts: { connectMs: 500, socketMs: 600, requestMs: 600 },
    });
    try {
      const error = await errorOf(session.identity());
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(/^sts GetCallerIdentity got no answer in time/);
      expect(awsErrorDetail(error)).toMatchObject({
        retryable: true,
        service: 'sts',
        operation: 'GetCallerIdentity',
      });
      // Every other call is refused the same way (the account check comes first).
      const driver = codeDeployEcsDriver(session);
      expect((await errorOf(driver.checkImage('1.5.1'))).code).toBe('timeout');
    } finally {
      session.close();
      await silent.close();
    }
  });

  it('cancels an in-flight call when the session signal aborts', async () => {
    const silent = await silentServer();
    const controller = new AbortController();
    const session = createAwsSession(fakeEnv(silent.url), {
      credentials: creds,
      signal: controller.signal,
    });
    try {
      const pending = errorOf(session.identity());
      setTimeout(() => controller.abort(), 200);
      const error = await pending;
      expect(error.code).toBe('aborted');
      expect(awsErrorDetail(error)?.retryable).toBe(false);
    } finally {
      session.close();
      await silent.close();
    }
  });

  it('never counts an HTML 503 as an answer', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body>Service Unavailable</body></html>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const session = createAwsSession(fakeEnv(url), { credentials: creds, maxAttempts: 1 });
    try {
      const error = await errorOf(codeDeployEcsDriver(session).getDeployment('d-1'));
      expect(error.code).toBe('malformed-response');
      expect(awsErrorDetail(error)?.retryable).toBe(true);
      expect(awsErrorDetail(error)?.httpStatusCode).toBe(503);
    } finally {
      session.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a reset after CreateDeployment reached AWS does not produce a second deployment', async () => {
    const s = await sandboxSession();
    let resets = 0;
    const proxy = await faultProxy(s.sandbox.endpoint, (target) => {
      if (target.endsWith('.CreateDeployment') && resets === 0) {
        resets += 1;
        return 'reset-after-forwarding';
      }
      return 'forward';
    });
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: proxy.url,
      awsNow: () => s.sandbox.clock.now(),
      timeScale: s.sandbox.clock.timeScale,
    });
    try {
      const driver = codeDeployEcsDriver(session);
      const before = (await sandboxDeployments(s.sandbox)).length;
      const current = await driver.describeCurrentTaskDefinition();
      const registered = await driver.registerRevision(current, { version: '1.5.1' });
      const since = Date.now();
      const created = await driver.startDeployment({
        runId: 'run-reset',
        version: '1.5.1',
        taskDefinitionArn: registered.arn,
        since,
      });
      expect(created.how).toBe('reconciled');
      expect(created.evidence.map((m) => m.errorCode).filter(Boolean)).toContain(
        'connection-reset',
      );
      // The SDK did not resend it: exactly one CreateDeployment reached the proxy.
      expect(proxy.seen.filter((r) => r.target.endsWith('.CreateDeployment'))).toHaveLength(1);
      // A retry of ours (the engine resuming) finds it again instead of creating another.
      const again = await driver.startDeployment({
        runId: 'run-reset',
        version: '1.5.1',
        taskDefinitionArn: registered.arn,
        since,
      });
      expect(again).toMatchObject({ how: 'reconciled', deploymentId: created.deploymentId });
      const after = await sandboxDeployments(s.sandbox);
      expect(after.length).toBe(before + 1);
      expect(after[0]?.id).toBe(created.deploymentId);
    } finally {
      session.close();
      await proxy.close();
      await s.close();
    }
  });

  it('a reset before CreateDeployment reached AWS is reported as unconfirmed, and the retry creates exactly one', async () => {
    const s = await sandboxSession();
    let resets = 0;
    const proxy = await faultProxy(s.sandbox.endpoint, (target) => {
      if (target.endsWith('.CreateDeployment') && resets === 0) {
        resets += 1;
        return 'reset-before-forwarding';
      }
      return 'forward';
    });
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: proxy.url,
      awsNow: () => s.sandbox.clock.now(),
    });
    try {
      const driver = codeDeployEcsDriver(session);
      const before = (await sandboxDeployments(s.sandbox)).length;
      const current = await driver.describeCurrentTaskDefinition();
      const registered = await driver.registerRevision(current, { version: '1.5.1' });
      const since = Date.now();
      const request = {
        runId: 'run-lost',
        version: '1.5.1',
        taskDefinitionArn: registered.arn,
        since,
      };
      const error = await errorOf(driver.startDeployment(request));
      expect(error.code).toBe('create-deployment-unconfirmed');
      expect(error.detail).toMatchObject({ retryable: true, runId: 'run-lost' });
      expect((await sandboxDeployments(s.sandbox)).length).toBe(before);
      const created = await driver.startDeployment(request);
      expect(created.how).toBe('created');
      expect((await sandboxDeployments(s.sandbox)).length).toBe(before + 1);
    } finally {
      session.close();
      await proxy.close();
      await s.close();
    }
  });

  it('refuses to act in another account: nothing but GetCallerIdentity reaches AWS', async () => {
    const s = await sandboxSession({}, { env: { accountId: '999988887777' } });
    const proxy = await faultProxy(s.sandbox.endpoint, () => 'forward');
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: proxy.url,
    });
    try {
      const report = await runPreflight(session, '1.5.1');
      expect(report.checks[0]).toMatchObject({
        check: 'identity',
        status: 'error',
        error: { code: 'account-mismatch' },
      });
      expect(report.checks[0]?.summary).toContain(
        'signed in to AWS account 111122223333, but environment sandbox is account 999988887777',
      );
      expect(report.checks.slice(1).every((c) => c.status === 'skipped')).toBe(true);
      const driver = codeDeployEcsDriver(session);
      const error = await errorOf(
        driver.startDeployment({
          runId: 'run-x',
          version: '1.5.1',
          taskDefinitionArn:
            'arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:3',
        }),
      );
      expect(error.code).toBe('account-mismatch');
      expect(new Set(proxy.seen.map((r) => r.target))).toEqual(new Set(['/']));
      expect(proxy.seen.every((r) => r.body.includes('Action=GetCallerIdentity'))).toBe(true);
    } finally {
      session.close();
      await proxy.close();
      await s.close();
    }
  });

  it('keys rejected by AWS (sandbox sso-expired) surface as ExpiredTokenException for a non-SSO session', async () => {
    const s = await sandboxSession({ scenario: 'sso-expired' });
    try {
      const error = await errorOf(s.session.identity());
      expect(error.code).toBe('ExpiredTokenException');
      expect(awsErrorDetail(error)).toMatchObject({
        awsMessage: 'The security token included in the request is expired',
        retryable: false,
      });
    } finally {
      await s.close();
    }
  });
});

/** Our own retry of a single-attempt call that was throttled (what the runbook engine does). */
async function retryOnThrottle<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'ThrottlingException' || attempt >= 10)
        throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
