/**
 * Sandbox time: epoch milliseconds that run `timeScale` times faster than the wall clock. Every wait in the
 * sandbox (lifecycle events, the Ready window, the termination wait) is measured on this clock, so a 20-minute
 * window passes in 2 s at time scale 600 and in 20 minutes at time scale 1.
 */
export type SandboxClock = {
  readonly timeScale: number;
  now(): number;
  /** Jumps sandbox time forward (control endpoint `advanceMs`); never backwards. */
  advance(ms: number): void;
  /** Wall-clock milliseconds until sandbox time reaches `at` (0 when already past). */
  realDelayUntil(at: number): number;
};

/**
 * @param timeScale sandbox milliseconds per wall-clock millisecond (> 0)
 * @param startAt sandbox time at creation (a restarted sandbox resumes where its state file stopped)
 * @param realNow the wall clock, injectable for tests
 */
export function createClock(
  timeScale: number,
  startAt: number = Date.now(),
  realNow: () => number = Date.now,
): SandboxClock {
  const anchorReal = realNow();
  let anchorSandbox = startAt;
  const now = (): number => Math.floor(anchorSandbox + (realNow() - anchorReal) * timeScale);
  return {
    timeScale,
    now,
    advance(ms) {
      if (ms > 0) anchorSandbox += ms;
    },
    realDelayUntil(at) {
      return Math.max(0, Math.ceil((at - now()) / timeScale));
    },
  };
}
