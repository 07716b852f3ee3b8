import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../errors';

const NameValue = z.object({ name: z.string(), value: z.string() });

/** The seeded world (`resources/sandbox/world.json`): static facts; what changes lives in the sandbox state. */
export const WorldFixture = z.object({
  environment: z.string(),
  region: z.literal('us-east-1'),
  accountId: z.literal('111122223333'),
  caller: z.object({ arn: z.string(), userId: z.string() }),
  cluster: z.object({ name: z.string() }),
  service: z.object({
    name: z.string(),
    desiredCount: z.number().int().positive(),
    createdMinutesAgo: z.number(),
    containerName: z.string(),
    containerPort: z.number().int(),
  }),
  application: z.object({ name: z.string(), id: z.string(), createdMinutesAgo: z.number() }),
  deploymentGroup: z.object({
    name: z.string(),
    id: z.string(),
    deploymentConfigName: z.string(),
    serviceRoleArn: z.string(),
    readyWait: z.object({
      actionOnTimeout: z.enum(['STOP_DEPLOYMENT', 'CONTINUE_DEPLOYMENT']),
      waitTimeInMinutes: z.number().int().nonnegative(),
    }),
    termination: z.object({
      action: z.enum(['TERMINATE', 'KEEP_ALIVE']),
      terminationWaitTimeInMinutes: z.number().int().nonnegative(),
    }),
    alarms: z.array(z.string()),
    autoRollbackEvents: z.array(z.string()),
    targetGroups: z.tuple([z.string(), z.string()]),
    prodListenerArn: z.string(),
    testListenerArn: z.string(),
  }),
  taskDefinition: z.object({
    family: z.string(),
    taskRoleArn: z.string(),
    executionRoleArn: z.string(),
    networkMode: z.string(),
    requiresCompatibilities: z.array(z.string()),
    cpu: z.string(),
    memory: z.string(),
    runtimePlatform: z.record(z.string(), z.string()),
    registeredBy: z.string(),
    tags: z.array(z.object({ key: z.string(), value: z.string() })),
    container: z
      .object({
        name: z.string(),
        portMappings: z.array(
          z.object({ containerPort: z.number(), hostPort: z.number(), protocol: z.string() }),
        ),
        environment: z.array(NameValue),
        secrets: z.array(z.object({ name: z.string(), valueFrom: z.string() })),
      })
      .passthrough(),
    revisions: z.array(
      z.object({
        revision: z.number().int(),
        imageTag: z.string(),
        registeredMinutesAgo: z.number(),
      }),
    ),
  }),
  ecr: z.object({
    repositoryName: z.string(),
    images: z.array(
      z.object({
        tag: z.string(),
        digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
        sizeInBytes: z.number(),
        pushedMinutesAgo: z.number(),
      }),
    ),
    nextTag: z.string(),
  }),
  secret: z.object({
    name: z.string(),
    arnSuffix: z.string(),
    description: z.string(),
    versionId: z.string(),
    createdMinutesAgo: z.number(),
    changedMinutesAgo: z.number(),
    values: z.record(z.string(), z.string()),
  }),
  alarms: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      namespace: z.string(),
      metricName: z.string(),
      dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })),
      statistic: z.string(),
      period: z.number(),
      evaluationPeriods: z.number(),
      threshold: z.number(),
      comparisonOperator: z.string(),
    }),
  ),
  alarmTopicArn: z.string(),
  history: z.array(
    z.object({
      id: z.string().regex(/^d-[A-Z0-9]{9}$/),
      revision: z.number().int(),
      createdMinutesAgo: z.number(),
      durationMinutes: z.number(),
      description: z.string(),
    }),
  ),
});
export type WorldFixture = z.infer<typeof WorldFixture>;

/** Finds `resources/sandbox/<name>` from the sources (src/main/core/sandbox) or a build (out/main). */
export function sandboxResourcePath(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'sandbox', name);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new AppError(
    'sandbox_fixture_missing',
    `The sandbox fixture resources/sandbox/${name} was not found.`,
    {
      name,
    },
  );
}

/** Reads and checks the world fixture; a broken fixture is a bug in the repository, reported with its field. */
export function loadWorld(path: string = sandboxResourcePath('world.json')): WorldFixture {
  const parsed = WorldFixture.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'sandbox_fixture_invalid',
      `The sandbox world fixture is invalid at '${issue?.path.join('.') ?? '?'}': ${issue?.message ?? 'unknown'}`,
      { path },
    );
  }
  return parsed.data;
}

/** ARNs and names derived from the fixture, in AWS's formats. */
export function arns(world: WorldFixture) {
  const prefix = (service: string): string =>
    `arn:aws:${service}:${world.region}:${world.accountId}`;
  return {
    cluster: `${prefix('ecs')}:cluster/${world.cluster.name}`,
    service: `${prefix('ecs')}:service/${world.cluster.name}/${world.service.name}`,
    taskDefinition: (family: string, revision: number): string =>
      `${prefix('ecs')}:task-definition/${family}:${revision}`,
    taskSet: (id: string): string =>
      `${prefix('ecs')}:task-set/${world.cluster.name}/${world.service.name}/${id}`,
    secret: `${prefix('secretsmanager')}:secret:${world.secret.name}-${world.secret.arnSuffix}`,
    alarm: (name: string): string => `${prefix('cloudwatch')}:alarm:${name}`,
    targetGroup: (name: string, i: number): string =>
      `${prefix('elasticloadbalancing')}:targetgroup/${name}/${i === 0 ? '6d0ecf831eec9f09' : '2a9c0f3b5d7e1f48'}`,
    registry: `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com`,
    repository: `${prefix('ecr')}:repository/${world.ecr.repositoryName}`,
  };
}

/** The AppSpec an operator (or CodeDeploy's own rollback) uses for a task definition, as JSON text. */
export function appSpecFor(world: WorldFixture, taskDefinitionArn: string): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinitionArn,
            LoadBalancerInfo: {
              ContainerName: world.service.containerName,
              ContainerPort: world.service.containerPort,
            },
          },
        },
      },
    ],
  });
}
