import { AppError, toErrorShape } from '../errors';
import type { AppErrorShape } from '../../../shared/result';
import { createLogger } from '../log';
import { getDeployment, getEcsTarget } from './deployments';
import { awsErrorDetail, isThrottlingCode } from './errors';
import type { DeploymentSnapshot, TargetSnapshot, WaitSetting } from './model';
import {
  defaultPacing,
  nextPollDelay,
  phaseOf,
  watchTimeoutMs,
  type PollPacing,
  type WatchPhase,
} from './poll-interval';
import type { AwsSession } from './session';

const log = createLogger('aws.watch');

/** Actions the watcher's owner takes itself; anything else that changes the deployment is out-of-band. */
export type OwnAction = 'continue-ready' | 'continue-termination' | 'stop';

/** Something that happened to the deployment that nobody in this Greenlight did (e.g. a stop in the AWS console). */
export type OutOfBand = {
  kind: 'continued' | 'stopped' | 'rollback-started' | 'termination-ended-early';
  message: string;
};

/** A countdown the UI can show: when the current wait ends and what CodeDeploy does then. */
export type Countdown = {
  kind: 'ready-wait' | 'termination-wait';
  endsAt: string;
  action: string | undefined;
};

export type DeploymentObservation = {
  /** `initial` (first look), `change`, `heartbeat` (nothing changed for a while), `poll-error` (a failed poll, retried). */
  kind: 'initial' | 'change' | 'heartbeat' | 'poll-error';
  seq: number;
  /** Local time of the observation. */
  time: string;
  deploymentId: string;
  /** Verbatim status (unknown values included). */
  status: string;
  deployment: DeploymentSnapshot;
  /** Lifecycle events with times and task sets with traffic weights; undefined before CodeDeploy starts the target. */
  target: TargetSnapshot | undefined;
  /** What changed since the previous observation, one line each ("status InProgress -> Ready", "Install Succeeded"). */
  changes: string[];
  outOfBand: OutOfBand[];
  countdown: Countdown | undefined;
  error: AppErrorShape | undefined;
  /** AWS calls made by this watch so far. */
  calls: number;
};

export type WatchOutcome = {
  deploymentId: string;
  /** Why the watch ended: the deployment finished, or the caller stopped/cancelled the watch. */
  endedBy: 'terminal' | 'cancelled';
  deployment: DeploymentSnapshot | undefined;
  target: TargetSnapshot | undefined;
  observations: number;
  calls: number;
};

export type WatchOptions = {
  signal?: AbortSignal;
  onObservation?: (observation: DeploymentObservation) => void;
  /** The group's waits (from `readDeploymentGroup`); default: the deployment's own blue/green configuration. */
  groupSettings?: { readyWait: WaitSetting; termination: WaitSetting };
  pacing?: Partial<PollPacing>;
  /** Emit a heartbeat after this long without an observation (default 30 s). */
  heartbeatMs?: number;
  /** Overall limit; default derived from the group's ready + termination waits (+ margin). */
  timeoutMs?: number;
  /** Lifecycle margin added to the derived timeout (default 30 min, AWS-side minutes). */
  marginMinutes?: number;
  random?: () => number;
};

/** A running watch: iterate it (`for await`) or use `onObservation`; `done` settles when it ends. */
export type DeploymentWatch = AsyncIterable<DeploymentObservation> & {
  readonly done: Promise<WatchOutcome>;
  /** Poll now (after an action of ours, or when the UI is brought to front). */
  poke(): void;
  /** Declares an action we are about to take, so its effect is not reported as out-of-band; also pokes. */
  expectAction(action: OwnAction): void;
  /** Ends the watch (resolves `done` with endedBy 'cancelled'). */
  stop(): void;
};

/** In long waits the target does not move: read it every sixth poll only. */
const slowTargetEvery = 6;
/** While lifecycle events run, GetDeployment every third poll (the target is read every poll). */
const activeDeploymentEvery = 3;

