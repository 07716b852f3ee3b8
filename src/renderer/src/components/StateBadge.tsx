import type { StepView } from '../../../shared/domain/run';

const labels: Record<StepView['state'], string> = {
  pending: 'Pending',
  ready: 'Ready',
  running: 'Running',
  passed: 'Passed',
  failed: 'Failed',
  overridden: 'Overridden',
  attested: 'Attested',
  skipped: 'Skipped',
};

/** A step's state as main reports it; a pending step with a reason reads as Blocked. */
export function stepStateLabel(step: Pick<StepView, 'state' | 'blockedReason'>): string {
  if (step.state === 'pending' && step.blockedReason !== undefined) return 'Blocked';
  return labels[step.state] ?? step.state;
}

export function StateBadge({ step }: { step: Pick<StepView, 'state' | 'blockedReason'> }) {
  const isBlocked = step.state === 'pending' && step.blockedReason !== undefined;
  return (
    <span className={`badge badge-${isBlocked ? 'blocked' : step.state}`} data-state={step.state}>
      {stepStateLabel(step)}
    </span>
  );
}
