import { parseAppSpec } from '../appspec';
import type { Engine } from '../engine';
import {
  deploymentStatuses,
  sha256Hex,
  type DeploymentRecord,
  type DeploymentStatus,
} from '../state';
import {
  optBoolean,
  optObject,
  optString,
  optStringList,
  optTimestamp,
  reqString,
  type Body,
} from '../validate';
import { AwsFault, epochSeconds } from '../wire';
import { arns, type WorldFixture } from '../world';
import type { Operation, OperationContext } from './types';

const fault = (type: string, message: string) => (): AwsFault => new AwsFault(type, message);

function application(input: Body, world: WorldFixture): string {
  const name = reqString(
    input,
    'applicationName',
    fault(
      'ApplicationNameRequiredException',
      'The minimum number of required application names was not specified (applicationName).',
    ),
  );
  if (name !== world.application.name) {
    throw new AwsFault(
      'ApplicationDoesNotExistException',
      `No application found for name: ${name}`,
    );
  }
  return name;
}

function group(input: Body, world: WorldFixture): string {
  const name = reqString(
    input,
    'deploymentGroupName',
    fault(
      'DeploymentGroupNameRequiredException',
      'The deployment group name was not specified (deploymentGroupName).',
    ),
  );
  if (name !== world.deploymentGroup.name) {
    throw new AwsFault(
      'DeploymentGroupDoesNotExistException',
      `No Deployment Group found for name: ${name}`,
    );
  }
  return name;
}

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

function checkDeploymentId(id: string, path: string): void {
  if (!DEPLOYMENT_ID.test(id)) {
    throw new AwsFault(
      'InvalidDeploymentIdException',
      `Specified ${path} is not in the valid format: ${id}`,
    );
  }
}

function deployment(input: Body, engine: Engine): DeploymentRecord {
  const id = reqString(
    input,
    'deploymentId',
    fault(
      'DeploymentIdRequiredException',
      'At least one deployment ID must be specified (deploymentId).',
    ),
  );
  checkDeploymentId(id, 'deploymentId');
  const d = engine.find(id);
  if (d === undefined)
    throw new AwsFault(
      'DeploymentDoesNotExistException',
      `The deployment ${id} could not be found.`,
    );
  return d;
}

function targetId(world: WorldFixture): string {
  return `${world.cluster.name}:${world.service.name}`;
}

function targetStatus(d: DeploymentRecord): string {
  switch (d.status) {
    case 'Created':
    case 'Queued':
      return 'Pending';
    case 'Ready':
      return 'Ready';
    case 'Succeeded':
      return 'Succeeded';
    case 'Stopped':
    case 'Failed':
      return d.startTime === undefined ? 'Skipped' : 'Failed';
    default:
      return 'InProgress';
  }
}

/** AWS: the targets exist once Install has started; before that it answers DeploymentNotStartedException. */
function started(d: DeploymentRecord): boolean {
  if (d.kind === 'rollback') return d.startTime !== undefined;
  return d.events.some((e) => e.name === 'Install' && e.startTime !== undefined);
}

function revisionLocation(sha: string | undefined) {
  return sha === undefined
    ? undefined
    : { revisionType: 'AppSpecContent', appSpecContent: { sha256: sha } };
}

function blueGreen(d: Pick<DeploymentRecord, 'readyWait' | 'termination'>) {
  return {
    terminateBlueInstancesOnDeploymentSuccess: d.termination,
    deploymentReadyOption: d.readyWait,
  };
}

function loadBalancerInfo(world: WorldFixture) {
  const g = world.deploymentGroup;
  return {
    targetGroupPairInfoList: [
      {
        targetGroups: g.targetGroups.map((name) => ({ name })),
        prodTrafficRoute: { listenerArns: [g.prodListenerArn] },
        testTrafficRoute: { listenerArns: [g.testListenerArn] },
      },
    ],
  };
}

