import { describe, expect, it } from 'vitest';
import {
  baseInterval,
  defaultPacing,
  nextPollDelay,
  phaseOf,
  watchTimeoutMs,
  type PollState,
} from '../../../src/main/core/aws/poll-interval';

const calm: PollState = {
  phase: 'active',
  msSinceChange: 60_000,
  msUntilDeadline: undefined,
  consecutiveFailures: 0,
  lastFailure: undefined,
};
const mid = () => 0.5;

describe('poll pacing', () => {
  it('polls fast while lifecycle events run and slowly in long waits', () => {
    expect(baseInterval({ ...calm, phase: 'active' })).toBe(defaultPacing.fastMs);
    expect(baseInterval({ ...calm, phase: 'ready-wait', msUntilDeadline: 19 * 60_000 })).toBe(
      defaultPacing.slowMs,
    );
    expect(baseInterval({ ...calm, phase: 'termination-wait' })).toBe(defaultPacing.slowMs);
    expect(baseInterval({ ...calm, phase: 'unknown' })).toBe(defaultPacing.normalMs);
  });

  it('polls fast near the end of a known wait, never sleeps past it, and calms down on overrun', () => {
    expect(
      baseInterval({ ...calm, phase: 'ready-wait', msSinceChange: 0, msUntilDeadline: 600_000 }),
    ).toBe(defaultPacing.slowMs);
    expect(baseInterval({ ...calm, phase: 'termination-wait', msUntilDeadline: 2_000 })).toBe(
      defaultPacing.fastMs,
    );
    expect(baseInterval({ ...calm, phase: 'termination-wait', msUntilDeadline: 5_000 })).toBe(
      2_000,
    );
    expect(baseInterval({ ...calm, phase: 'termination-wait', msUntilDeadline: 7_000 })).toBe(
      4_000,
    );
    expect(baseInterval({ ...calm, phase: 'termination-wait', msUntilDeadline: -5_000 })).toBe(
      defaultPacing.fastMs,
    );
    expect(baseInterval({ ...calm, phase: 'termination-wait', msUntilDeadline: -20_000 })).toBe(
      defaultPacing.normalMs,
    );
  });

  it('stays fast for a while after a change into an unknown status', () => {
    expect(baseInterval({ ...calm, phase: 'unknown', msSinceChange: 1_000 })).toBe(
      defaultPacing.fastMs,
    );
    expect(baseInterval({ ...calm, phase: 'unknown', msSinceChange: 10_000 })).toBe(
      defaultPacing.normalMs,
    );
  });

  it('jitters healthy intervals within +/-10 %', () => {
    expect(nextPollDelay(calm, defaultPacing, () => 0)).toBe(1_350);
    expect(nextPollDelay(calm, defaultPacing, mid)).toBe(1_500);
    expect(nextPollDelay(calm, defaultPacing, () => 0.999999)).toBe(1_650);
  });

  it('backs off exponentially with equal jitter on throttling, harder than on 5xx, capped', () => {
    const throttled = (n: number, r: () => number) =>
      nextPollDelay(
        { ...calm, consecutiveFailures: n, lastFailure: 'throttled' },
        defaultPacing,
        r,
      );
    expect([1, 2, 3, 4].map((n) => throttled(n, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect([1, 2, 3, 4].map((n) => throttled(n, () => 0.999999))).toEqual([
      2_000, 4_000, 8_000, 16_000,
    ]);
    expect(throttled(30, () => 0.999999)).toBe(defaultPacing.maxBackoffMs);
    expect(throttled(30, () => 0)).toBe(defaultPacing.maxBackoffMs / 2);
    const degraded = nextPollDelay(
      { ...calm, consecutiveFailures: 1, lastFailure: 'degraded' },
      defaultPacing,
      () => 0,
    );
    expect(degraded).toBe(500);
  });

  it('maps statuses to phases, unknown ones included', () => {
    expect(phaseOf('Created', false)).toBe('active');
    expect(phaseOf('InProgress', false)).toBe('active');
    expect(phaseOf('InProgress', true)).toBe('termination-wait');
    expect(phaseOf('Ready', false)).toBe('ready-wait');
    expect(phaseOf('Hibernating', false)).toBe('unknown');
    expect(phaseOf(undefined, false)).toBe('unknown');
  });

  it('derives the watch timeout from the group waits, scaled for the sandbox clock', () => {
    expect(
      watchTimeoutMs({ readyWaitMinutes: 20, terminationWaitMinutes: 10, realMarginMs: 0 }),
    ).toBe(60 * 60_000);
    expect(
      watchTimeoutMs({
        readyWaitMinutes: 20,
        terminationWaitMinutes: 10,
        marginMinutes: 0,
        realMarginMs: 0,
      }),
    ).toBe(30 * 60_000);
    expect(
      watchTimeoutMs({
        readyWaitMinutes: 20,
        terminationWaitMinutes: 10,
        marginMinutes: 0,
        timeScale: 600,
        realMarginMs: 1_000,
      }),
    ).toBe(4_000);
    expect(watchTimeoutMs({ readyWaitMinutes: 2880, terminationWaitMinutes: undefined })).toBe(
      (2880 + 30) * 60_000 + 60_000,
    );
  });
});
