import type { DeploymentView } from '../../../../shared/domain/run';
import { formatRemaining } from '../../lib/format';
import { useNow } from '../../lib/use-now';

type CountdownView = NonNullable<DeploymentView['readyWait']>;

const outcomes: Record<string, string> = {
  STOP_DEPLOYMENT: 'then AWS stops the deployment',
  CONTINUE_DEPLOYMENT: 'then AWS shifts traffic on its own',
  TERMINATE: 'then AWS removes the blue task set',
  KEEP_ALIVE: 'then blue is kept',
};

/** Ticks from the deadline main derived from AWS's own times; says what AWS does when it runs out. */
export function Countdown({
  label,
  countdown,
  isRunning,
}: {
  label: string;
  countdown: CountdownView;
  isRunning: boolean;
}) {
  const now = useNow(isRunning && countdown.deadline !== undefined);
  const outcome = outcomes[countdown.action] ?? `then ${countdown.action}`;
  if (countdown.deadline === undefined) {
    return (
      <div className="countdown" role="timer" aria-label={label}>
        <span className="countdown-label">{label}</span>
        <span className="countdown-value">{countdown.minutes} min</span>
        <span className="muted">not started · {outcome}</span>
      </div>
    );
  }
  const remaining = new Date(countdown.deadline).getTime() - now;
  const isOver = remaining <= 0;
  const isUrgent = !isOver && remaining < 2 * 60_000;
  return (
    <div
      className={`countdown${isUrgent ? ' countdown-urgent' : ''}`}
      role="timer"
      aria-label={label}
      data-deadline={countdown.deadline}
    >
      <span className="countdown-label">{label}</span>
      <span className="countdown-value">
        {isRunning ? (isOver ? '0:00' : formatRemaining(remaining)) : '—'}
      </span>
      <span className="muted">
        {isRunning
          ? isOver
            ? `ran out · ${countdown.action}`
            : `left of ${countdown.minutes} min · ${outcome}`
          : `${countdown.minutes} min window · over`}
      </span>
    </div>
  );
}
