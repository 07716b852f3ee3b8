import type { AwsCallMeta } from './errors';
import type { DeploymentSnapshot, TargetSnapshot } from './model';
import type { DeploymentGroupSettings, PrecheckResult } from './prechecks';
import * as cd from './deployments';
import * as pre from './prechecks';
import type { AwsSession } from './session';
import * as td from './task-definition';
import { watchDeployment, type DeploymentWatch, type WatchOptions } from './watch';

type Opts = { signal?: AbortSignal };

/** Every pre-check's result, in the order preflight runs them. */
export type PrecheckReport = {
  identity: PrecheckResult<'identity', pre.IdentityFacts>;
  image: PrecheckResult<'image', pre.ImageFacts>;
  secrets: PrecheckResult<'secrets', { secrets: pre.SecretFacts[] }>;
  alarms: PrecheckResult<'alarms', pre.AlarmFacts>;
  deploymentGroup: PrecheckResult<'deployment-group', DeploymentGroupSettings>;
  noActiveDeployment: PrecheckResult<'no-active-deployment', pre.ActiveDeploymentFacts>;
};

/**
 * How Greenlight drives a blue/green release, independent of the mechanism. Today: CodeDeploy blue/green for ECS
 * (`codeDeployEcsDriver`). AWS now recommends ECS-native blue/green; a driver for it implements the same type, so
 * the runbook, checklist and evidence model do not change (reference, "Where this is heading").
 */
export type DeploymentDriver = {
  readonly kind: 'codedeploy-ecs';
  readonly session: AwsSession;
  checkIdentity(opts?: Opts): Promise<PrecheckReport['identity']>;
  checkImage(version: string, opts?: Opts): Promise<PrecheckReport['image']>;
  /** Secrets of the environment and of the current task definition exist and hold their JSON keys. */
  checkSecrets(opts?: Opts): Promise<PrecheckReport['secrets']>;
  checkAlarms(opts?: Opts): Promise<PrecheckReport['alarms']>;
  readDeploymentGroup(opts?: Opts): Promise<PrecheckReport['deploymentGroup']>;
  checkNoActiveDeployment(opts?: Opts): Promise<PrecheckReport['noActiveDeployment']>;
  /** The current task definition (family's latest ACTIVE revision) with its tags. */
  describeCurrentTaskDefinition(
    opts?: Opts & { taskDefinition?: string },
  ): Promise<td.CurrentTaskDefinition>;
  /** A new revision differing only in the container's image (tag = version, or an explicit image). */
  registerRevision(
    base: td.CurrentTaskDefinition,
    target: { version?: string; image?: string },
    opts?: Opts,
  ): Promise<td.RegisteredTaskDefinition>;
  /** Starts the deployment of a registered task definition; never creates two for one run. */
  startDeployment(
    request: {
      runId: string;
      version: string;
      taskDefinitionArn: string;
      since?: number;
      overrideAlarms?: cd.Override;
    },
    opts?: Opts,
  ): Promise<cd.CreatedDeployment>;
  /** Finds the deployment a run already created (after a crash or an unclear failure). */
  reconcile(query: { runId: string; since: number }, opts?: Opts): Promise<cd.ReconcileResult>;
  getDeployment(
    deploymentId: string,
    opts?: Opts,
  ): Promise<{ deployment: DeploymentSnapshot; meta: AwsCallMeta }>;
  getTarget(
    deploymentId: string,
    opts?: Opts,
  ): Promise<{ target: TargetSnapshot | undefined; meta: AwsCallMeta }>;
  /** Approve production traffic (ContinueDeployment READY_WAIT). */
  approveTraffic(deploymentId: string, opts?: Opts): Promise<{ meta: AwsCallMeta }>;
  /** End the termination wait now (ContinueDeployment TERMINATION_WAIT). */
  finishTermination(deploymentId: string, opts?: Opts): Promise<{ meta: AwsCallMeta }>;
  /** Stop with rollback, then follow the rollback deployment to its end. */
  stopAndRollBack(deploymentId: string, opts?: Opts & WatchOptions): Promise<RollbackOutcome>;
  lastKnownGood(opts?: Opts): Promise<cd.LastKnownGood>;
  redeployLastKnownGood(
    request: {
      runId: string;
      lastKnownGood: cd.LastKnownGood;
      since?: number;
      overrideAlarms?: cd.Override;
      ignoreApplicationStopFailures?: cd.Override;
    },
    opts?: Opts,
  ): Promise<cd.CreatedDeployment>;
  watch(deploymentId: string, options?: WatchOptions): DeploymentWatch;
};

