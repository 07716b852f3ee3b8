import { AppError } from '../errors';
import { createLogger } from '../log';
import { awsErrorDetail, type AwsCallMeta } from './errors';
import {
  activeStatuses,
  toDeploymentSnapshot,
  toTargetSnapshot,
  type DeploymentSnapshot,
  type TargetSnapshot,
} from './model';
import { getDeploymentGroup, listDeployments, metaFromError } from './prechecks';
import type { AwsSession } from './session';
import { buildAppSpec, sha256Hex, taskDefinitionOfAppSpec, type AppSpec } from './task-definition';

const log = createLogger('aws.deploy');

type Opts = { signal?: AbortSignal };

/** CodeDeploy's limit on `description` (DescriptionTooLongException beyond it). */
export const maxDescriptionLength = 256;

/** The marker that ties a deployment to a Greenlight run; it starts the description so truncation never cuts it. */
export const runMarker = (runId: string): string => `[greenlight-run:${runId}]`;

/** `[greenlight-run:<id>] <text>`, cut to 256 characters. */
export function deploymentDescription(runId: string, text: string): string {
  const full = `${runMarker(runId)} ${text}`;
  return full.length <= maxDescriptionLength ? full : `${full.slice(0, maxDescriptionLength - 1)}…`;
}

/** The run id a description carries, if it was written by Greenlight. */
export function runIdOfDescription(description: string | undefined): string | undefined {
  return description === undefined
    ? undefined
    : /^\[greenlight-run:([^\]]+)\]/.exec(description)?.[1];
}

/** Why an alarm override or ignored stop failures were asked for; without a reason they are refused. */
export type Override = { reason: string };

export type CreateDeploymentRequest = {
  /** Greenlight's run id: written into the description so the deployment can be found again. */
  runId: string;
  /** What the release is, for the description (e.g. 'fixnado backend 1.5.1'). */
  summary: string;
  /** The revision: an AppSpec built for a task definition, or an existing AppSpec (last known good). */
  appSpec: AppSpec;
  /**
   * When our intent to create was first recorded (local ms epoch). If given, CodeDeploy is searched for a
   * deployment of this run created since then BEFORE sending anything (a retry, or a resume after a crash).
   */
  since?: number;
  /** Turn off the group's alarm polling for this deployment (CreateDeployment `overrideAlarmConfiguration`). */
  overrideAlarms?: Override;
  ignoreApplicationStopFailures?: Override;
};

export type CreatedDeployment = {
  deploymentId: string;
  /** `created`: this call created it; `reconciled`: it already existed (an earlier attempt of this run). */
  how: 'created' | 'reconciled';
  description: string;
  appSpecSha256: string;
  overrides: { alarms?: string; ignoreApplicationStopFailures?: string };
  evidence: AwsCallMeta[];
};

/** Failures after which CodeDeploy may or may not have created the deployment. */
const ambiguousCodes = new Set([
  'connection-reset',
  'timeout',
  'malformed-response',
  'InternalFailure',
  'ServiceUnavailable',
  'InternalServiceError',
  'ServiceUnavailableException',
]);

/** AWS clocks and ours differ; search a little before our own "since". */
const reconcileSkewMs = 5 * 60_000;

/**
 * CreateDeployment, never twice for one run. CreateDeployment has no idempotency token (platform facts), so:
 * it is sent with no SDK retry; before a retry of ours (`since` given) CodeDeploy is searched for this run's
 * deployment; and when the outcome is unknown (reset, timeout, garbled or 5xx answer) it is searched again
 * instead of resending. `DeploymentLimitExceededException` caused by our own earlier attempt is recognised too.
 */
