import { createHash } from 'node:crypto';
import type { IntegrationsState } from './integrations';
import type { ScenarioName } from './scenarios';
import { appSpecFor, arns, type WorldFixture } from './world';

export type DeploymentStatus =
  'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';

export const deploymentStatuses: readonly DeploymentStatus[] = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
  'Succeeded',
  'Failed',
  'Stopped',
];
export const activeStatuses: readonly DeploymentStatus[] = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
];

export type LifecycleEventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';

export type LifecycleEventRecord = {
  name: string;
  status: LifecycleEventStatus;
  startTime?: number;
  endTime?: number;
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
};

/**
 * Where a deployment is: before start, inside lifecycle event `eventIndex`, in the Ready wait (approval), in
 * the termination wait (blue still alive), or finished.
 */
export type Stage = 'created' | 'event' | 'ready' | 'termination-wait' | 'done';

export type DeploymentRecord = {
  id: string;
  kind: 'deploy' | 'rollback';
  applicationName: string;
  groupName: string;
  creator: 'user' | 'codeDeployRollback';
  description?: string;
  /** sha256 of the AppSpec text (the revision's identity), and of the one it replaces. */
  revisionSha: string;
  previousRevisionSha?: string;
  taskDefinitionArn: string;
  /** The blue task definition at creation time: what a rollback returns to. */
  blueTaskDefinitionArn: string;
  status: DeploymentStatus;
  stage: Stage;
  eventIndex: number;
  stageStartedAt: number;
  createTime: number;
  startTime?: number;
  completeTime?: number;
  events: LifecycleEventRecord[];
  readyWait: {
    actionOnTimeout: 'STOP_DEPLOYMENT' | 'CONTINUE_DEPLOYMENT';
    waitTimeInMinutes: number;
  };
  termination: { action: 'TERMINATE' | 'KEEP_ALIVE'; terminationWaitTimeInMinutes: number };
  autoRollback: { enabled: boolean; events: string[] };
  alarms: { enabled: boolean; names: string[] };
  errorInformation?: { code: string; message: string };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  instanceTerminationWaitTimeStarted: boolean;
  statusMessages: string[];
  targetLastUpdatedAt: number;
  greenTaskSetId: string;
  blueTaskSetId: string;
  /** When production traffic moved to green (AllowTraffic ended). */
  shiftedAt?: number;
  /** Held in Install while the scenario that created it is on (`already-active`); released when it changes. */
  hold?: ScenarioName;
  releasedAt?: number;
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures: boolean;
};

export type StoredTaskDefinition = {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  registeredBy: string;
  tags: { key: string; value: string }[];
  /** What RegisterTaskDefinition accepted, without `family` and `tags`. */
  body: Record<string, unknown>;
};

export type TaskSetState = {
  id: string;
  taskDefinitionArn: string;
  createdAt: number;
  updatedAt: number;
  deploymentId?: string;
};

export type AlarmState = {
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  updatedAt: number;
};

export type RevisionRecord = {
  sha256: string;
  content: string;
  registerTime: number;
  firstUsedTime: number;
  lastUsedTime: number;
  description?: string;
  groups: string[];
};

/** Everything that changes; persisted as JSON when the sandbox has a state file. */
export type SandboxState = {
  version: 1;
  createdAt: number;
  scenario: ScenarioName;
  scenarioSince: number;
  taskDefinitions: StoredTaskDefinition[];
  deployments: DeploymentRecord[];
  revisions: RevisionRecord[];
  alarms: Record<string, AlarmState>;
  /** Alarms the `alarm-rollback` scenario put into ALARM, so they clear once the rollback is done. */
  scenarioAlarms: string[];
  /** What the simulated Slack and Grafana received (absent in state files from before they existed). */
  integrations?: IntegrationsState;
  service: {
    taskDefinitionArn: string;
    blue: TaskSetState;
    green?: TaskSetState & { running: boolean };
    /** Validation (test) listener routes to green. */
    testRoutesGreen: boolean;
    /** Production listener weight on green, 0..100. */
    prodWeightGreen: number;
  };
  lastSuccessfulDeploymentId?: string;
};

const MINUTE = 60_000;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A task set id in ECS's format (`ecs-svc/` + 19 digits), derived from a seed so it is stable. */
export function taskSetId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex').slice(0, 15);
  return `ecs-svc/${BigInt('0x' + hex)
    .toString()
    .padStart(19, '1')
    .slice(0, 19)}`;
}

/** The container definition for an image, from the fixture's template. */
function containerFor(world: WorldFixture, image: string): Record<string, unknown> {
  return { ...world.taskDefinition.container, image };
}

