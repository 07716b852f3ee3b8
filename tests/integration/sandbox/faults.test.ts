import {
  ContinueDeploymentCommand,
  GetDeploymentGroupCommand,
  CodeDeployClient,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import newman, { type NewmanRunSummary } from 'newman';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { sandboxResourcePath } from '../../../src/main/core/sandbox/world';
import {
  APP,
  GROUP,
  buildInfo,
  clientConfig,
  clients,
  control,
  createDeployment,
  registerRelease,
  rejection,
  waitStatus,
} from './support';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function runSmoke(baseUrl: string): Promise<NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: sandboxResourcePath('smoke-collection.json'),
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: [],
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

describe('sandbox: fault scenarios', () => {
  it('throttling: ~30% ThrottlingException, which the SDK retries (attempts > 1) on every protocol', async () => {
    sandbox = await startSandbox({ scenario: 'throttling' });
    const codedeploy = new CodeDeployClient(clientConfig(sandbox));
    const attempts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const out = await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
      );
      attempts.push(out.$metadata.attempts ?? 0);
    }
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    const cw = new CloudWatchClient(clientConfig(sandbox));
    const sts = new STSClient(clientConfig(sandbox));
    const others: number[] = [];
    for (let i = 0; i < 4; i++) {
      others.push((await cw.send(new DescribeAlarmsCommand({}))).$metadata.attempts ?? 0);
      others.push((await sts.send(new GetCallerIdentityCommand({}))).$metadata.attempts ?? 0);
    }
    expect(Math.max(...others)).toBeGreaterThan(1);

    // Without retries the throttle surfaces as the modelled exception class.
    const once = new CodeDeployClient(clientConfig(sandbox, { maxAttempts: 1 }));
    let throttled: unknown;
    for (let i = 0; i < 10 && throttled === undefined; i++) {
      try {
        await once.send(
          new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
        );
      } catch (error) {
        throttled = error;
      }
    }
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect((throttled as ThrottlingException).$metadata.httpStatusCode).toBe(400);
  });

  it('a fault injected mid-deployment through the control endpoint: smoke-fails during Ready, then an alarm after the shift', async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');

    const passing = await runSmoke(sandbox.validationUrl);
    expect(passing.run.failures).toEqual([]);
    expect(passing.run.stats.requests.total).toBe(5);

    expect((await control(sandbox, { scenario: 'smoke-fails' }))['scenario']).toBe('smoke-fails');
    const failing = await runSmoke(sandbox.validationUrl);
    const failed = failing.run.failures.map(
      (f) => `${f.source?.name ?? '?'}: ${f.error.test ?? f.error.message}`,
    );
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((f) => f.startsWith('Bookings:'))).toBe(true);
    // Blue (production) is unaffected by green's bug.
    expect((await fetch(`${sandbox.productionUrl}/api/v1/bookings`)).status).toBe(200);
    expect((await fetch(`${sandbox.validationUrl}/api/v1/bookings`)).status).toBe(500);

    await control(sandbox, { scenario: 'happy' });
    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );
    await waitStatus(
      codedeploy,
      id,
      (d) => d.instanceTerminationWaitTimeStarted === true,
      'termination wait',
    );
    await control(sandbox, { scenario: 'alarm-rollback' });
    const stopped = await waitStatus(
      codedeploy,
      id,
      (d) => d.status === 'Stopped',
      'Stopped by the alarm',
    );
    expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(stopped.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
  });

  it('an alarm set through the control endpoint stops an in-flight deployment', async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');
    await control(sandbox, {
      alarm: { name: 'fixnado-sandbox-codedeploy-failures', state: 'ALARM' },
    });
    const stopped = await waitStatus(codedeploy, id, (d) => d.status === 'Stopped', 'Stopped');
    expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(stopped.errorInformation?.message).toContain('fixnado-sandbox-codedeploy-failures');
  });

  it('sso-expired: AWS calls fail with ExpiredTokenException and the SSO portal with 401 UnauthorizedException', async () => {
    sandbox = await startSandbox();
    const portal = `${sandbox.endpoint}/federation/credentials?role_name=ReleaseEngineer&account_id=111122223333`;
    const fine = await fetch(portal, { headers: { 'x-amz-sso_bearer_token': 'token' } });
    expect(fine.status).toBe(200);
    const creds = (await fine.json()) as { roleCredentials: Record<string, unknown> };
    expect(Object.keys(creds.roleCredentials).sort()).toEqual([
      'accessKeyId',
      'expiration',
      'secretAccessKey',
      'sessionToken',
    ]);

    sandbox.setScenario('sso-expired');
    const sts = new STSClient(clientConfig(sandbox));
    const stsError = await rejection(sts.send(new GetCallerIdentityCommand({})));
    expect(stsError.name).toBe('ExpiredTokenException');
    const cd = new CodeDeployClient(clientConfig(sandbox));
    const cdError = await rejection(
      cd.send(new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP })),
    );
    expect(cdError.name).toBe('ExpiredTokenException');
    expect(cdError.message).toBe('The security token included in the request is expired');
    expect(cdError.$metadata?.httpStatusCode).toBe(400);
    const expired = await fetch(portal, { headers: { 'x-amz-sso_bearer_token': 'token' } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');

    await control(sandbox, { scenario: 'happy' });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('111122223333');
  });

  it('vpn-down: the validation listener refuses connections until the scenario is switched off', async () => {
    sandbox = await startSandbox();
    await control(sandbox, { scenario: 'vpn-down' });
    const error = await rejection(fetch(`${sandbox.validationUrl}/health`));
    expect(String((error as Error & { cause?: { code?: string } }).cause?.code)).toBe(
      'ECONNREFUSED',
    );
    expect((await fetch(`${sandbox.productionUrl}/health`)).status).toBe(200);
    await control(sandbox, { scenario: 'happy' });
    expect((await buildInfo(sandbox.validationUrl)).version).toBe('1.4.2');
  });

  it('the control endpoint lists scenarios and refuses bad input with the field named', async () => {
    sandbox = await startSandbox();
    const state = (await (await fetch(sandbox.controlUrl)).json()) as {
      scenario: string;
      scenarios: { name: string }[];
    };
    expect(state.scenario).toBe('happy');
    expect(state.scenarios.map((s) => s.name)).toContain('slow-green');
    const bad = await fetch(sandbox.controlUrl, {
      method: 'POST',
      body: '{"scenario":"meteor-strike"}',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      "'scenario'",
    );
    const junk = await fetch(sandbox.controlUrl, { method: 'POST', body: '{not json' });
    expect(junk.status).toBe(400);
    expect(sandbox.scenario()).toBe('happy');
  });
});