function describeChanges(
  prev: DeploymentObservation | undefined,
  dep: DeploymentSnapshot,
  target: TargetSnapshot | undefined,
): string[] {
  if (prev === undefined) return [`status ${dep.status}`];
  const lines: string[] = [];
  if (prev.status !== dep.status) lines.push(`status ${prev.status} -> ${dep.status}`);
  const pd = prev.deployment;
  if (
    dep.errorInformation?.code !== pd.errorInformation?.code &&
    dep.errorInformation !== undefined
  ) {
    lines.push(
      `error ${dep.errorInformation.code ?? '?'}: ${dep.errorInformation.message ?? ''}`.trim(),
    );
  }
  if (
    dep.rollbackInfo?.rollbackDeploymentId !== pd.rollbackInfo?.rollbackDeploymentId &&
    dep.rollbackInfo?.rollbackDeploymentId
  ) {
    lines.push(`rollback deployment ${dep.rollbackInfo.rollbackDeploymentId}`);
  }
  if (dep.terminationWaitStarted && !pd.terminationWaitStarted)
    lines.push('termination wait started');
  if (
    dep.statusMessages.join('\n') !== pd.statusMessages.join('\n') &&
    dep.statusMessages.length > 0
  ) {
    lines.push(`messages: ${dep.statusMessages.join(' | ')}`);
  }
  if (target !== undefined) {
    const before = new Map((prev.target?.lifecycleEvents ?? []).map((e) => [e.name, e.status]));
    for (const e of target.lifecycleEvents) {
      if (before.get(e.name) !== e.status) lines.push(`${e.name} ${e.status}`);
    }
    const weights = (t: TargetSnapshot | undefined) =>
      (t?.taskSets ?? [])
        .map((s) => `${s.label ?? s.id} ${s.trafficWeight}% ${s.status ?? ''}`.trim())
        .join(', ');
    if (weights(target) !== weights(prev.target))
      lines.push(`task sets: ${weights(target) || 'none'}`);
  }
  return lines;
}

function latestEventEnd(target: TargetSnapshot | undefined): number | undefined {
  const ends = (target?.lifecycleEvents ?? [])
    .map((e) => (e.endTime ? Date.parse(e.endTime) : NaN))
    .filter((t) => !Number.isNaN(t));
  return ends.length === 0 ? undefined : Math.max(...ends);
}

/**
 * Watches a deployment with our own polling loop (not the SDK waiter, whose fixed pace and hidden calls cannot be
 * journaled): GetDeployment every poll, the ECS target (lifecycle events, task sets) every poll while things move
 * and every third poll in long waits. Observations are emitted on change, plus heartbeats. Polls pace themselves
 * with `nextPollDelay`; throttling and degraded answers back off with jitter and are retried; an unknown status
 * is reported verbatim; `DeploymentNotStartedException` is "no target yet". A stop, continue or rollback done
 * elsewhere (the AWS console) is reported as out-of-band. The watch ends when the deployment is Succeeded, Failed or
 * Stopped; it fails with `watch-timeout` after the group's ready + termination waits (+ margin).
 */