/** The state of a sandbox that has never run: the fixture's history, blue serving the last good build. */
export function initialState(world: WorldFixture, now: number): SandboxState {
  const a = arns(world);
  const td = world.taskDefinition;
  const taskDefinitions: StoredTaskDefinition[] = td.revisions.map((r) => ({
    arn: a.taskDefinition(td.family, r.revision),
    family: td.family,
    revision: r.revision,
    status: 'ACTIVE',
    registeredAt: now - r.registeredMinutesAgo * MINUTE,
    registeredBy: td.registeredBy,
    tags: td.tags,
    body: {
      taskRoleArn: td.taskRoleArn,
      executionRoleArn: td.executionRoleArn,
      networkMode: td.networkMode,
      containerDefinitions: [
        containerFor(world, `${a.registry}/${world.ecr.repositoryName}:${r.imageTag}`),
      ],
      volumes: [],
      placementConstraints: [],
      requiresCompatibilities: td.requiresCompatibilities,
      cpu: td.cpu,
      memory: td.memory,
      runtimePlatform: td.runtimePlatform,
    },
  }));

  const revisions: RevisionRecord[] = [];
  const deployments: DeploymentRecord[] = [];
  let previousSha: string | undefined;
  let previousArn = taskDefinitions[0]?.arn ?? '';
  for (const h of world.history) {
    const arn = a.taskDefinition(td.family, h.revision);
    const content = appSpecFor(world, arn);
    const sha = sha256Hex(content);
    const created = now - h.createdMinutesAgo * MINUTE;
    const done = created + h.durationMinutes * MINUTE;
    revisions.push({
      sha256: sha,
      content,
      registerTime: created,
      firstUsedTime: created,
      lastUsedTime: created,
      groups: [world.deploymentGroup.name],
    });
    deployments.push(
      historicDeployment(
        world,
        h.id,
        h.description,
        sha,
        previousSha,
        arn,
        previousArn,
        created,
        done,
      ),
    );
    previousSha = sha;
    previousArn = arn;
  }
  const last = deployments[deployments.length - 1];
  const serving = last?.taskDefinitionArn ?? previousArn;
  return {
    version: 1,
    createdAt: now,
    scenario: 'happy',
    scenarioSince: now,
    taskDefinitions,
    deployments,
    revisions,
    alarms: Object.fromEntries(
      world.alarms.map((al) => [
        al.name,
        {
          state: 'OK',
          reason:
            'Threshold Crossed: 1 datapoint [0.0] was not greater than or equal to the threshold.',
          updatedAt: now - 30 * MINUTE,
        } satisfies AlarmState,
      ]),
    ),
    scenarioAlarms: [],
    service: {
      taskDefinitionArn: serving,
      blue: {
        id: last?.greenTaskSetId ?? taskSetId('blue:initial'),
        taskDefinitionArn: serving,
        createdAt: last?.createTime ?? now,
        updatedAt: last?.completeTime ?? now,
        deploymentId: last?.id,
      },
      testRoutesGreen: false,
      prodWeightGreen: 0,
    },
    lastSuccessfulDeploymentId: last?.id,
  };
}

/** The ECS lifecycle events in AWS's order; the rollback deployment only reroutes traffic. */
export const deployEvents = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export const rollbackEvents = ['BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;

function historicDeployment(
  world: WorldFixture,
  id: string,
  description: string,
  sha: string,
  previousSha: string | undefined,
  arn: string,
  previousArn: string,
  created: number,
  done: number,
): DeploymentRecord {
  const g = world.deploymentGroup;
  const start = created + 2000;
  const step = Math.floor((done - start) / (deployEvents.length + 2));
  const events: LifecycleEventRecord[] = deployEvents.map((name, i) => ({
    name,
    status: 'Succeeded',
    startTime: start + i * step,
    endTime: start + (i + 1) * step,
  }));
  return {
    id,
    kind: 'deploy',
    applicationName: world.application.name,
    groupName: g.name,
    creator: 'user',
    description,
    revisionSha: sha,
    previousRevisionSha: previousSha,
    taskDefinitionArn: arn,
    blueTaskDefinitionArn: previousArn,
    status: 'Succeeded',
    stage: 'done',
    eventIndex: deployEvents.length,
    stageStartedAt: done,
    createTime: created,
    startTime: start,
    completeTime: done,
    events,
    readyWait: { ...g.readyWait },
    termination: { ...g.termination },
    autoRollback: { enabled: true, events: [...g.autoRollbackEvents] },
    alarms: { enabled: true, names: [...g.alarms] },
    instanceTerminationWaitTimeStarted: true,
    statusMessages: [],
    targetLastUpdatedAt: done,
    greenTaskSetId: taskSetId(`green:${id}`),
    blueTaskSetId: taskSetId(`blue:${id}`),
    shiftedAt: start + 7 * step,
    ignoreApplicationStopFailures: false,
  };
}
