import {
  ContinueDeploymentCommand,
  DeploymentIsNotInReadyStateException,
  DeploymentNotStartedException,
  GetApplicationRevisionCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { tempDir } from '../../support/temp';
import {
  APP,
  GROUP,
  TARGET,
  buildInfo,
  clients,
  createDeployment,
  info,
  registerRelease,
  rejection,
  waitStatus,
} from './support';

const MINUTE = 60_000;
const EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('sandbox: the blue/green lifecycle through the real SDK', () => {
  it('runs Created -> InProgress -> Ready -> (continue) traffic shift -> termination wait -> Succeeded, events in order with times', async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const { codedeploy, ecs } = clients(sandbox);
    const blueBefore = await buildInfo(sandbox.productionUrl);
    expect(blueBefore.version).toBe('1.4.2');

    const arn = await registerRelease(ecs, '1.5.1');
    expect(arn).toMatch(/:task-definition\/fixnado-sandbox-app:4$/);
    const id = await createDeployment(codedeploy, arn);
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);

    const created = await info(codedeploy, id);
    expect(['Created', 'InProgress']).toContain(created.status);
    expect(created.creator).toBe('user');
    expect(created.blueGreenDeploymentConfiguration?.deploymentReadyOption).toEqual({
      actionOnTimeout: 'STOP_DEPLOYMENT',
      waitTimeInMinutes: 20,
    });

    const ready = await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');
    // Waiting for approval: the validation listener serves green, production still blue.
    const green = await buildInfo(sandbox.validationUrl);
    expect(green.version).toBe('1.5.1');
    expect(green.commit).not.toBe(blueBefore.commit);
    expect(await buildInfo(sandbox.productionUrl)).toEqual(blueBefore);
    const readyTarget = (
      await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: TARGET }))
    ).deploymentTarget!.ecsTarget!;
    expect(readyTarget.status).toBe('Ready');
    expect(readyTarget.lifecycleEvents!.map((e) => e.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Pending',
      'Pending',
      'Pending',
    ]);
    const weights = Object.fromEntries(
      readyTarget.taskSetsInfo!.map((t) => [t.taskSetLabel, t.trafficWeight]),
    );
    expect(weights).toEqual({ Blue: 100, Green: 0 });
    expect(ready.instanceTerminationWaitTimeStarted).toBe(false);

    // Terminating early is refused before traffic has shifted.
    const early = await rejection(
      codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
      ),
    );
    expect(early).toBeInstanceOf(DeploymentIsNotInReadyStateException);

    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );
    const waiting = await waitStatus(
      codedeploy,
      id,
      (d) => d.instanceTerminationWaitTimeStarted === true,
      'the termination wait',
    );
    expect(waiting.status).toBe('InProgress');
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.5.1');
    const shifted = (
      await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: TARGET }))
    ).deploymentTarget!.ecsTarget!;
    expect(
      Object.fromEntries(shifted.taskSetsInfo!.map((t) => [t.taskSetLabel, t.trafficWeight])),
    ).toEqual({
      Blue: 0,
      Green: 100,
    });
    const service = (
      await ecs.send(
        new DescribeServicesCommand({
          cluster: 'fixnado-sandbox-cluster',
          services: ['fixnado-sandbox-app'],
        }),
      )
    ).services![0]!;
    expect(service.taskSets!.find((t) => t.status === 'PRIMARY')?.taskDefinition).toBe(arn);

    // TERMINATION_WAIT ends the 10-minute wait now.
    await codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
    );
    const done = await info(codedeploy, id);
    expect(done.status).toBe('Succeeded');

    const target = (
      await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: TARGET }))
    ).deploymentTarget!.ecsTarget!;
    const events = target.lifecycleEvents!;
    expect(events.map((e) => e.lifecycleEventName)).toEqual(EVENTS);
    expect(events.every((e) => e.status === 'Succeeded')).toBe(true);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      expect(e.startTime!.getTime()).toBeLessThanOrEqual(e.endTime!.getTime());
      if (i > 0)
        expect(events[i - 1]!.endTime!.getTime()).toBeLessThanOrEqual(e.startTime!.getTime());
    }
    expect(done.startTime!.getTime()).toBeLessThanOrEqual(events[0]!.startTime!.getTime());
    expect(done.createTime!.getTime()).toBeLessThanOrEqual(done.startTime!.getTime());
    // Ended early: well before the 10-minute termination wait would have.
    const afterAllow = events[7]!.endTime!.getTime();
    expect(done.completeTime!.getTime()).toBeGreaterThanOrEqual(afterAllow);
    expect(done.completeTime!.getTime()).toBeLessThan(afterAllow + 10 * MINUTE);

    // Green is now the service: production serves it, and the group's last good deployment is this one.
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.5.1');
    const groupInfo = (
      await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
      )
    ).deploymentGroupInfo!;
    expect(groupInfo.lastSuccessfulDeployment?.deploymentId).toBe(id);
    const revision = await codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: APP, revision: done.revision }),
    );
    expect(revision.revision?.appSpecContent?.content).toContain(arn);
  });

  it('answers DeploymentNotStartedException for targets until Install starts', async () => {
    sandbox = await startSandbox({ timeScale: 1 });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    const error = await rejection(
      codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id })),
    );
    expect(error).toBeInstanceOf(DeploymentNotStartedException);
    // 2 s to start + 3 s BeforeInstall of sandbox time, skipped through the control endpoint.
    await fetch(sandbox.controlUrl, { method: 'POST', body: JSON.stringify({ advanceMs: 6_000 }) });
    const listed = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
    expect(listed.targetIds).toEqual([TARGET]);
  });

  it('stops an unapproved deployment when the Ready window (20 min, STOP_DEPLOYMENT) runs out', async () => {
    sandbox = await startSandbox({ timeScale: 600 });
    const { codedeploy, ecs } = clients(sandbox);
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    // At 600x the window is 2 s of wall time: a slow poll may only see it end.
    await waitStatus(
      codedeploy,
      id,
      (d) => d.status === 'Ready' || d.status === 'Stopped',
      'Ready',
    );
    const stopped = await waitStatus(
      codedeploy,
      id,
      (d) => d.status === 'Stopped',
      'Stopped by the Ready timeout',
    );
    expect(stopped.errorInformation?.code).toBe('TIMEOUT');
    expect(stopped.rollbackInfo).toBeUndefined();
    const target = (
      await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: TARGET }))
    ).deploymentTarget!.ecsTarget!;
    const readyFrom = target.lifecycleEvents!.find(
      (e) => e.lifecycleEventName === 'AfterAllowTestTraffic',
    )!.endTime!;
    // Sandbox time, not wall time: the window is exactly the group's 20 minutes.
    expect(stopped.completeTime!.getTime() - readyFrom.getTime()).toBe(20 * MINUTE);
    expect(target.lifecycleEvents!.slice(5).map((e) => e.status)).toEqual([
      'Skipped',
      'Skipped',
      'Skipped',
    ]);
    // Green is gone: both listeners serve blue; approving now is too late.
    expect((await buildInfo(sandbox.validationUrl)).version).toBe('1.4.2');
    expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.4.2');
    const late = await rejection(
      codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
      ),
    );
    expect(late.name).toBe('DeploymentAlreadyCompletedException');
  });

  it('ready-timeout: the group reports a 1-minute Ready wait and the deployment honours it', async () => {
    sandbox = await startSandbox({ timeScale: 60, scenario: 'ready-timeout' });
    const { codedeploy, ecs } = clients(sandbox);
    const group = (
      await codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
      )
    ).deploymentGroupInfo!;
    expect(group.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes).toBe(
      1,
    );
    const id = await createDeployment(codedeploy, await registerRelease(ecs));
    const stopped = await waitStatus(codedeploy, id, (d) => d.status === 'Stopped', 'Stopped');
    expect(stopped.errorInformation?.code).toBe('TIMEOUT');
    expect(stopped.blueGreenDeploymentConfiguration?.deploymentReadyOption?.waitTimeInMinutes).toBe(
      1,
    );
  });

  it('keeps a deployment across a restart when given a state file', async () => {
    const dir = tempDir();
    try {
      const stateFile = `${dir.path}/sandbox.json`;
      sandbox = await startSandbox({ timeScale: 60, stateFile });
      let c = clients(sandbox);
      const arn = await registerRelease(c.ecs);
      const id = await createDeployment(c.codedeploy, arn);
      const before = await waitStatus(c.codedeploy, id, (d) => d.status === 'Ready', 'Ready');
      await sandbox.close();

      sandbox = await startSandbox({ timeScale: 60, stateFile });
      c = clients(sandbox);
      const after = await info(c.codedeploy, id);
      expect(after.status).toBe('Ready');
      expect(after.createTime).toEqual(before.createTime);
      expect((await buildInfo(sandbox.validationUrl)).version).toBe('1.5.1');
      await c.codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
      );
      await waitStatus(
        c.codedeploy,
        id,
        (d) => d.instanceTerminationWaitTimeStarted === true,
        'termination wait',
      );
      expect((await buildInfo(sandbox.productionUrl)).version).toBe('1.5.1');
      await c.codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
      );
      expect((await info(c.codedeploy, id)).status).toBe('Succeeded');
    } finally {
      await sandbox?.close();
      sandbox = undefined;
      dir.cleanup();
    }
  });
});
