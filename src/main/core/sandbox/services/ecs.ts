import type { Engine } from '../engine';
import type { StoredTaskDefinition } from '../state';
import {
  missing,
  objectList,
  optList,
  optNumber,
  optString,
  optStringList,
  reqString,
  wrongType,
  type Body,
} from '../validate';
import { AwsFault, epochSeconds } from '../wire';
import { arns, type WorldFixture } from '../world';
import type { Operation } from './types';

/** ECS answers every "cannot do that" about a task definition as ClientException. */
const clientError = (message: string): AwsFault => new AwsFault('ClientException', message);

/** `family`, `family:revision` or a full ARN, as DescribeTaskDefinition accepts. */
function findTaskDefinition(engine: Engine, ref: string): StoredTaskDefinition | undefined {
  const all = engine.state.taskDefinitions;
  if (ref.startsWith('arn:')) return all.find((t) => t.arn === ref);
  const [family, revision] = ref.split(':');
  if (revision === undefined) {
    return all
      .filter((t) => t.family === family && t.status === 'ACTIVE')
      .sort((a, b) => b.revision - a.revision)[0];
  }
  return all.find((t) => t.family === family && String(t.revision) === revision);
}

const requiresAttributes = [
  'com.amazonaws.ecs.capability.logging-driver.awslogs',
  'ecs.capability.execution-role-awslogs',
  'com.amazonaws.ecs.capability.docker-remote-api.1.19',
  'ecs.capability.secrets.asm.environment-variables',
  'com.amazonaws.ecs.capability.task-iam-role',
  'ecs.capability.container-health-check',
  'ecs.capability.task-eni',
];

/** The full task definition as DescribeTaskDefinition returns it, read-only fields included. */
export function taskDefinitionView(td: StoredTaskDefinition) {
  return {
    taskDefinitionArn: td.arn,
    ...td.body,
    family: td.family,
    revision: td.revision,
    status: td.status,
    requiresAttributes: requiresAttributes.map((name) => ({ name })),
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: epochSeconds(td.registeredAt),
    registeredBy: td.registeredBy,
  };
}

/** Members RegisterTaskDefinition accepts besides family/containerDefinitions/tags, with their JSON type. */
const registerMembers: Record<string, 'string' | 'list' | 'structure' | 'boolean'> = {
  taskRoleArn: 'string',
  executionRoleArn: 'string',
  networkMode: 'string',
  volumes: 'list',
  placementConstraints: 'list',
  requiresCompatibilities: 'list',
  cpu: 'string',
  memory: 'string',
  pidMode: 'string',
  ipcMode: 'string',
  proxyConfiguration: 'structure',
  inferenceAccelerators: 'list',
  ephemeralStorage: 'structure',
  runtimePlatform: 'structure',
  enableFaultInjection: 'boolean',
};

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value !== null && typeof value === 'object') return 'structure';
  return typeof value;
}

function checkContainer(c: Body, i: number): Body {
  const path = `containerDefinitions.${i + 1}`;
  const name = optString(c, 'name', `${path}.name`);
  if (name === undefined || name === '')
    throw clientError(`Container.name should not be null or empty (${path}.name).`);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw clientError(
      `Container.name contains invalid characters (${path}.name): letters, digits, hyphens and underscores only.`,
    );
  }
  const image = optString(c, 'image', `${path}.image`);
  if (image === undefined || image === '')
    throw clientError(`Container.image should not be null or empty (${path}.image).`);
  const mappings = optList(c, 'portMappings', `${path}.portMappings`) ?? [];
  objectList(mappings, `${path}.portMappings`).forEach((m, j) => {
    const port = optNumber(m, 'containerPort', `${path}.portMappings.${j + 1}.containerPort`);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw clientError(
        `${path}.portMappings.${j + 1}.containerPort must be a port between 1 and 65535.`,
      );
    }
  });
  for (const field of ['cpu', 'memory', 'memoryReservation'] as const)
    optNumber(c, field, `${path}.${field}`);
  for (const field of ['environment', 'secrets'] as const) {
    objectList(optList(c, field, `${path}.${field}`) ?? [], `${path}.${field}`);
  }
  return c;
}

function tagsOf(input: Body): { key: string; value: string }[] {
  return objectList(optList(input, 'tags') ?? [], 'tags').map((t, i) => ({
    key: reqString(t, 'key', missing, `tags.${i + 1}.key`),
    value: optString(t, 'value', `tags.${i + 1}.value`) ?? '',
  }));
}