export function watchDeployment(
  session: AwsSession,
  deploymentId: string,
  options: WatchOptions = {},
): DeploymentWatch {
  const pacing = { ...defaultPacing, ...options.pacing };
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const random = options.random ?? Math.random;
  const controller = new AbortController();
  const signal =
    options.signal === undefined
      ? controller.signal
      : AbortSignal.any([options.signal, controller.signal]);

  const queue: DeploymentObservation[] = [];
  const waiters: ((r: IteratorResult<DeploymentObservation>) => void)[] = [];
  let finished = false;
  let wake: (() => void) | undefined;
  const expected = new Set<OwnAction>();
  let calls = 0;
  let seq = 0;

  const emit = (o: DeploymentObservation): void => {
    try {
      options.onObservation?.(o);
    } catch (error) {
      log.warn('onObservation threw', { error: String(error) });
    }
    const waiter = waiters.shift();
    if (waiter) waiter({ value: o, done: false });
    else queue.push(o);
  };
  const closeIterators = (): void => {
    finished = true;
    for (const w of waiters.splice(0)) w({ value: undefined, done: true });
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolveSleep) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolveSleep();
      }
      wake = done;
      signal.addEventListener('abort', done, { once: true });
    });

  const run = async (): Promise<WatchOutcome> => {
    const startedAt = Date.now();
    let deadline: number | undefined =
      options.timeoutMs === undefined ? undefined : startedAt + options.timeoutMs;
    let last: DeploymentObservation | undefined;
    let lastEmitAt = Date.now();
    let lastChangeAt = Date.now();
    let target: TargetSnapshot | undefined;
    let failures = 0;
    let lastFailure: 'throttled' | 'degraded' | undefined;
    let slowPolls = 0;
    let activePolls = 0;
    let waitStart: { phase: WatchPhase; at: number } | undefined;
    let finalTargetFetched = false;

    while (!signal.aborted) {
      let deployment: DeploymentSnapshot | undefined;
      try {
        let targetFetched = false;
        const fetchTarget = async (): Promise<void> => {
          const t = await getEcsTarget(session, deploymentId, { signal });
          calls += t.meta.attempts;
          if (t.target !== undefined) target = t.target;
          targetFetched = true;
        };
        const lastPhase =
          last === undefined
            ? undefined
            : phaseOf(last.status, last.deployment.terminationWaitStarted);
        let fetchDeployment = true;
        if (last !== undefined && lastPhase === 'active' && target !== undefined) {
          // While lifecycle events run, the target shows what moves, and its status mirrors the deployment's
          // (Ready, Succeeded, Failed): the deployment itself is re-read when the target's status changes, an
          // event fails, or every third poll (for what only it carries: a stop, a rollback, error information).
          const before = target.status;
          await fetchTarget();
          activePolls += 1;
          const events = target.lifecycleEvents;
          fetchDeployment =
            target.status !== before ||
            activePolls % activeDeploymentEvery === 0 ||
            events.some((e) => e.status === 'Failed') ||
            // Every event done: the termination wait (a flag only the deployment carries) has begun.
            (events.length > 0 &&
              events.every((e) => e.status === 'Succeeded' || e.status === 'Skipped'));
          if (!fetchDeployment) deployment = last.deployment;
        }
        if (fetchDeployment) {
          const got = await getDeployment(session, deploymentId, { signal });
          calls += got.meta.attempts;
          deployment = got.deployment;
          const phase = phaseOf(deployment.status, deployment.terminationWaitStarted);
          const statusChanged = last === undefined || last.status !== deployment.status;
          const needTarget =
            !targetFetched &&
            ((deployment.isActive &&
              (phase === 'active' || statusChanged || slowPolls % slowTargetEvery === 0)) ||
              (deployment.isTerminal && !finalTargetFetched));
          if (needTarget) await fetchTarget();
        }
        if (deployment?.isTerminal && targetFetched) finalTargetFetched = true;
        failures = 0;
        lastFailure = undefined;
      } catch (error) {
        if (signal.aborted) break;
        const detail = awsErrorDetail(error);
        calls += detail?.attempts ?? 1;
        if (detail?.retryable !== true) throw error;
        failures += 1;
        lastFailure =
          error instanceof AppError && isThrottlingCode(error.code) ? 'throttled' : 'degraded';
        if (failures === 1 && last !== undefined) {
          emit({
            ...last,
            kind: 'poll-error',
            seq: ++seq,
            time: new Date().toISOString(),
            changes: [],
            outOfBand: [],
            error: toErrorShape(error),
            calls,
          });
          lastEmitAt = Date.now();
        }
      }

      const now = Date.now();
      if (deployment !== undefined) {
        const phase = phaseOf(deployment.status, deployment.terminationWaitStarted);
        if (deadline === undefined) {
          const ready = options.groupSettings?.readyWait ?? deployment.readyWait;
          const term = options.groupSettings?.termination ?? deployment.termination;
          deadline =
            startedAt +
            watchTimeoutMs({
              readyWaitMinutes: ready?.minutes,
              terminationWaitMinutes: term?.minutes,
              ...(options.marginMinutes === undefined
                ? {}
                : { marginMinutes: options.marginMinutes }),
              timeScale: session.timeScale,
            });
        }
        if (waitStart?.phase !== phase) {
          // Where the wait began, AWS-side: the end of the last lifecycle event, mapped to our clock.
          const awsEnd = latestEventEnd(target);
          const at =
            awsEnd === undefined
              ? now
              : now - Math.max(0, (session.awsNow() - awsEnd) / session.timeScale);
          waitStart = { phase, at };
        }
        const countdown = countdownOf(
          phase,
          waitStart.at,
          deployment,
          options.groupSettings,
          session.timeScale,
        );
        const changes = describeChanges(last, deployment, target);
        const outOfBand = last === undefined ? [] : detectOutOfBand(last, deployment, expected);
        const changed = last === undefined || changes.length > 0;
        if (changed || now - lastEmitAt >= heartbeatMs) {
          const o: DeploymentObservation = {
            kind: last === undefined ? 'initial' : changed ? 'change' : 'heartbeat',
            seq: ++seq,
            time: new Date(now).toISOString(),
            deploymentId,
            status: deployment.status,
            deployment,
            target,
            changes,
            outOfBand,
            countdown,
            error: undefined,
            calls,
          };
          if (changed) lastChangeAt = now;
          emit(o);
          last = o;
          lastEmitAt = now;
        }
        if (deployment.isTerminal && (finalTargetFetched || target === undefined)) {
          return {
            deploymentId,
            endedBy: 'terminal',
            deployment,
            target,
            observations: seq,
            calls,
          };
        }
        if (phase !== 'active') slowPolls += 1;
        else slowPolls = 0;
      }
      if (deadline !== undefined && now >= deadline) {
        throw new AppError(
          'watch-timeout',
          `Deployment ${deploymentId} is still ${last?.status ?? 'unknown'} after ${Math.round((now - startedAt) / 1000)} s, longer than the group's ready and termination waits allow. It may need attention in CodeDeploy.`,
          { deploymentId, status: last?.status, retryable: true },
        );
      }
      const phase =
        last === undefined
          ? 'active'
          : phaseOf(last.status, last.deployment.terminationWaitStarted);
      const endsAt = last?.countdown === undefined ? undefined : Date.parse(last.countdown.endsAt);
      const delay = nextPollDelay(
        {
          phase,
          msSinceChange: now - lastChangeAt,
          msUntilDeadline: endsAt === undefined ? undefined : endsAt - now,
          consecutiveFailures: failures,
          lastFailure,
        },
        pacing,
        random,
      );
      await sleep(Math.max(0, Math.min(delay, (deadline ?? Infinity) - now, heartbeatMs)));
    }
    return {
      deploymentId,
      endedBy: 'cancelled',
      deployment: last?.deployment,
      target: last?.target,
      observations: seq,
      calls,
    };
  };

  const done = run().finally(closeIterators);
  done.catch(() => {});

  return {
    done,
    poke() {
      wake?.();
    },
    expectAction(action) {
      expected.add(action);
      wake?.();
    },
    stop() {
      controller.abort();
    },
    [Symbol.asyncIterator]() {
      return {
        next(): Promise<IteratorResult<DeploymentObservation>> {
          const item = queue.shift();
          if (item !== undefined) return Promise.resolve({ value: item, done: false });
          if (finished) {
            // Surface a failed watch to the iterating caller.
            return done.then(() => ({ value: undefined, done: true }));
          }
          return new Promise((resolveNext) => waiters.push(resolveNext));
        },
        return(): Promise<IteratorResult<DeploymentObservation>> {
          controller.abort();
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}

function countdownOf(
  phase: WatchPhase,
  startedAt: number,
  deployment: DeploymentSnapshot,
  group: WatchOptions['groupSettings'],
  timeScale: number,
): Countdown | undefined {
  const wait =
    phase === 'ready-wait'
      ? (group?.readyWait ?? deployment.readyWait)
      : phase === 'termination-wait'
        ? (group?.termination ?? deployment.termination)
        : undefined;
  if (wait?.minutes === undefined || (phase !== 'ready-wait' && phase !== 'termination-wait'))
    return undefined;
  return {
    kind: phase,
    endsAt: new Date(startedAt + (wait.minutes * 60_000) / timeScale).toISOString(),
    action: wait.action,
  };
}

/** What changed that none of our own declared actions explains. */
export function detectOutOfBand(
  prev: DeploymentObservation,
  dep: DeploymentSnapshot,
  expected: Set<OwnAction>,
): OutOfBand[] {
  const found: OutOfBand[] = [];
  const before = prev.deployment;
  if (
    before.status === 'Ready' &&
    dep.status !== 'Ready' &&
    dep.status !== 'Stopped' &&
    dep.status !== 'Failed' &&
    !expected.has('continue-ready')
  ) {
    found.push({
      kind: 'continued',
      message:
        'Production traffic was approved (ContinueDeployment READY_WAIT) outside this console.',
    });
  }
  if (dep.status === 'Stopped' && before.status !== 'Stopped' && !expected.has('stop')) {
    const code = dep.errorInformation?.code;
    const byAlarm = code === 'ALARM_ACTIVE';
    const byTimeout = code === 'TIMEOUT';
    if (!byAlarm && !byTimeout) {
      found.push({
        kind: 'stopped',
        message: `The deployment was stopped outside this console${code ? ` (${code})` : ''}.`,
      });
    }
  }
  if (
    dep.rollbackInfo?.rollbackDeploymentId &&
    !before.rollbackInfo?.rollbackDeploymentId &&
    !expected.has('stop')
  ) {
    found.push({
      kind: 'rollback-started',
      message: `CodeDeploy started rollback deployment ${dep.rollbackInfo.rollbackDeploymentId}.`,
    });
  }
  if (
    before.terminationWaitStarted &&
    before.status === 'InProgress' &&
    dep.status === 'Succeeded' &&
    !expected.has('continue-termination')
  ) {
    // Normal at the end of the wait; early only if the countdown had not run out.
    const ends =
      prev.countdown?.endsAt === undefined ? undefined : Date.parse(prev.countdown.endsAt);
    if (ends !== undefined && Date.now() < ends - 5_000) {
      found.push({
        kind: 'termination-ended-early',
        message: 'The termination wait was ended early outside this console.',
      });
    }
  }
  return found;
}