/** `DeploymentInfo` as GetDeployment returns it (never the AppSpec text: that is GetApplicationRevision's). */
export function deploymentInfo(d: DeploymentRecord, world: WorldFixture) {
  const status = targetStatus(d);
  const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  overview[status as keyof typeof overview] += 1;
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.groupName,
    deploymentConfigName: world.deploymentGroup.deploymentConfigName,
    deploymentId: d.id,
    previousRevision: revisionLocation(d.previousRevisionSha),
    revision: revisionLocation(d.revisionSha),
    status: d.status,
    errorInformation: d.errorInformation,
    createTime: epochSeconds(d.createTime),
    startTime: epochSeconds(d.startTime),
    completeTime: epochSeconds(d.completeTime),
    deploymentOverview: overview,
    description: d.description,
    creator: d.creator,
    ignoreApplicationStopFailures: d.ignoreApplicationStopFailures,
    autoRollbackConfiguration: d.autoRollback,
    updateOutdatedInstancesOnly: false,
    rollbackInfo: d.rollbackInfo,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    instanceTerminationWaitTimeStarted: d.instanceTerminationWaitTimeStarted,
    blueGreenDeploymentConfiguration: blueGreen(d),
    loadBalancerInfo: loadBalancerInfo(world),
    fileExistsBehavior: d.fileExistsBehavior,
    deploymentStatusMessages: d.statusMessages,
    computePlatform: 'ECS',
  };
}

function taskSetsInfo(d: DeploymentRecord, world: WorldFixture) {
  const n = world.service.desiredCount;
  const [blueTg, greenTg] = world.deploymentGroup.targetGroups;
  const install = d.events.find((e) => e.name === 'Install');
  const greenExists = d.kind === 'rollback' || install?.startTime !== undefined;
  const greenRunning = d.kind === 'rollback' || install?.status === 'Succeeded';
  // For a rollback the weights move back to blue when its AllowTraffic ends.
  const allow = d.events.find((e) => e.name === 'AllowTraffic');
  const greenWeight =
    d.kind === 'rollback'
      ? allow?.status === 'Succeeded'
        ? 0
        : 100
      : d.shiftedAt === undefined
        ? 0
        : 100;
  const finished = d.stage === 'done';
  const blueGone = d.kind === 'deploy' && d.status === 'Succeeded';
  const greenGone = finished && !blueGone;
  const sets = [
    {
      identifer: d.blueTaskSetId,
      desiredCount: blueGone ? 0 : n,
      pendingCount: 0,
      runningCount: blueGone ? 0 : n,
      status: blueGone ? 'DRAINING' : greenWeight === 100 ? 'ACTIVE' : 'PRIMARY',
      trafficWeight: 100 - greenWeight,
      targetGroup: { name: blueTg },
      taskSetLabel: 'Blue',
    },
  ];
  if (greenExists) {
    sets.push({
      identifer: d.greenTaskSetId,
      desiredCount: greenGone ? 0 : n,
      pendingCount: greenRunning || greenGone ? 0 : n,
      runningCount: greenRunning && !greenGone ? n : 0,
      status: greenGone ? 'DRAINING' : greenWeight === 100 ? 'PRIMARY' : 'ACTIVE',
      trafficWeight: greenWeight,
      targetGroup: { name: greenTg },
      taskSetLabel: 'Green',
    });
  }
  return sets;
}

function deploymentTarget(d: DeploymentRecord, world: WorldFixture) {
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: d.id,
      targetId: targetId(world),
      targetArn: arns(world).service,
      lastUpdatedAt: epochSeconds(d.targetLastUpdatedAt),
      lifecycleEvents: d.events.map((e) => ({
        lifecycleEventName: e.name,
        status: e.status,
        startTime: epochSeconds(e.startTime),
        endTime: epochSeconds(e.endTime),
        diagnostics: e.diagnostics,
      })),
      status: targetStatus(d),
      taskSetsInfo: taskSetsInfo(d, world),
    },
  };
}

function startedDeployment(input: Body, engine: Engine): DeploymentRecord {
  const d = deployment(input, engine);
  if (!started(d)) {
    throw new AwsFault(
      'DeploymentNotStartedException',
      `The deployment ${d.id} has not started yet; its targets appear once Install begins.`,
    );
  }
  return d;
}

function checkTarget(id: string, world: WorldFixture, d: DeploymentRecord): void {
  if (id !== targetId(world)) {
    throw new AwsFault(
      'DeploymentTargetDoesNotExistException',
      `The target ${id} does not exist in deployment ${d.id}.`,
    );
  }
}

function lastDeploymentInfo(d: DeploymentRecord | undefined) {
  return d === undefined
    ? undefined
    : {
        deploymentId: d.id,
        status: d.status,
        endTime: epochSeconds(d.completeTime),
        createTime: epochSeconds(d.createTime),
      };
}

