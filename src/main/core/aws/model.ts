import type { DeploymentInfo, DeploymentTarget } from '@aws-sdk/client-codedeploy';

/** `DeploymentInfo.status` values that mean "still running" (reference: `Ready` is active too). */
export const activeStatuses = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;
export const terminalStatuses = ['Succeeded', 'Failed', 'Stopped'] as const;

export const isTerminalStatus = (status: string | undefined): boolean =>
  status !== undefined && (terminalStatuses as readonly string[]).includes(status);
export const isActiveStatus = (status: string | undefined): boolean =>
  status !== undefined && (activeStatuses as readonly string[]).includes(status);

export type LifecycleEventView = {
  name: string;
  /** Pending, InProgress, Succeeded, Failed, Skipped, Unknown (verbatim). */
  status: string;
  startTime: string | undefined;
  endTime: string | undefined;
  diagnostics: { errorCode?: string; message?: string; scriptName?: string } | undefined;
};

export type TaskSetView = {
  /** ECS task set id (the API spells the field `identifer`). */
  id: string;
  /** Blue or Green; may be absent. */
  label: string | undefined;
  /** 0..100 */
  trafficWeight: number;
  /** PRIMARY | ACTIVE | DRAINING */
  status: string | undefined;
  desiredCount: number | undefined;
  runningCount: number | undefined;
  pendingCount: number | undefined;
  targetGroup: string | undefined;
};

export type WaitSetting = { action: string | undefined; minutes: number | undefined };

/** A deployment as Greenlight shows and journals it: `DeploymentInfo` flattened, dates as ISO strings. */
export type DeploymentSnapshot = {
  deploymentId: string;
  /** Verbatim, including values newer than this code. */
  status: string;
  isTerminal: boolean;
  isActive: boolean;
  creator: string | undefined;
  description: string | undefined;
  applicationName: string | undefined;
  deploymentGroupName: string | undefined;
  createTime: string | undefined;
  startTime: string | undefined;
  completeTime: string | undefined;
  /** The termination wait for the blue task set has started (traffic is on green). */
  terminationWaitStarted: boolean;
  errorInformation: { code: string | undefined; message: string | undefined } | undefined;
  rollbackInfo:
    | {
        rollbackDeploymentId: string | undefined;
        rollbackTriggeringDeploymentId: string | undefined;
        rollbackMessage: string | undefined;
      }
    | undefined;
  statusMessages: string[];
  readyWait: WaitSetting | undefined;
  termination: WaitSetting | undefined;
};

/** The ECS target of a deployment: lifecycle events with times and the task sets with their traffic weights. */
export type TargetSnapshot = {
  targetId: string | undefined;
  status: string | undefined;
  lifecycleEvents: LifecycleEventView[];
  taskSets: TaskSetView[];
};

const iso = (d: Date | undefined): string | undefined =>
  d === undefined ? undefined : d.toISOString();

/** Flattens the SDK's `DeploymentInfo`. */
export function toDeploymentSnapshot(info: DeploymentInfo): DeploymentSnapshot {
  const status = info.status ?? 'Unknown';
  const bg = info.blueGreenDeploymentConfiguration;
  return {
    deploymentId: info.deploymentId ?? '',
    status,
    isTerminal: isTerminalStatus(status),
    isActive: isActiveStatus(status),
    creator: info.creator,
    description: info.description,
    applicationName: info.applicationName,
    deploymentGroupName: info.deploymentGroupName,
    createTime: iso(info.createTime),
    startTime: iso(info.startTime),
    completeTime: iso(info.completeTime),
    terminationWaitStarted: info.instanceTerminationWaitTimeStarted === true,
    errorInformation:
      info.errorInformation === undefined
        ? undefined
        : { code: info.errorInformation.code, message: info.errorInformation.message },
    rollbackInfo:
      info.rollbackInfo === undefined
        ? undefined
        : {
            rollbackDeploymentId: info.rollbackInfo.rollbackDeploymentId,
            rollbackTriggeringDeploymentId: info.rollbackInfo.rollbackTriggeringDeploymentId,
            rollbackMessage: info.rollbackInfo.rollbackMessage,
          },
    statusMessages: info.deploymentStatusMessages ?? [],
    readyWait:
      bg?.deploymentReadyOption === undefined
        ? undefined
        : {
            action: bg.deploymentReadyOption.actionOnTimeout,
            minutes: bg.deploymentReadyOption.waitTimeInMinutes,
          },
    termination:
      bg?.terminateBlueInstancesOnDeploymentSuccess === undefined
        ? undefined
        : {
            action: bg.terminateBlueInstancesOnDeploymentSuccess.action,
            minutes: bg.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes,
          },
  };
}

/** Flattens an `ECSTarget` (other target kinds give an empty snapshot). */
export function toTargetSnapshot(target: DeploymentTarget | undefined): TargetSnapshot {
  const ecs = target?.ecsTarget;
  return {
    targetId: ecs?.targetId,
    status: ecs?.status,
    lifecycleEvents: (ecs?.lifecycleEvents ?? []).map((e) => ({
      name: e.lifecycleEventName ?? '?',
      status: e.status ?? 'Unknown',
      startTime: iso(e.startTime),
      endTime: iso(e.endTime),
      diagnostics:
        e.diagnostics === undefined
          ? undefined
          : {
              errorCode: e.diagnostics.errorCode,
              message: e.diagnostics.message,
              scriptName: e.diagnostics.scriptName,
            },
    })),
    taskSets: (ecs?.taskSetsInfo ?? []).map((t) => ({
      id: t.identifer ?? '?',
      label: t.taskSetLabel,
      trafficWeight: t.trafficWeight ?? 0,
      status: t.status,
      desiredCount: t.desiredCount,
      runningCount: t.runningCount,
      pendingCount: t.pendingCount,
      targetGroup: t.targetGroup?.name,
    })),
  };
}