export async function createDeployment(
  session: AwsSession,
  request: CreateDeploymentRequest,
  opts: Opts = {},
): Promise<CreatedDeployment> {
  const r = session.environment.resources;
  const description = deploymentDescription(request.runId, request.summary);
  const overrides: CreatedDeployment['overrides'] = {};
  for (const [name, o] of [
    ['overrideAlarms', request.overrideAlarms],
    ['ignoreApplicationStopFailures', request.ignoreApplicationStopFailures],
  ] as const) {
    if (o !== undefined && o.reason.trim() === '') {
      throw new AppError(
        'override-needs-reason',
        `${name} needs a written reason; it is recorded with the deployment.`,
        {
          field: name,
        },
      );
    }
  }
  if (request.overrideAlarms) overrides.alarms = request.overrideAlarms.reason;
  if (request.ignoreApplicationStopFailures)
    overrides.ignoreApplicationStopFailures = request.ignoreApplicationStopFailures.reason;
  const evidence: AwsCallMeta[] = [];
  const found = (deploymentId: string): CreatedDeployment => ({
    deploymentId,
    how: 'reconciled',
    description,
    appSpecSha256: request.appSpec.sha256,
    overrides,
    evidence,
  });

  if (request.since !== undefined) {
    const earlier = await reconcileCreatedDeployment(session, {
      runId: request.runId,
      since: request.since,
      ...opts,
    });
    evidence.push(...earlier.evidence);
    if (earlier.deployment !== undefined) return found(earlier.deployment.deploymentId);
  }
  const sentAt = Date.now();
  try {
    const called = await session.call(
      'codedeploy',
      'CreateDeployment',
      (c, sdk, abortSignal) =>
        c.send(
          new sdk.CreateDeploymentCommand({
            applicationName: r.codedeployApplication,
            deploymentGroupName: r.deploymentGroup,
            revision: {
              revisionType: 'AppSpecContent',
              appSpecContent: { content: request.appSpec.content, sha256: request.appSpec.sha256 },
            },
            description,
            ...(request.ignoreApplicationStopFailures
              ? { ignoreApplicationStopFailures: true }
              : {}),
            // Alarm polling off for this deployment only (needs codedeploy:UpdateDeploymentGroup on the role).
            ...(request.overrideAlarms
              ? { overrideAlarmConfiguration: { enabled: false, alarms: [] } }
              : {}),
          }),
          { abortSignal },
        ),
      { ...opts, singleAttempt: true },
    );
    evidence.push(called.meta);
    const deploymentId = called.output.deploymentId;
    if (deploymentId === undefined)
      throw new AppError(
        'malformed-response',
        'CreateDeployment answered without a deployment id.',
        {},
      );
    return {
      deploymentId,
      how: 'created',
      description,
      appSpecSha256: request.appSpec.sha256,
      overrides,
      evidence,
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    evidence.push(metaFromError(error, 'codedeploy', 'CreateDeployment'));
    const isAmbiguous =
      ambiguousCodes.has(error.code) || (awsErrorDetail(error)?.httpStatusCode ?? 0) >= 500;
    if (!isAmbiguous && error.code !== 'DeploymentLimitExceededException') throw error;
    log.warn('CreateDeployment outcome unclear; looking for this run in CodeDeploy', {
      code: error.code,
      runId: request.runId,
    });
    const after = await reconcileCreatedDeployment(session, {
      runId: request.runId,
      since: request.since ?? sentAt,
      ...opts,
    });
    evidence.push(...after.evidence);
    if (after.deployment !== undefined) return found(after.deployment.deploymentId);
    if (isAmbiguous) {
      throw new AppError(
        'create-deployment-unconfirmed',
        `CreateDeployment failed (${error.code}) and CodeDeploy shows no deployment for run ${request.runId}. Nothing was created as far as AWS reports; trying again is safe (Greenlight checks again before sending).`,
        { ...(error.detail ?? {}), cause: error.code, runId: request.runId, retryable: true },
        { cause: error },
      );
    }
    // Someone else's deployment holds the group: name it so the operator can attach to it or stop it.
    const active = await listDeployments(session, { statuses: [...activeStatuses], ...opts }).catch(
      () => undefined,
    );
    const theirs = active?.deployments.find((d) => d.isActive);
    if (theirs === undefined) throw error;
    throw new AppError(
      error.code,
      `${error.message} Active: ${theirs.deploymentId} (${theirs.status}, created by ${theirs.creator ?? '?'}${theirs.description ? `: ${theirs.description}` : ''}).`,
      {
        ...(error.detail ?? {}),
        activeDeploymentId: theirs.deploymentId,
        activeStatus: theirs.status,
      },
      { cause: error },
    );
  }
}

export type ReconcileResult = {
  deployment: DeploymentSnapshot | undefined;
  evidence: AwsCallMeta[];
};

/**
 * Finds the deployment a run created: ListDeployments for the group (all statuses: a fast failure must be found
 * too) in a window starting a little before `since`, then BatchGetDeployments, matching the run marker in the
 * description. The newest match wins.
 */
export async function reconcileCreatedDeployment(
  session: AwsSession,
  query: Opts & { runId: string; since: number },
): Promise<ReconcileResult> {
  // AWS-side time: for the sandbox its own clock (the offset between the two clocks is preserved).
  const offset = session.awsNow() - Date.now();
  const createdAfter = new Date(query.since + offset - reconcileSkewMs);
  const { deployments, evidence } = await listDeployments(session, {
    createdAfter,
    ...(query.signal ? { signal: query.signal } : {}),
  });
  const marker = runMarker(query.runId);
  const mine = deployments
    .filter((d) => d.description?.startsWith(marker))
    .sort((a, b) => (b.createTime ?? '').localeCompare(a.createTime ?? ''));
  return { deployment: mine[0], evidence };
}

/** GetDeployment, flattened. */
export async function getDeployment(
  session: AwsSession,
  deploymentId: string,
  opts: Opts = {},
): Promise<{ deployment: DeploymentSnapshot; meta: AwsCallMeta }> {
  const called = await session.call(
    'codedeploy',
    'GetDeployment',
    (c, sdk, abortSignal) =>
      c.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }),
    opts,
  );
  const info = called.output.deploymentInfo;
  if (info === undefined)
    throw new AppError('malformed-response', `GetDeployment ${deploymentId} returned nothing.`, {});
  return { deployment: toDeploymentSnapshot(info), meta: called.meta };
}

