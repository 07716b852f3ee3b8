import { createHash } from 'node:crypto';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../../src/main/core/sandbox/index';

export const APP = 'fixnado-sandbox-ecs';
export const GROUP = 'fixnado-sandbox-ecs';
export const TARGET = 'fixnado-sandbox-cluster:fixnado-sandbox-app';
export const IMAGE_REPO = '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend';

/** Client settings for the real SDK v3 against the sandbox (static fake credentials, us-east-1). */
export function clientConfig(sandbox: Sandbox, extra: Record<string, unknown> = {}) {
  return {
    endpoint: sandbox.endpoint,
    region: 'us-east-1',
    credentials: sandbox.credentials,
    ...extra,
  };
}

export function clients(sandbox: Sandbox) {
  return {
    codedeploy: new CodeDeployClient(clientConfig(sandbox)),
    ecs: new ECSClient(clientConfig(sandbox)),
  };
}

/** Polls `read` until `done` holds, at most `timeoutMs` of wall time; the error says what never happened. */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The playbook's step: describe the current task definition, swap the image, register a new revision. */
export async function registerRelease(ecs: ECSClient, tag = '1.5.1'): Promise<string> {
  const described = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: 'fixnado-sandbox-app', include: ['TAGS'] }),
  );
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _requires,
    compatibilities: _compat,
    registeredAt: _at,
    registeredBy: _by,
    deregisteredAt: _dereg,
    deleteRequestedAt: _del,
    ...input
  } = described.taskDefinition!;
  const containers = input.containerDefinitions!.map((c) =>
    c.name === 'app' ? { ...c, image: `${IMAGE_REPO}:${tag}` } : c,
  );
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      ...(input as RegisterTaskDefinitionCommandInput),
      containerDefinitions: containers,
      tags: described.tags,
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

export function appSpec(taskDefinitionArn: string): { content: string; sha256: string } {
  const content = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
          },
        },
      },
    ],
  });
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

export async function createDeployment(
  codedeploy: CodeDeployClient,
  taskDefinitionArn: string,
  description = 'Fixnado backend 1.5.1',
): Promise<string> {
  const out = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: APP,
      deploymentGroupName: GROUP,
      revision: { revisionType: 'AppSpecContent', appSpecContent: appSpec(taskDefinitionArn) },
      description,
    }),
  );
  return out.deploymentId!;
}

export async function info(
  codedeploy: CodeDeployClient,
  deploymentId: string,
): Promise<DeploymentInfo> {
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
}

export function waitStatus(
  codedeploy: CodeDeployClient,
  deploymentId: string,
  done: (d: DeploymentInfo) => boolean,
  what: string,
): Promise<DeploymentInfo> {
  return waitFor(what, () => info(codedeploy, deploymentId), done);
}

/** GET /health/info on a fleet listener. */
export async function buildInfo(url: string): Promise<{ version: string; commit: string }> {
  const res = await fetch(`${url}/health/info`);
  return (await res.json()) as { version: string; commit: string };
}

/** POST to the control endpoint; returns the snapshot. */
export async function control(
  sandbox: Sandbox,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const res = await fetch(sandbox.controlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`control answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The SDK error a rejected promise carried (name and class), for `toBeInstanceOf` checks. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be rejected, but it succeeded');
}