function serviceView(engine: Engine, world: WorldFixture) {
  const a = arns(world);
  const s = engine.state.service;
  const n = world.service.desiredCount;
  const [blueTg, greenTg] = world.deploymentGroup.targetGroups;
  const loadBalancer = (tg: string, i: number) => ({
    targetGroupArn: a.targetGroup(tg, i),
    containerName: world.service.containerName,
    containerPort: world.service.containerPort,
  });
  const taskSet = (
    set: {
      id: string;
      taskDefinitionArn: string;
      createdAt: number;
      updatedAt: number;
      deploymentId?: string;
    },
    status: string,
    weight: number,
    running: number,
    tg: string,
    i: number,
  ) => ({
    id: set.id,
    taskSetArn: a.taskSet(set.id),
    serviceArn: a.service,
    clusterArn: a.cluster,
    startedBy: 'CodeDeploy',
    externalId: set.deploymentId,
    status,
    taskDefinition: set.taskDefinitionArn,
    computedDesiredCount: n,
    pendingCount: n - running,
    runningCount: running,
    createdAt: epochSeconds(set.createdAt),
    updatedAt: epochSeconds(set.updatedAt),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    loadBalancers: [loadBalancer(tg, i)],
    scale: { value: 100, unit: 'PERCENT' },
    stabilityStatus: running === n ? 'STEADY_STATE' : 'STABILIZING',
    stabilityStatusAt: epochSeconds(set.updatedAt),
    trafficWeight: weight,
  });
  const green = s.green;
  const greenPrimary = green !== undefined && s.prodWeightGreen === 100;
  const taskSets = [
    taskSet(
      s.blue,
      greenPrimary ? 'ACTIVE' : 'PRIMARY',
      100 - s.prodWeightGreen,
      n,
      blueTg ?? '',
      0,
    ),
  ];
  if (green !== undefined) {
    taskSets.push(
      taskSet(
        green,
        greenPrimary ? 'PRIMARY' : 'ACTIVE',
        s.prodWeightGreen,
        green.running ? n : 0,
        greenTg ?? '',
        1,
      ),
    );
  }
  // DescribeServices has no traffic weight on a task set; keep the ECS shape.
  const cleaned = taskSets.map(({ trafficWeight: _w, ...rest }) => rest);
  return {
    serviceArn: a.service,
    serviceName: world.service.name,
    clusterArn: a.cluster,
    loadBalancers: [loadBalancer(blueTg ?? '', 0)],
    status: 'ACTIVE',
    desiredCount: n,
    runningCount: n,
    pendingCount: 0,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    taskDefinition: greenPrimary ? green.taskDefinitionArn : s.taskDefinitionArn,
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    taskSets: cleaned,
    deployments: [],
    events: [],
    createdAt: epochSeconds(engine.state.createdAt - world.service.createdMinutesAgo * 60_000),
    placementConstraints: [],
    placementStrategy: [],
    healthCheckGracePeriodSeconds: 60,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'CODE_DEPLOY' },
    createdBy: world.deploymentGroup.serviceRoleArn,
    enableECSManagedTags: true,
    propagateTags: 'SERVICE',
    enableExecuteCommand: false,
  };
}

export const ecsOperations: Record<string, Operation> = {
  DescribeTaskDefinition: (input, { engine }) => {
    const ref = reqString(input, 'taskDefinition');
    const include = optStringList(input, 'include') ?? [];
    const bad = include.find((i) => i !== 'TAGS');
    if (bad !== undefined)
      throw new AwsFault(
        'InvalidParameterException',
        `include has an unknown value ${bad}; only TAGS is valid.`,
      );
    const td = findTaskDefinition(engine, ref);
    if (td === undefined) throw clientError('Unable to describe task definition.');
    return {
      taskDefinition: taskDefinitionView(td),
      tags: include.includes('TAGS') ? td.tags : undefined,
    };
  },

  RegisterTaskDefinition: (input, { engine, now }) => {
    const family = reqString(input, 'family');
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
      throw clientError(
        'Family contains invalid characters (family): letters, digits, hyphens and underscores only.',
      );
    }
    const list = optList(input, 'containerDefinitions');
    if (list === undefined) throw missing('containerDefinitions');
    if (list.length === 0)
      throw clientError('containerDefinitions must contain at least one container.');
    const containers = objectList(list, 'containerDefinitions').map(checkContainer);
    const names = containers.map((c) => String(c['name']));
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined)
      throw clientError(`Duplicate container name ${duplicate} in containerDefinitions.`);
    const body: Body = { containerDefinitions: containers };
    for (const [member, type] of Object.entries(registerMembers)) {
      const value = input[member];
      if (value === undefined || value === null) continue;
      if (jsonType(value) !== type) throw wrongType(member, `a ${type}`, value);
      body[member] = value;
    }
    const tags = tagsOf(input);
    const td = engine.registerTaskDefinition(family, body, tags, now);
    return { taskDefinition: taskDefinitionView(td), tags };
  },

  DescribeServices: (input, { engine, world }) => {
    const cluster = optString(input, 'cluster') ?? 'default';
    const a = arns(world);
    if (cluster !== world.cluster.name && cluster !== a.cluster) {
      throw new AwsFault('ClusterNotFoundException', 'Cluster not found.');
    }
    const services = optStringList(input, 'services');
    if (services === undefined) throw missing('services');
    if (services.length === 0 || services.length > 10) {
      throw new AwsFault(
        'InvalidParameterException',
        'services must name between 1 and 10 services.',
      );
    }
    const found = services.filter((s) => s === world.service.name || s === a.service);
    const missingOnes = services.filter((s) => !found.includes(s));
    return {
      services: found.map(() => serviceView(engine, world)),
      failures: missingOnes.map((s) => ({
        arn: s.startsWith('arn:') ? s : `${a.service.replace(/\/[^/]+$/, '')}/${s}`,
        reason: 'MISSING',
      })),
    };
  },
};
