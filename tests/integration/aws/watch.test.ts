import { describe, expect, it } from 'vitest';
import {
  createAwsSession,
  watchDeployment,
  type DeploymentObservation,
} from '../../../src/main/core/aws';
import { AppError } from '../../../src/main/core/errors';
import { answeringProxy, sandboxSession, type ScriptedAnswer } from './support';

type Step = {
  status: string;
  extra?: Record<string, unknown>;
  targetStarted?: boolean;
  throttle?: boolean;
};

/**
 * CodeDeploy answered from a script (GetDeployment walks through `steps`, one per call); STS goes on to the
 * sandbox. Lets the watcher meet what the sandbox never does: unknown statuses, a throttled poll, an out-of-band
 * stop with a rollback.
 */
function scriptedCodeDeploy(upstream: string, steps: Step[]) {
  let index = 0;
  // The target answers as of the last GetDeployment.
  let current: Step = steps[0] ?? { status: 'Succeeded' };
  const reply = (status: number, payload: unknown): ScriptedAnswer => ({
    status,
    payload,
    requestId: `req-${index}`,
  });
  return answeringProxy(upstream, (target) => {
    if (target.endsWith('.GetDeployment')) {
      const step = steps[Math.min(index, steps.length - 1)] ?? { status: 'Succeeded' };
      current = step;
      index += 1;
      if (step.throttle) {
        return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
      }
      return reply(200, {
        deploymentInfo: {
          deploymentId: 'd-SCRIPTED',
          status: step.status,
          blueGreenDeploymentConfiguration: {
            deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 20 },
            terminateBlueInstancesOnDeploymentSuccess: {
              action: 'TERMINATE',
              terminationWaitTimeInMinutes: 10,
            },
          },
          ...step.extra,
        },
      });
    }
    if (target.endsWith('.GetDeploymentTarget')) {
      const step = current;
      if (!step.targetStarted) {
        return reply(400, {
          __type: 'DeploymentNotStartedException',
          message: 'The specified deployment has not started',
        });
      }
      return reply(200, {
        deploymentTarget: {
          deploymentTargetType: 'ECSTarget',
          ecsTarget: {
            deploymentId: 'd-SCRIPTED',
            targetId: 'fixnado-sandbox-cluster:fixnado-sandbox-app',
            status: step.status,
            lifecycleEvents: [
              { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' },
              { lifecycleEventName: 'Install', status: 'InProgress' },
            ],
            taskSetsInfo: [
              {
                identifer: 'ecs-svc/1',
                taskSetLabel: 'Blue',
                trafficWeight: 100,
                status: 'PRIMARY',
              },
            ],
          },
        },
      });
    }
    return undefined;
  });
}

const quick = {
  fastMs: 50,
  normalMs: 50,
  slowMs: 50,
  throttleBaseMs: 50,
  errorBaseMs: 50,
  settleMs: 0,
};

describe('deployment watcher (mocked CodeDeploy: a scripted loopback server)', () => {
  it('tolerates a target not started yet, unknown statuses and throttled polls, and reports an out-of-band stop with its rollback', async () => {
    const s = await sandboxSession();
    const fake = await scriptedCodeDeploy(s.sandbox.endpoint, [
      { status: 'Created' },
      { status: 'InProgress', targetStarted: true },
      { status: 'Hibernating', targetStarted: true },
      { status: 'Hibernating', targetStarted: true, throttle: true },
      { status: 'Hibernating', targetStarted: true },
      {
        status: 'Stopped',
        targetStarted: true,
        extra: {
          errorInformation: {
            code: 'MANUAL_STOP',
            message: 'The deployment was stopped by a user',
          },
          rollbackInfo: {
            rollbackDeploymentId: 'd-ROLLBACK',
            rollbackMessage: 'Rollback to the last successful revision',
          },
        },
      },
    ]);
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: fake.url,
      maxAttempts: 1,
    });
    try {
      const seen: DeploymentObservation[] = [];
      const watch = watchDeployment(session, 'd-SCRIPTED', { pacing: quick, random: () => 0.5 });
      for await (const o of watch) seen.push(o);
      const outcome = await watch.done;
      expect(outcome.endedBy).toBe('terminal');
      expect(outcome.deployment?.status).toBe('Stopped');
      expect(seen[0]).toMatchObject({ kind: 'initial', status: 'Created', target: undefined });
      expect(seen.map((o) => o.status)).toContain('Hibernating');
      expect(seen.find((o) => o.status === 'Hibernating')?.changes).toContain(
        'status InProgress -> Hibernating',
      );
      const pollError = seen.find((o) => o.kind === 'poll-error');
      expect(pollError?.error?.code).toBe('ThrottlingException');
      const last = seen.at(-1);
      expect(last?.outOfBand.map((x) => x.kind).sort()).toEqual(['rollback-started', 'stopped']);
      expect(last?.changes).toContain('rollback deployment d-ROLLBACK');
      expect(last?.changes).toContain('error MANUAL_STOP: The deployment was stopped by a user');
    } finally {
      session.close();
      await fake.close();
      await s.close();
    }
  });

  it('sends heartbeats while nothing changes, and gives up with watch-timeout past its limit', async () => {
    const s = await sandboxSession();
    const fake = await scriptedCodeDeploy(s.sandbox.endpoint, [
      { status: 'Ready', targetStarted: true },
    ]);
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: fake.url,
    });
    try {
      const seen: DeploymentObservation[] = [];
      const watch = watchDeployment(session, 'd-SCRIPTED', {
        pacing: quick,
        heartbeatMs: 200,
        timeoutMs: 1_500,
        onObservation: (o) => seen.push(o),
      });
      const error = await watch.done.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('watch-timeout');
      expect((error as AppError).message).toMatch(/^Deployment d-SCRIPTED is still Ready after/);
      expect(seen.filter((o) => o.kind === 'heartbeat').length).toBeGreaterThan(0);
      expect(seen[0]?.countdown).toMatchObject({ kind: 'ready-wait', action: 'STOP_DEPLOYMENT' });
    } finally {
      session.close();
      await fake.close();
      await s.close();
    }
  });

  it('stops when asked, and when its signal aborts', async () => {
    const s = await sandboxSession();
    const fake = await scriptedCodeDeploy(s.sandbox.endpoint, [
      { status: 'InProgress', targetStarted: true },
    ]);
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: fake.url,
    });
    try {
      const first = watchDeployment(session, 'd-SCRIPTED', { pacing: quick });
      for await (const o of first) {
        expect(o.kind).toBe('initial');
        first.stop();
      }
      expect((await first.done).endedBy).toBe('cancelled');
      const controller = new AbortController();
      const second = watchDeployment(session, 'd-SCRIPTED', {
        pacing: quick,
        signal: controller.signal,
        onObservation: () => controller.abort(),
      });
      expect((await second.done).endedBy).toBe('cancelled');
    } finally {
      session.close();
      await fake.close();
      await s.close();
    }
  });
});