/**
 * GetDeploymentTarget for the ECS target (`<cluster>:<service>`): lifecycle events and task sets. Before Install
 * starts, CodeDeploy answers `DeploymentNotStartedException`: that is "no target yet", not an error.
 */
export async function getEcsTarget(
  session: AwsSession,
  deploymentId: string,
  opts: Opts = {},
): Promise<{ target: TargetSnapshot | undefined; meta: AwsCallMeta }> {
  const r = session.environment.resources;
  try {
    const called = await session.call(
      'codedeploy',
      'GetDeploymentTarget',
      (c, sdk, abortSignal) =>
        c.send(
          new sdk.GetDeploymentTargetCommand({
            deploymentId,
            targetId: `${r.cluster}:${r.service}`,
          }),
          { abortSignal },
        ),
      opts,
    );
    return { target: toTargetSnapshot(called.output.deploymentTarget), meta: called.meta };
  } catch (error) {
    if (error instanceof AppError && error.code === 'DeploymentNotStartedException') {
      return { target: undefined, meta: metaFromError(error, 'codedeploy', 'GetDeploymentTarget') };
    }
    throw error;
  }
}

export type WaitType = 'READY_WAIT' | 'TERMINATION_WAIT';

/**
 * ContinueDeployment: `READY_WAIT` approves the shift of production traffic to green; `TERMINATION_WAIT` ends the
 * termination wait and removes blue now. `DeploymentIsNotInReadyStateException` surfaces as that AppError code.
 */
export async function continueDeployment(
  session: AwsSession,
  deploymentId: string,
  waitType: WaitType,
  opts: Opts = {},
): Promise<{ meta: AwsCallMeta }> {
  const called = await session.call(
    'codedeploy',
    'ContinueDeployment',
    (c, sdk, abortSignal) =>
      c.send(new sdk.ContinueDeploymentCommand({ deploymentId, deploymentWaitType: waitType }), {
        abortSignal,
      }),
    opts,
  );
  return { meta: called.meta };
}

export type StopResult = {
  /** `Pending`/`Succeeded` from StopDeployment, or `AlreadyCompleted` when it had finished already. */
  stopStatus: string;
  statusMessage: string | undefined;
  /** When it had already completed: its final state, re-read (reference: record it). */
  deployment: DeploymentSnapshot | undefined;
  evidence: AwsCallMeta[];
};

/**
 * StopDeployment (with `autoRollbackEnabled`, CodeDeploy starts the rollback deployment itself). A deployment past
 * the point of no return answers `DeploymentAlreadyCompletedException`: its final state is re-read and returned.
 */
export async function stopDeployment(
  session: AwsSession,
  deploymentId: string,
  opts: Opts & { autoRollback: boolean },
): Promise<StopResult> {
  try {
    const called = await session.call(
      'codedeploy',
      'StopDeployment',
      (c, sdk, abortSignal) =>
        c.send(
          new sdk.StopDeploymentCommand({ deploymentId, autoRollbackEnabled: opts.autoRollback }),
          { abortSignal },
        ),
      opts,
    );
    return {
      stopStatus: called.output.status ?? 'Pending',
      statusMessage: called.output.statusMessage,
      deployment: undefined,
      evidence: [called.meta],
    };
  } catch (error) {
    if (error instanceof AppError && error.code === 'DeploymentAlreadyCompletedException') {
      const reread = await getDeployment(session, deploymentId, opts);
      return {
        stopStatus: 'AlreadyCompleted',
        statusMessage: awsErrorDetail(error)?.awsMessage,
        deployment: reread.deployment,
        evidence: [metaFromError(error, 'codedeploy', 'StopDeployment'), reread.meta],
      };
    }
    throw error;
  }
}

export type LastKnownGood = {
  deploymentId: string;
  /** The AppSpec that deployment used, verbatim (GetApplicationRevision; GetDeployment never returns it). */
  appSpec: AppSpec;
  taskDefinitionArn: string;
  /** DescribeTaskDefinition status; must be ACTIVE to redeploy. */
  taskDefinitionStatus: string | undefined;
  image: string | undefined;
  completeTime: string | undefined;
  evidence: AwsCallMeta[];
};

