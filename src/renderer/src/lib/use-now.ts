import { useEffect, useState } from 'react';

/**
 * The current time, re-read every `intervalMs` while `isTicking`: countdowns tick from the deadlines main sent,
 * so a missed tick never drifts (each render recomputes from the deadline).
 */
export function useNow(isTicking: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!isTicking) return;
    // Catch up at once (the clock may have stood still while not ticking), then every interval.
    const first = setTimeout(() => setNow(Date.now()), 0);
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [isTicking, intervalMs]);
  return now;
}
