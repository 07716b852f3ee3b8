import { useAppStore } from '../../store/context';
import { RollbackButton } from '../deployment/RollbackButton';

/** Which run this is, where it stands, and Roll back whenever a deployment exists. */
export function RunBar() {
  const run = useAppStore((s) => s.run);
  const leaveRun = useAppStore((s) => s.actions.leaveRun);
  const setTab = useAppStore((s) => s.actions.setTab);
  if (run === undefined) return null;
  return (
    <div className="run-bar" data-run-id={run.id} data-outcome={run.outcome ?? 'open'}>
      <button type="button" className="icon-button" aria-label="Back to start" onClick={leaveRun}>
        ←
      </button>
      <div className="run-title">
        <h2>
          {run.environment} <span aria-label="Run version">{run.version}</span>
          {run.isRehearsal && <span className="pill">rehearsal</span>}
          {run.outcome !== undefined && (
            <span className={`outcome outcome-${run.outcome}`} aria-label="Outcome">
              {run.outcome}
            </span>
          )}
        </h2>
        <p className="headline" role="status" aria-label="Headline">
          {run.headline}
        </p>
      </div>
      {run.deployment !== undefined && (
        <div className="run-bar-deployment">
          <button
            type="button"
            className="link-button"
            onClick={() => setTab('deployment')}
            aria-label="Show deployment"
          >
            <code>{run.deployment.deploymentId}</code> {run.deployment.status}
          </button>
          <RollbackButton />
        </div>
      )}
    </div>
  );
}