/**
 * The last known good release: the group's `lastSuccessfulDeployment` -> GetDeployment -> GetApplicationRevision
 * (the AppSpec) -> its task definition ARN -> DescribeTaskDefinition, which must still be ACTIVE.
 */
export async function resolveLastKnownGood(
  session: AwsSession,
  opts: Opts = {},
): Promise<LastKnownGood> {
  const r = session.environment.resources;
  const evidence: AwsCallMeta[] = [];
  const group = await getDeploymentGroup(session, opts);
  evidence.push(group.meta);
  const lastId = group.output.deploymentGroupInfo?.lastSuccessfulDeployment?.deploymentId;
  if (lastId === undefined) {
    throw new AppError(
      'no-last-known-good',
      `Deployment group ${r.deploymentGroup} has no successful deployment to go back to.`,
      {},
    );
  }
  const dep = await session.call(
    'codedeploy',
    'GetDeployment',
    (c, sdk, abortSignal) =>
      c.send(new sdk.GetDeploymentCommand({ deploymentId: lastId }), { abortSignal }),
    opts,
  );
  evidence.push(dep.meta);
  const revision = dep.output.deploymentInfo?.revision;
  if (revision === undefined)
    throw new AppError('no-last-known-good', `Deployment ${lastId} has no revision recorded.`, {});
  const rev = await session.call(
    'codedeploy',
    'GetApplicationRevision',
    (c, sdk, abortSignal) =>
      c.send(
        new sdk.GetApplicationRevisionCommand({
          applicationName: r.codedeployApplication,
          revision,
        }),
        { abortSignal },
      ),
    opts,
  );
  evidence.push(rev.meta);
  const content = rev.output.revision?.appSpecContent?.content ?? revision.appSpecContent?.content;
  if (content === undefined) {
    throw new AppError(
      'no-last-known-good',
      `The revision of deployment ${lastId} is not an AppSpec content revision.`,
      {},
    );
  }
  const taskDefinitionArn = taskDefinitionOfAppSpec(content);
  if (taskDefinitionArn === undefined) {
    throw new AppError(
      'no-last-known-good',
      `The AppSpec of deployment ${lastId} names no task definition ARN.`,
      {},
    );
  }
  const td = await session.call(
    'ecs',
    'DescribeTaskDefinition',
    (c, sdk, abortSignal) =>
      c.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }), {
        abortSignal,
      }),
    opts,
  );
  evidence.push(td.meta);
  const status = td.output.taskDefinition?.status;
  if (status !== 'ACTIVE') {
    throw new AppError(
      'last-known-good-inactive',
      `The last known good task definition ${taskDefinitionArn} is ${status ?? 'unknown'}, not ACTIVE: it cannot be deployed again.`,
      { taskDefinitionArn, status, deploymentId: lastId },
    );
  }
  const image = td.output.taskDefinition?.containerDefinitions?.find(
    (c) => c.name === r.containerName,
  )?.image;
  return {
    deploymentId: lastId,
    appSpec: { content, sha256: sha256Hex(content) },
    taskDefinitionArn,
    taskDefinitionStatus: status,
    image,
    completeTime: dep.output.deploymentInfo?.completeTime?.toISOString(),
    evidence,
  };
}

/**
 * Deploys the last known good revision again (its own AppSpec, verbatim), through `createDeployment` (so never
 * twice). The alarm override and ignored stop failures are applied only when asked, each with a reason.
 */
export async function redeployLastKnownGood(
  session: AwsSession,
  request: {
    runId: string;
    lastKnownGood: LastKnownGood;
    since?: number;
    overrideAlarms?: Override;
    ignoreApplicationStopFailures?: Override;
  },
  opts: Opts = {},
): Promise<CreatedDeployment> {
  const lkg = request.lastKnownGood;
  return createDeployment(
    session,
    {
      runId: request.runId,
      summary: `redeploy last known good ${lkg.image ?? lkg.taskDefinitionArn} (from ${lkg.deploymentId})`,
      appSpec: lkg.appSpec,
      ...(request.since === undefined ? {} : { since: request.since }),
      ...(request.overrideAlarms ? { overrideAlarms: request.overrideAlarms } : {}),
      ...(request.ignoreApplicationStopFailures
        ? { ignoreApplicationStopFailures: request.ignoreApplicationStopFailures }
        : {}),
    },
    opts,
  );
}

/** The AppSpec for deploying a registered task definition to the environment's container and port. */
export function appSpecFor(session: AwsSession, taskDefinitionArn: string): AppSpec {
  const r = session.environment.resources;
  return buildAppSpec({
    taskDefinitionArn,
    containerName: r.containerName,
    containerPort: r.containerPort,
  });
}
