import {
  ContinueDeploymentCommand,
  DeploymentAlreadyCompletedException,
  DeploymentLimitExceededException,
  GetApplicationRevisionCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import {
  APP,
  GROUP,
  TARGET,
  buildInfo,
  clientConfig,
  clients,
  createDeployment,
  info,
  registerRelease,
  rejection,
  waitFor,
  waitStatus,
} from './support';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function alarmState(s: Sandbox, name: string): Promise<string | undefined> {
  const cw = new CloudWatchClient(clientConfig(s));
  const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  return out.MetricAlarms?.[0]?.StateValue;
}

describe('sandbox: stops, rollbacks and the one-active-deployment rule', () => {
  it('StopDeployment(autoRollbackEnabled) after traffic shifted: Stopped + a codeDeployRollback deployment that restores blue', async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');

    // The one-active rule holds while it waits for approval.
    const second = await rejection(
      createDeployment(codedeploy, await registerRelease(ecs, '1.5.0')),
    );
    expect(second).toBeInstanceOf(DeploymentLimitExceededException);
    expect(second.message).toContain(id);

    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );
    await waitStatus(
      codedeploy,
      id,
      (d) => d.instanceTerminationWaitTimeStarted === true,
      'traffic shifted',
    );
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.5.1');

    const stop = await codedeploy.send(
      new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }),
    );
    expect(stop.status).toBe('Pending');

    const stopped = await waitStatus(
      codedeploy,
      id,
      (d) => d.status === 'Stopped' && d.rollbackInfo?.rollbackDeploymentId !== undefined,
      'Stopped with a rollback id',
    );
    expect(stopped.errorInformation?.code).toBe('MANUAL_STOP');
    const rollbackId = stopped.rollbackInfo!.rollbackDeploymentId!;

    const rollback = await info(codedeploy, rollbackId);
    expect(rollback.creator).toBe('codeDeployRollback');
    expect(rollback.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(id);
    expect(rollback.revision).toEqual(stopped.previousRevision);

    // No new deployment while the rollback runs.
    if (rollback.status !== 'Succeeded') {
      const blocked = await rejection(
        createDeployment(codedeploy, await registerRelease(ecs, '1.5.0')),
      );
      expect(blocked).toBeInstanceOf(DeploymentLimitExceededException);
    }

    const rolledBack = await waitStatus(
      codedeploy,
      rollbackId,
      (d) => d.status === 'Succeeded',
      'rollback Succeeded',
    );
    expect(rolledBack.completeTime!.getTime()).toBeGreaterThanOrEqual(
      stopped.completeTime!.getTime(),
    );
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.4.2');
    expect((await buildInfo(sandbox.validationUrl)).version).toBe('1.4.2');

    // Last known good: group -> deployment -> revision -> the 1.4.2 task definition.
    const group = (
      await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
      )
    ).deploymentGroupInfo!;
    expect(group.lastSuccessfulDeployment?.deploymentId).toBe(rollbackId);
    const revision = await codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: APP, revision: rolledBack.revision }),
    );
    expect(revision.revision?.appSpecContent?.content).toContain(
      'task-definition/fixnado-sandbox-app:3',
    );

    const again = await rejection(codedeploy.send(new StopDeploymentCommand({ deploymentId: id })));
    expect(again).toBeInstanceOf(DeploymentAlreadyCompletedException);
    // The group is free again.
    expect(await createDeployment(codedeploy, await registerRelease(ecs, '1.5.0'))).toMatch(/^d-/);
  });

  it('alarm-rollback: the ALB 5xx alarm fires after traffic shifts -> Stopped ALARM_ACTIVE and an automatic rollback', async () => {
    sandbox = await startSandbox({ timeScale: 60, scenario: 'alarm-rollback' });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');
    expect(await alarmState(sandbox, 'fixnado-sandbox-alb-5xx')).toBe('OK');
    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );

    const stopped = await waitStatus(
      codedeploy,
      id,
      (d) => d.status === 'Stopped',
      'Stopped by the alarm',
    );
    expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE');
    expect(stopped.errorInformation?.message).toContain('fixnado-sandbox-alb-5xx');
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-/);
    const rollback = await waitStatus(
      codedeploy,
      rollbackId!,
      (d) => d.status === 'Succeeded',
      'rollback Succeeded',
    );
    expect(rollback.creator).toBe('codeDeployRollback');
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.4.2');
    // The 5xx stop once blue serves again.
    expect(await alarmState(sandbox, 'fixnado-sandbox-alb-5xx')).toBe('OK');
  });

  it('hook-fails: AfterAllowTestTraffic fails -> Failed HOOK_EXECUTION_FAILURE, later events skipped, rollback started', async () => {
    sandbox = await startSandbox({ timeScale: 60, scenario: 'hook-fails' });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    const failed = await waitStatus(codedeploy, id, (d) => d.status === 'Failed', 'Failed');
    expect(failed.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    const target = (
      await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: TARGET }))
    ).deploymentTarget!.ecsTarget!;
    const byName = Object.fromEntries(
      target.lifecycleEvents!.map((e) => [e.lifecycleEventName, e]),
    );
    expect(byName['AfterAllowTestTraffic']?.status).toBe('Failed');
    expect(byName['AfterAllowTestTraffic']?.diagnostics?.errorCode).toBe('ScriptFailed');
    expect(byName['BeforeAllowTraffic']?.status).toBe('Skipped');
    expect(target.status).toBe('Failed');
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-/);
    await waitStatus(
      codedeploy,
      rollbackId!,
      (d) => d.status === 'Succeeded',
      'rollback Succeeded',
    );
    expect((await buildInfo(sandbox.validationUrl)).version).toBe('1.4.2');
  });

  it("already-active: another operator's deployment is listed and blocks ours until it is stopped", async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const { codedeploy, ecs } = clients(sandbox);
    const arn = await registerRelease(ecs);
    sandbox.setScenario('already-active');
    const listed = await waitFor(
      'the other deployment to be listed',
      () =>
        codedeploy.send(
          new ListDeploymentsCommand({
            applicationName: APP,
            deploymentGroupName: GROUP,
            includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
          }),
        ),
      (out) => (out.deployments ?? []).length === 1,
    );
    const otherId = listed.deployments![0]!;
    const other = await info(codedeploy, otherId);
    expect(other.creator).toBe('user');
    expect(other.description).toMatch(/started by/);
    const blocked = await rejection(createDeployment(codedeploy, arn));
    expect(blocked).toBeInstanceOf(DeploymentLimitExceededException);
    expect(blocked.message).toContain(otherId);
    // It stays in flight while the scenario is on (held in Install).
    await waitStatus(codedeploy, otherId, (d) => d.status === 'InProgress', 'InProgress');

    const stop = await codedeploy.send(
      new StopDeploymentCommand({ deploymentId: otherId, autoRollbackEnabled: false }),
    );
    expect(stop.status).toBe('Succeeded');
    expect((await info(codedeploy, otherId)).status).toBe('Stopped');
    expect(await createDeployment(codedeploy, arn)).toMatch(/^d-/);
  });
});