function revisionInput(input: Body): { sha256?: string; content?: string; path: string } {
  const revision = optObject(input, 'revision');
  if (revision === undefined)
    throw new AwsFault('RevisionRequiredException', 'The revision was not specified (revision).');
  const type = reqString(
    revision,
    'revisionType',
    fault('InvalidRevisionException', 'revision.revisionType is required (AppSpecContent).'),
    'revision.revisionType',
  );
  if (type !== 'AppSpecContent' && type !== 'String') {
    throw new AwsFault(
      'InvalidRevisionException',
      `revision.revisionType ${type} is not supported for an ECS deployment: use AppSpecContent.`,
    );
  }
  const member = type === 'AppSpecContent' ? 'appSpecContent' : 'string';
  const path = `revision.${member}`;
  const spec = optObject(revision, member, path);
  if (spec === undefined)
    throw new AwsFault('InvalidRevisionException', `${path} is required for revisionType ${type}.`);
  return {
    content: optString(spec, 'content', `${path}.content`),
    sha256: optString(spec, 'sha256', `${path}.sha256`),
    path,
  };
}

const autoRollbackEvents = [
  'DEPLOYMENT_FAILURE',
  'DEPLOYMENT_STOP_ON_ALARM',
  'DEPLOYMENT_STOP_ON_REQUEST',
];

const createDeployment: Operation = (input, { engine, world, now }) => {
  const applicationName = application(input, world);
  const groupName = group(input, world);
  const description = optString(input, 'description');
  if (description !== undefined && description.length > 256) {
    throw new AwsFault(
      'DescriptionTooLongException',
      `The description is too long: ${description.length} characters, at most 256.`,
    );
  }
  const { content, sha256, path } = revisionInput(input);
  if (content === undefined || content === '') {
    throw new AwsFault(
      'InvalidRevisionException',
      `${path}.content is required: the AppSpec text.`,
    );
  }
  const computed = sha256Hex(content);
  if (sha256 !== undefined && sha256 !== '' && sha256.toLowerCase() !== computed) {
    throw new AwsFault(
      'InvalidRevisionException',
      `${path}.sha256 does not match the SHA-256 of ${path}.content (expected ${computed}).`,
    );
  }
  const spec = parseAppSpec(content);
  const td = engine.taskDefinition(spec.taskDefinition);
  if (td === undefined || td.status !== 'ACTIVE') {
    throw new AwsFault(
      'InvalidRevisionException',
      `The AppSpec's TaskDefinition ${spec.taskDefinition} is not an ACTIVE task definition ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION).`,
    );
  }
  const containers = (td.body['containerDefinitions'] ?? []) as Body[];
  const container = containers.find((c) => c['name'] === spec.containerName);
  if (container === undefined) {
    throw new AwsFault(
      'InvalidRevisionException',
      `The AppSpec's LoadBalancerInfo.ContainerName ${spec.containerName} is not a container of ${td.arn}.`,
    );
  }
  const ports = ((container['portMappings'] ?? []) as Body[]).map((p) => p['containerPort']);
  if (!ports.includes(spec.containerPort)) {
    throw new AwsFault(
      'InvalidRevisionException',
      `The AppSpec's LoadBalancerInfo.ContainerPort ${spec.containerPort} is not a port mapping of container ${spec.containerName}.`,
    );
  }
  const fileExistsBehavior = optString(input, 'fileExistsBehavior');
  if (
    fileExistsBehavior !== undefined &&
    !['DISALLOW', 'OVERWRITE', 'RETAIN'].includes(fileExistsBehavior)
  ) {
    throw new AwsFault(
      'InvalidFileExistsBehaviorException',
      `fileExistsBehavior must be DISALLOW, OVERWRITE or RETAIN, not ${fileExistsBehavior}.`,
    );
  }
  const ignoreApplicationStopFailures = optBoolean(input, 'ignoreApplicationStopFailures') ?? false;
  const rollbackConfig = optObject(input, 'autoRollbackConfiguration');
  let autoRollback: { enabled: boolean; events: string[] } | undefined;
  if (rollbackConfig !== undefined) {
    const events =
      optStringList(rollbackConfig, 'events', 'autoRollbackConfiguration.events') ?? [];
    const bad = events.find((e) => !autoRollbackEvents.includes(e));
    if (bad !== undefined) {
      throw new AwsFault(
        'InvalidAutoRollbackConfigException',
        `autoRollbackConfiguration.events has an unknown event ${bad}.`,
      );
    }
    autoRollback = {
      enabled: optBoolean(rollbackConfig, 'enabled', 'autoRollbackConfiguration.enabled') ?? false,
      events,
    };
  }
  const d = engine.createDeployment(
    {
      applicationName,
      groupName,
      description,
      revisionSha: computed,
      content,
      taskDefinitionArn: td.arn,
      hookAfterAllowTestTraffic: spec.hooks['AfterAllowTestTraffic'],
      fileExistsBehavior,
      ignoreApplicationStopFailures,
      autoRollback,
    },
    now,
  );
  return { deploymentId: d.id };
};