export type RollbackOutcome = {
  stop: cd.StopResult;
  /** The original deployment after the stop. */
  original: DeploymentSnapshot | undefined;
  /** The rollback deployment CodeDeploy created (absent when the deployment had already completed, or rollback was off). */
  rollbackDeploymentId: string | undefined;
  rollback: DeploymentSnapshot | undefined;
  evidence: AwsCallMeta[];
};

/**
 * StopDeployment(autoRollbackEnabled) then: poll the original until it is Stopped and carries
 * `rollbackInfo.rollbackDeploymentId`, and watch that rollback deployment (by id: it may finish before it would
 * show up in a list) to its end (reference, "Actions").
 */
export async function stopAndFollowRollback(
  session: AwsSession,
  deploymentId: string,
  opts: Opts & WatchOptions = {},
): Promise<RollbackOutcome> {
  const stop = await cd.stopDeployment(session, deploymentId, {
    autoRollback: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const evidence = [...stop.evidence];
  if (stop.stopStatus === 'AlreadyCompleted') {
    return {
      stop,
      original: stop.deployment,
      rollbackDeploymentId: stop.deployment?.rollbackInfo?.rollbackDeploymentId,
      rollback: undefined,
      evidence,
    };
  }
  const originalWatch = watchDeployment(session, deploymentId, {
    ...opts,
    onObservation: opts.onObservation,
  });
  originalWatch.expectAction('stop');
  const original = await originalWatch.done;
  let stopped = original.deployment;
  // CodeDeploy may mark the original Stopped a moment before it records the rollback's id: re-read a few times.
  for (
    let i = 0;
    i < 3 && stopped !== undefined && stopped.rollbackInfo?.rollbackDeploymentId === undefined;
    i += 1
  ) {
    await new Promise((r) => setTimeout(r, 1_000));
    const reread = await cd.getDeployment(
      session,
      deploymentId,
      opts.signal ? { signal: opts.signal } : {},
    );
    evidence.push(reread.meta);
    stopped = reread.deployment;
  }
  const rollbackDeploymentId = stopped?.rollbackInfo?.rollbackDeploymentId;
  if (rollbackDeploymentId === undefined) {
    return {
      stop,
      original: stopped,
      rollbackDeploymentId: undefined,
      rollback: undefined,
      evidence,
    };
  }
  const rollbackWatch = watchDeployment(session, rollbackDeploymentId, opts);
  const rollback = await rollbackWatch.done;
  return {
    stop,
    original: stopped,
    rollbackDeploymentId,
    rollback: rollback.deployment,
    evidence,
  };
}

/** The CodeDeploy blue/green for ECS driver over one environment's session. */
export function codeDeployEcsDriver(session: AwsSession): DeploymentDriver {
  return {
    kind: 'codedeploy-ecs',
    session,
    checkIdentity: (o) => pre.checkIdentity(session, o),
    checkImage: (version, o) => pre.checkImage(session, version, o),
    async checkSecrets(o) {
      // The current task definition says which secrets and keys ECS will resolve; merge them in.
      const current = await td.describeTaskDefinition(session, o);
      const result = await pre.checkSecrets(session, {
        ...o,
        taskDefinition: current.taskDefinition,
      });
      return { ...result, evidence: [current.meta, ...result.evidence] };
    },
    checkAlarms: (o) => pre.checkAlarms(session, o),
    readDeploymentGroup: (o) => pre.readDeploymentGroup(session, o),
    checkNoActiveDeployment: (o) => pre.checkNoActiveDeployment(session, o),
    describeCurrentTaskDefinition: (o) => td.describeTaskDefinition(session, o),
    registerRevision: (base, target, o) =>
      td.registerTaskDefinitionWithImage(session, base, target, o),
    startDeployment: (request, o) =>
      cd.createDeployment(
        session,
        {
          runId: request.runId,
          summary: `Fixnado backend ${request.version}`,
          appSpec: cd.appSpecFor(session, request.taskDefinitionArn),
          ...(request.since === undefined ? {} : { since: request.since }),
          ...(request.overrideAlarms ? { overrideAlarms: request.overrideAlarms } : {}),
        },
        o,
      ),
    reconcile: (query, o) => cd.reconcileCreatedDeployment(session, { ...query, ...o }),
    getDeployment: (id, o) => cd.getDeployment(session, id, o),
    getTarget: (id, o) => cd.getEcsTarget(session, id, o),
    approveTraffic: (id, o) => cd.continueDeployment(session, id, 'READY_WAIT', o),
    finishTermination: (id, o) => cd.continueDeployment(session, id, 'TERMINATION_WAIT', o),
    stopAndRollBack: (id, o) => stopAndFollowRollback(session, id, o),
    lastKnownGood: (o) => cd.resolveLastKnownGood(session, o),
    redeployLastKnownGood: (request, o) => cd.redeployLastKnownGood(session, request, o),
    watch: (id, options) => watchDeployment(session, id, options),
  };
}
