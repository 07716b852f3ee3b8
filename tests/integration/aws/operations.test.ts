import { CodeDeployClient, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { describe, expect, it } from 'vitest';
import {
  codeDeployEcsDriver,
  runPreflight,
  type DeploymentDriver,
  type DeploymentObservation,
} from '../../../src/main/core/aws';
import { AppError } from '../../../src/main/core/errors';
import { control, sandboxDeployments, sandboxSession, waitFor } from './support';

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

/** Registers 1.5.1 and creates its deployment for `runId`. */
async function deploy(driver: DeploymentDriver, runId: string, version = '1.5.1') {
  const current = await driver.describeCurrentTaskDefinition();
  const registered = await driver.registerRevision(current, { version });
  const created = await driver.startDeployment({
    runId,
    version,
    taskDefinitionArn: registered.arn,
  });
  return { current, registered, created };
}

describe('AWS driver against the sandbox (real SDK, real HTTP)', () => {
  it('preflight passes on a healthy sandbox and returns digest, group settings and request ids', async () => {
    const s = await sandboxSession();
    try {
      const report = await runPreflight(s.session, '1.5.1');
      expect(report.checks.map((c) => [c.check, c.status])).toEqual([
        ['identity', 'pass'],
        ['image', 'pass'],
        ['secrets', 'pass'],
        ['alarms', 'pass'],
        ['deployment-group', 'pass'],
        ['no-active-deployment', 'pass'],
      ]);
      expect(report.ok).toBe(true);
      const image = report.checks.find((c) => c.check === 'image');
      expect((image?.facts as { digest: string }).digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const group = report.checks.find((c) => c.check === 'deployment-group')?.facts;
      expect(group).toMatchObject({
        readyWait: { action: 'STOP_DEPLOYMENT', minutes: 20 },
        termination: { action: 'TERMINATE', minutes: 10 },
        alarms: {
          enabled: true,
          names: ['fixnado-sandbox-codedeploy-failures', 'fixnado-sandbox-alb-5xx'],
        },
        autoRollback: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      });
      for (const check of report.checks) {
        for (const meta of check.evidence) expect(meta.requestId).toBeTruthy();
      }
    } finally {
      await s.close();
    }
  });

  it('fails preflight for a missing image and for an alarm in ALARM, naming them', async () => {
    const s = await sandboxSession();
    try {
      await control(s.sandbox, { alarm: { name: 'fixnado-sandbox-alb-5xx', state: 'ALARM' } });
      const report = await runPreflight(s.session, '9.9.9');
      const byName = Object.fromEntries(report.checks.map((c) => [c.check, c]));
      expect(report.ok).toBe(false);
      expect(byName['image']?.status).toBe('fail');
      expect(byName['image']?.summary).toBe(
        'No image fixnado/backend:9.9.9 in ECR: push it first.',
      );
      expect(byName['image']?.evidence[0]?.errorCode).toBe('ImageNotFoundException');
      expect(byName['alarms']?.status).toBe('fail');
      expect(byName['alarms']?.summary).toBe('fixnado-sandbox-alb-5xx is in ALARM.');
    } finally {
      await s.close();
    }
  });

  it('registers a revision that differs only in the container image, with the tags carried', async () => {
    const s = await sandboxSession();
    try {
      const driver = codeDeployEcsDriver(s.session);
      const current = await driver.describeCurrentTaskDefinition();
      expect(current.image).toMatch(/fixnado\/backend:1\.4\.2$/);
      expect(current.tags.length).toBeGreaterThan(0);
      const registered = await driver.registerRevision(current, { version: '1.5.1' });
      expect(registered.image).toMatch(/fixnado\/backend:1\.5\.1$/);
      expect(registered.revision).toBe((current.taskDefinition.revision ?? 0) + 1);
      const fresh = await driver.describeCurrentTaskDefinition({ taskDefinition: registered.arn });
      expect(fresh.tags).toEqual(current.tags);
      // Everything but the revision's identity and the image must be equal.
      const strip = (td: typeof current.taskDefinition) => ({
        ...td,
        taskDefinitionArn: undefined,
        revision: undefined,
        registeredAt: undefined,
        registeredBy: undefined,
        containerDefinitions: td.containerDefinitions?.map((c) => ({ ...c, image: undefined })),
      });
      expect(strip(fresh.taskDefinition)).toEqual(strip(current.taskDefinition));
    } finally {
      await s.close();
    }
  });

  it('walks a deployment: not-ready continue refused, limit exceeded, Ready, approve, end the wait, Succeeded, already completed, last known good', async () => {
    const s = await sandboxSession();
    try {
      const driver = codeDeployEcsDriver(s.session);
      const group = await driver.readDeploymentGroup();
      const { created, registered } = await deploy(driver, 'run-walk');
      expect(created.how).toBe('created');
      expect(created.description).toBe('[greenlight-run:run-walk] Fixnado backend 1.5.1');

      const notReady = await errorOf(driver.approveTraffic(created.deploymentId));
      expect(notReady.code).toBe('DeploymentIsNotInReadyStateException');
      expect(notReady.detail).toMatchObject({
        retryable: false,
        awsCode: 'DeploymentIsNotInReadyStateException',
      });
      expect((notReady.detail as { requestId?: string }).requestId).toBeTruthy();

      const second = await errorOf(
        driver.startDeployment({
          runId: 'run-other',
          version: '1.5.1',
          taskDefinitionArn: registered.arn,
        }),
      );
      expect(second.code).toBe('DeploymentLimitExceededException');
      expect(second.message).toContain('Another deployment is already active');
      expect(second.detail).toMatchObject({ activeDeploymentId: created.deploymentId });
      expect(second.message).toContain(`Active: ${created.deploymentId}`);

      const observations: DeploymentObservation[] = [];
      const watch = driver.watch(created.deploymentId, {
        groupSettings: group.facts,
        onObservation: (o) => observations.push(o),
      });
      let approved = false;
      let finished = false;
      for await (const o of watch) {
        if (o.status === 'Ready' && !approved) {
          approved = true;
          expect(o.countdown).toMatchObject({ kind: 'ready-wait', action: 'STOP_DEPLOYMENT' });
          watch.expectAction('continue-ready');
          await driver.approveTraffic(created.deploymentId);
        }
        if (o.deployment.terminationWaitStarted && !finished) {
          finished = true;
          expect(o.countdown).toMatchObject({ kind: 'termination-wait', action: 'TERMINATE' });
          watch.expectAction('continue-termination');
          await driver.finishTermination(created.deploymentId);
        }
      }
      const outcome = await watch.done;
      expect(outcome.endedBy).toBe('terminal');
      expect(outcome.deployment?.status).toBe('Succeeded');
      expect(observations.every((o) => o.outOfBand.length === 0)).toBe(true);
      const events = outcome.target?.lifecycleEvents ?? [];
      expect(events.map((e) => e.name)).toEqual([
        'BeforeInstall',
        'Install',
        'AfterInstall',
        'AllowTestTraffic',
        'AfterAllowTestTraffic',
        'BeforeAllowTraffic',
        'AllowTraffic',
        'AfterAllowTraffic',
      ]);
      for (const e of events) {
        expect(e.status).toBe('Succeeded');
        expect(Date.parse(e.endTime ?? '')).toBeGreaterThanOrEqual(Date.parse(e.startTime ?? ''));
      }
      const statuses = observations.map((o) => o.status).filter((st, i, all) => st !== all[i - 1]);
      expect(statuses).toContain('Ready');
      expect(statuses.at(-1)).toBe('Succeeded');
      const green = (o: DeploymentObservation) =>
        o.target?.taskSets.find((t) => t.label === 'Green')?.trafficWeight;
      expect(observations.some((o) => green(o) === 0)).toBe(true);
      expect(observations.some((o) => green(o) === 100)).toBe(true);

      const stop = await driver.stopAndRollBack(created.deploymentId);
      expect(stop.stop.stopStatus).toBe('AlreadyCompleted');
      expect(stop.original?.status).toBe('Succeeded');
      expect(stop.rollbackDeploymentId).toBeUndefined();

      const lkg = await driver.lastKnownGood();
      expect(lkg.deploymentId).toBe(created.deploymentId);
      expect(lkg.taskDefinitionArn).toBe(registered.arn);
      expect(lkg.taskDefinitionStatus).toBe('ACTIVE');
      expect(lkg.appSpec.sha256).toBe(created.appSpecSha256);
    } finally {
      await s.close();
    }
  });

  it('stops with rollback and follows the rollback deployment to its end', async () => {
    const s = await sandboxSession();
    try {
      const driver = codeDeployEcsDriver(s.session);
      const { created } = await deploy(driver, 'run-stop');
      await waitFor(async () =>
        (await driver.getDeployment(created.deploymentId)).deployment.status === 'Ready'
          ? true
          : undefined,
      );
      const result = await driver.stopAndRollBack(created.deploymentId);
      expect(result.stop.stopStatus).toMatch(/Pending|Succeeded/);
      expect(result.original?.status).toBe('Stopped');
      expect(result.rollbackDeploymentId).toMatch(/^d-/);
      expect(result.rollback).toMatchObject({ creator: 'codeDeployRollback', status: 'Succeeded' });
      expect(result.rollback?.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(
        created.deploymentId,
      );
    } finally {
      await s.close();
    }
  });

  it('redeploys the last known good revision, with an alarm override only when given a reason', async () => {
    const s = await sandboxSession();
    try {
      const driver = codeDeployEcsDriver(s.session);
      const lkg = await driver.lastKnownGood();
      expect(lkg.image).toMatch(/:1\.4\.2$/);
      const refused = await errorOf(
        driver.redeployLastKnownGood({
          runId: 'run-lkg',
          lastKnownGood: lkg,
          overrideAlarms: { reason: '  ' },
        }),
      );
      expect(refused.code).toBe('override-needs-reason');
      const created = await driver.redeployLastKnownGood({
        runId: 'run-lkg',
        lastKnownGood: lkg,
        overrideAlarms: { reason: 'ALB 5xx alarm stuck in ALARM from the failed release' },
      });
      expect(created.how).toBe('created');
      expect(created.overrides.alarms).toBe('ALB 5xx alarm stuck in ALARM from the failed release');
      expect(created.appSpecSha256).toBe(lkg.appSpec.sha256);
      const { deployment } = await driver.getDeployment(created.deploymentId);
      expect(deployment.description).toContain('redeploy last known good');
    } finally {
      await s.close();
    }
  });

  it('reports the deployment someone else has active, and a stop done outside the console', async () => {
    const s = await sandboxSession();
    try {
      const driver = codeDeployEcsDriver(s.session);
      s.sandbox.setScenario('already-active');
      const active = await waitFor(async () => {
        const r = await driver.checkNoActiveDeployment();
        return r.ok ? undefined : r;
      });
      const theirs = active.facts.active[0];
      expect(theirs?.deploymentId).toMatch(/^d-/);
      expect(active.summary).toContain(theirs?.deploymentId ?? '?');
      const limit = await errorOf(deploy(driver, 'run-blocked'));
      expect(limit.code).toBe('DeploymentLimitExceededException');
      expect(limit.detail).toMatchObject({ activeDeploymentId: theirs?.deploymentId });

      // Stopped "in the AWS console": a separate client, not this session.
      const observations: DeploymentObservation[] = [];
      const watch = driver.watch(theirs?.deploymentId ?? '', {
        onObservation: (o) => observations.push(o),
      });
      await waitFor(() => (observations.length > 0 ? true : undefined));
      const console = new CodeDeployClient({
        region: 'us-east-1',
        endpoint: s.sandbox.endpoint,
        credentials: s.sandbox.credentials,
      });
      await console.send(
        new StopDeploymentCommand({
          deploymentId: theirs?.deploymentId,
          autoRollbackEnabled: false,
        }),
      );
      console.destroy();
      const outcome = await watch.done;
      expect(outcome.deployment?.status).toBe('Stopped');
      const noticed = observations.flatMap((o) => o.outOfBand);
      expect(noticed.map((n) => n.kind)).toContain('stopped');
      expect(await sandboxDeployments(s.sandbox)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: theirs?.deploymentId, status: 'Stopped' }),
        ]),
      );
    } finally {
      await s.close();
    }
  });
});