function listDeployments(input: Body, { engine, world }: OperationContext) {
  const groupName = optString(input, 'deploymentGroupName');
  const applicationName = optString(input, 'applicationName');
  if (groupName !== undefined && applicationName === undefined) {
    throw new AwsFault(
      'ApplicationNameRequiredException',
      'applicationName is required when deploymentGroupName is given.',
    );
  }
  if (applicationName !== undefined) application(input, world);
  if (groupName !== undefined) group(input, world);
  const statuses = optStringList(input, 'includeOnlyStatuses');
  const badStatus = statuses?.find((s) => !deploymentStatuses.includes(s as DeploymentStatus));
  if (badStatus !== undefined) {
    throw new AwsFault(
      'InvalidDeploymentStatusException',
      `includeOnlyStatuses has an unknown status ${badStatus}; expected one of ${deploymentStatuses.join(', ')}.`,
    );
  }
  const range = optObject(input, 'createTimeRange');
  const start =
    range === undefined ? undefined : optTimestamp(range, 'start', 'createTimeRange.start');
  const end = range === undefined ? undefined : optTimestamp(range, 'end', 'createTimeRange.end');
  if (start !== undefined && end !== undefined && start > end) {
    throw new AwsFault(
      'InvalidTimeRangeException',
      'createTimeRange.start is after createTimeRange.end.',
    );
  }
  const token = optString(input, 'nextToken');
  let offset = 0;
  if (token !== undefined) {
    const match = /^sandbox-page-(\d+)$/.exec(token);
    if (match === null)
      throw new AwsFault(
        'InvalidNextTokenException',
        'The nextToken is not one this service issued.',
      );
    offset = Number(match[1]);
  }
  const ids = engine.state.deployments
    .filter((d) => statuses === undefined || statuses.includes(d.status))
    .filter((d) => start === undefined || d.createTime >= start)
    .filter((d) => end === undefined || d.createTime <= end)
    .sort((a, b) => b.createTime - a.createTime)
    .map((d) => d.id);
  const page = ids.slice(offset, offset + 100);
  return {
    deployments: page,
    nextToken: offset + 100 < ids.length ? `sandbox-page-${offset + 100}` : undefined,
  };
}

