/**
 * The deployment watcher's pacing, as pure functions so the maths is tested without a clock.
 *
 * CodeDeploy publishes no per-API rate for GetDeployment, and ~41 calls a minute has been throttled in practice
 * (reference, "Quotas"). So: poll fast only where a transition is likely (a deployment starting, lifecycle events
 * running, traffic moving, the last seconds of a known wait, just after our own action), slowly through the long
 * Ready and termination waits, and back off with jitter when AWS throttles or degrades.
 */

/** Where a deployment is, as far as pacing is concerned. */
export type WatchPhase =
  /** Created/Queued, or InProgress with lifecycle events running: transitions every few seconds. */
  | 'active'
  /** Ready: waiting for ContinueDeployment(READY_WAIT), up to the group's ready wait (e.g. 20 min). */
  | 'ready-wait'
  /** Traffic shifted; the blue task set is kept for the group's termination wait (e.g. 10 min). */
  | 'termination-wait'
  /** A status we do not know: poll at the normal pace and render it verbatim. */
  | 'unknown';

export type PollPacing = {
  /** Interval near transitions. */
  fastMs: number;
  /** Interval when nothing is expected to change soon. */
  slowMs: number;
  /** Interval for unknown statuses. */
  normalMs: number;
  /** How long after a change to stay fast when the phase itself says nothing (an unknown status). */
  settleMs: number;
  /** How close to the end of a known wait to switch to fast polling. */
  deadlineLeadMs: number;
  /** Past the expected end of a wait by this much, stop polling fast (AWS is slower than the countdown). */
  overrunMs: number;
  /** First back-off delay after throttling; doubles per consecutive failure up to `maxBackoffMs`. */
  throttleBaseMs: number;
  /** First back-off delay after a 5xx, timeout or network failure. */
  errorBaseMs: number;
  maxBackoffMs: number;
  /** +/- fraction of jitter applied to normal intervals so several watchers never poll in lockstep. */
  jitter: number;
};

export const defaultPacing: PollPacing = {
  fastMs: 1_500,
  slowMs: 5_000,
  normalMs: 2_500,
  settleMs: 6_000,
  deadlineLeadMs: 3_000,
  overrunMs: 15_000,
  throttleBaseMs: 2_000,
  errorBaseMs: 1_000,
  maxBackoffMs: 30_000,
  jitter: 0.1,
};

export type PollState = {
  phase: WatchPhase;
  /** Real milliseconds since the last observed change or our own action. */
  msSinceChange: number;
  /** Real milliseconds until the current wait is expected to end (ready window or termination wait), if known. */
  msUntilDeadline: number | undefined;
  /** Consecutive failed polls (0 when the last poll succeeded). */
  consecutiveFailures: number;
  /** What the last failure was. */
  lastFailure: 'throttled' | 'degraded' | undefined;
};

/**
 * Milliseconds to wait before the next poll. `random` is injectable (tests pass a constant); it returns [0, 1).
 *
 * Back-off is "equal jitter": half the exponential delay fixed, half random, so the wait never collapses to
 * zero under a throttling storm (full jitter can) while watchers still spread out.
 */
export function nextPollDelay(
  state: PollState,
  pacing: PollPacing = defaultPacing,
  random: () => number = Math.random,
): number {
  if (state.consecutiveFailures > 0) {
    const base = state.lastFailure === 'throttled' ? pacing.throttleBaseMs : pacing.errorBaseMs;
    const exp = Math.min(
      pacing.maxBackoffMs,
      base * 2 ** Math.min(state.consecutiveFailures - 1, 16),
    );
    return Math.round(exp / 2 + random() * (exp / 2));
  }
  const interval = baseInterval(state, pacing);
  const spread = interval * pacing.jitter;
  return Math.max(0, Math.round(interval - spread + random() * 2 * spread));
}

/** The un-jittered interval for a healthy poll. */
export function baseInterval(state: PollState, pacing: PollPacing = defaultPacing): number {
  switch (state.phase) {
    case 'active':
      return pacing.fastMs;
    case 'ready-wait':
    case 'termination-wait': {
      // Entering a wait is a change too, but the next transition is the operator's or the countdown's: no
      // settle period here (it would double the calls of a time-compressed run for nothing).
      const left = state.msUntilDeadline;
      if (left !== undefined && left < -pacing.overrunMs) return pacing.normalMs;
      if (left !== undefined && left <= pacing.deadlineLeadMs) return pacing.fastMs;
      // Never sleep past the expected end of the wait by more than the fast interval.
      if (left !== undefined)
        return Math.max(pacing.fastMs, Math.min(pacing.slowMs, left - pacing.deadlineLeadMs));
      return pacing.slowMs;
    }
    default:
      return state.msSinceChange < pacing.settleMs ? pacing.fastMs : pacing.normalMs;
  }
}

/**
 * Which phase a deployment is in, from its status and whether the termination wait has started
 * (`instanceTerminationWaitTimeStarted`, reference "Status and events").
 */
export function phaseOf(status: string | undefined, terminationWaitStarted: boolean): WatchPhase {
  switch (status) {
    case 'Created':
    case 'Queued':
    case 'Baking':
      return 'active';
    case 'InProgress':
      return terminationWaitStarted ? 'termination-wait' : 'active';
    case 'Ready':
      return 'ready-wait';
    default:
      return 'unknown';
  }
}

/**
 * How long the whole watch may last: the group's ready wait plus its termination wait plus a margin for the
 * lifecycle itself (hooks may take up to an hour each; the default margin covers a normal ECS rollout), all divided
 * by the time scale (1 for AWS; the sandbox runs its clock faster), plus a real-time margin for our own polling and
 * the network. Never a fixed 30 minutes (reference).
 */
export function watchTimeoutMs(settings: {
  readyWaitMinutes: number | undefined;
  terminationWaitMinutes: number | undefined;
  marginMinutes?: number;
  timeScale?: number;
  realMarginMs?: number;
}): number {
  const minutes =
    (settings.readyWaitMinutes ?? 0) +
    (settings.terminationWaitMinutes ?? 0) +
    (settings.marginMinutes ?? 30);
  return (
    Math.ceil((minutes * 60_000) / (settings.timeScale ?? 1)) + (settings.realMarginMs ?? 60_000)
  );
}