export const codedeployOperations: Record<string, Operation> = {
  ListApplications: (_input, { world }) => ({ applications: [world.application.name] }),

  GetApplication: (input, { world, engine }) => {
    application(input, world);
    return {
      application: {
        applicationId: world.application.id,
        applicationName: world.application.name,
        createTime: epochSeconds(
          engine.state.createdAt - world.application.createdMinutesAgo * 60_000,
        ),
        linkedToGitHub: false,
        computePlatform: 'ECS',
      },
    };
  },

  ListDeploymentGroups: (input, { world }) => {
    application(input, world);
    return {
      applicationName: world.application.name,
      deploymentGroups: [world.deploymentGroup.name],
    };
  },

  GetDeploymentGroup: (input, { world, engine }) => {
    application(input, world);
    group(input, world);
    const g = world.deploymentGroup;
    const groupDeployments = engine.state.deployments.filter((d) => d.groupName === g.name);
    const lastAttempted = [...groupDeployments].sort((a, b) => b.createTime - a.createTime)[0];
    const lastSuccessful = engine.find(engine.state.lastSuccessfulDeploymentId ?? '');
    return {
      deploymentGroupInfo: {
        applicationName: world.application.name,
        deploymentGroupId: g.id,
        deploymentGroupName: g.name,
        deploymentConfigName: g.deploymentConfigName,
        ec2TagFilters: [],
        onPremisesInstanceTagFilters: [],
        autoScalingGroups: [],
        serviceRoleArn: g.serviceRoleArn,
        targetRevision: revisionLocation(lastSuccessful?.revisionSha),
        triggerConfigurations: [],
        alarmConfiguration: {
          enabled: g.alarms.length > 0,
          ignorePollAlarmFailure: false,
          alarms: g.alarms.map((name) => ({ name })),
        },
        autoRollbackConfiguration: { enabled: true, events: g.autoRollbackEvents },
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        outdatedInstancesStrategy: 'UPDATE',
        blueGreenDeploymentConfiguration: blueGreen(engine.groupConfig()),
        loadBalancerInfo: loadBalancerInfo(world),
        lastSuccessfulDeployment: lastDeploymentInfo(lastSuccessful),
        lastAttemptedDeployment: lastDeploymentInfo(lastAttempted),
        computePlatform: 'ECS',
        ecsServices: [{ serviceName: world.service.name, clusterName: world.cluster.name }],
        terminationHookEnabled: false,
      },
    };
  },

  CreateDeployment: createDeployment,

  GetDeployment: (input, { engine, world }) => ({
    deploymentInfo: deploymentInfo(deployment(input, engine), world),
  }),

  BatchGetDeployments: (input, { engine, world }) => {
    const ids = optStringList(input, 'deploymentIds');
    if (ids === undefined || ids.length === 0) {
      throw new AwsFault(
        'DeploymentIdRequiredException',
        'At least one deployment ID must be specified (deploymentIds).',
      );
    }
    if (ids.length > 100) {
      throw new AwsFault(
        'BatchLimitExceededException',
        `deploymentIds has ${ids.length} ids; at most 100 per call.`,
      );
    }
    ids.forEach((id) => checkDeploymentId(id, 'deploymentIds'));
    const found = ids
      .map((id) => engine.find(id))
      .filter((d): d is DeploymentRecord => d !== undefined);
    return { deploymentsInfo: found.map((d) => deploymentInfo(d, world)) };
  },

  ListDeployments: listDeployments,

  ListDeploymentTargets: (input, { engine, world }) => {
    const d = startedDeployment(input, engine);
    const filters = optObject(input, 'targetFilters');
    const statusFilter =
      filters === undefined
        ? undefined
        : optStringList(filters, 'TargetStatus', 'targetFilters.TargetStatus');
    optString(input, 'nextToken');
    const ids =
      statusFilter === undefined || statusFilter.includes(targetStatus(d)) ? [targetId(world)] : [];
    return { targetIds: ids };
  },

  GetDeploymentTarget: (input, { engine, world }) => {
    const id = reqString(
      input,
      'targetId',
      fault(
        'DeploymentTargetIdRequiredException',
        'A deployment target ID was not provided (targetId).',
      ),
    );
    const d = startedDeployment(input, engine);
    checkTarget(id, world, d);
    return { deploymentTarget: deploymentTarget(d, world) };
  },

  BatchGetDeploymentTargets: (input, { engine, world }) => {
    const ids = optStringList(input, 'targetIds');
    if (ids === undefined || ids.length === 0) {
      throw new AwsFault(
        'DeploymentTargetIdRequiredException',
        'A deployment target ID was not provided (targetIds).',
      );
    }
    if (ids.length > 25) {
      throw new AwsFault(
        'DeploymentTargetListSizeExceededException',
        `targetIds has ${ids.length} ids; at most 25 per call.`,
      );
    }
    const d = startedDeployment(input, engine);
    ids.forEach((id) => checkTarget(id, world, d));
    return { deploymentTargets: ids.map(() => deploymentTarget(d, world)) };
  },

  ContinueDeployment: (input, { engine, now }) => {
    const waitType = optString(input, 'deploymentWaitType') ?? 'READY_WAIT';
    if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') {
      throw new AwsFault(
        'InvalidDeploymentWaitTypeException',
        `deploymentWaitType must be READY_WAIT or TERMINATION_WAIT, not ${waitType}.`,
      );
    }
    const d = deployment(input, engine);
    engine.continueDeployment(d, waitType, now);
    return {};
  },

  StopDeployment: (input, { engine, now }) => {
    const autoRollbackEnabled = optBoolean(input, 'autoRollbackEnabled');
    const d = deployment(input, engine);
    return engine.stopDeployment(d, autoRollbackEnabled, now);
  },

  GetApplicationRevision: (input, { engine, world }) => {
    const applicationName = application(input, world);
    const { content, sha256, path } = revisionInput(input);
    const sha = sha256 ?? (content === undefined ? undefined : sha256Hex(content));
    if (sha === undefined)
      throw new AwsFault(
        'InvalidRevisionException',
        `${path}.sha256 (or ${path}.content) is required.`,
      );
    const revision = engine.state.revisions.find((r) => r.sha256 === sha.toLowerCase());
    if (revision === undefined) {
      throw new AwsFault(
        'RevisionDoesNotExistException',
        `No application revision found for revision ${sha} in application ${applicationName}.`,
      );
    }
    return {
      applicationName,
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: revision.content, sha256: revision.sha256 },
      },
      revisionInfo: {
        description: revision.description,
        deploymentGroups: revision.groups,
        firstUsedTime: epochSeconds(revision.firstUsedTime),
        lastUsedTime: epochSeconds(revision.lastUsedTime),
        registerTime: epochSeconds(revision.registerTime),
      },
    };
  },
};
