import { useState } from 'react';
import type { DeploymentView } from '../../../../shared/domain/run';
import { formatTime } from '../../lib/format';
import { selectDeployment, selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';
import { Countdown } from './Countdown';
import { LifecycleTimeline } from './LifecycleTimeline';
import { RollbackButton } from './RollbackButton';
import { TrafficBar } from './TrafficBar';

const terminalStatuses = new Set(['Succeeded', 'Failed', 'Stopped']);

/** The deployment as CodeDeploy reports it, with Approve, Roll back and Terminate blue now. */
export function DeploymentPanel() {
  const deployment = useAppStore(selectDeployment);
  if (deployment === undefined) {
    return (
      <section className="stack" aria-label="Deployment">
        <p className="empty">No deployment yet: it appears here once the checklist creates it.</p>
      </section>
    );
  }
  return <DeploymentBody deployment={deployment} />;
}

function DeploymentBody({ deployment }: { deployment: DeploymentView }) {
  const isApproving = useAppStore(selectIsBusy('approve'));
  const isTerminating = useAppStore(selectIsBusy('terminate'));
  const approve = useAppStore((s) => s.actions.approve);
  const terminateBlue = useAppStore((s) => s.actions.terminateBlue);
  const [isTerminateConfirming, setTerminateConfirming] = useState(false);
  const status = deployment.status;
  const statusClass = terminalStatuses.has(status)
    ? status === 'Succeeded'
      ? 'status-ok'
      : 'status-bad'
    : status === 'Ready'
      ? 'status-ready'
      : 'status-active';
  const isReadyWaitRunning = status === 'Ready' && deployment.readyWait !== undefined;
  const isTerminationWaitRunning =
    deployment.canTerminateBlue && deployment.terminationWait !== undefined;

  return (
    <section className="deployment stack" aria-label="Deployment" data-deployment-status={status}>
      <header className="row between wrap">
        <div>
          <h2>
            Deployment <code>{deployment.deploymentId}</code>
          </h2>
          <p className="muted">
            {deployment.creator !== undefined && <>by {deployment.creator} · </>}
            created {formatTime(deployment.createTime)}
            {deployment.completeTime !== undefined && (
              <> · completed {formatTime(deployment.completeTime)}</>
            )}
          </p>
        </div>
        <span
          className={`deployment-status ${statusClass}`}
          role="status"
          aria-label="Deployment status"
        >
          {status}
        </span>
      </header>

      {deployment.errorInformation !== undefined && (
        <div className="notice notice-bad" role="alert" aria-label="Deployment error">
          <strong>AWS reports </strong>
          <code>{deployment.errorInformation.code}</code>: {deployment.errorInformation.message}
        </div>
      )}
      {deployment.rollback !== undefined && (
        <div className="notice notice-warn" role="status" aria-label="Rollback">
          <strong>Rollback deployment </strong>
          <code>{deployment.rollback.deploymentId}</code>
          {deployment.rollback.status !== undefined && <> — {deployment.rollback.status}</>}
          {deployment.rollback.message !== undefined && <div>{deployment.rollback.message}</div>}
        </div>
      )}

      <TrafficBar taskSets={deployment.taskSets} />

      <div className="countdowns">
        {deployment.readyWait !== undefined && (
          <Countdown
            label="Ready window"
            countdown={deployment.readyWait}
            isRunning={isReadyWaitRunning}
          />
        )}
        {deployment.terminationWait !== undefined && (
          <Countdown
            label="Blue termination"
            countdown={deployment.terminationWait}
            isRunning={isTerminationWaitRunning}
          />
        )}
      </div>

      <div className="actions row wrap">
        <div className="approve">
          <button
            type="button"
            className="primary"
            disabled={!deployment.canApprove || isApproving}
            aria-describedby={deployment.canApprove ? undefined : 'approve-blocked'}
            onClick={() => void approve()}
          >
            {isApproving ? 'Approving…' : 'Approve traffic shift'}
          </button>
          {!deployment.canApprove && deployment.approveBlockedReason !== undefined && (
            <p id="approve-blocked" className="hint" aria-label="Approve blocked">
              {deployment.approveBlockedReason}
            </p>
          )}
        </div>
        {deployment.canTerminateBlue && (
          <button
            type="button"
            disabled={isTerminating}
            onClick={() => setTerminateConfirming(true)}
          >
            Terminate blue now
          </button>
        )}
        <RollbackButton />
      </div>
      {isTerminateConfirming && (
        <div
          className="notice notice-warn row between"
          role="alertdialog"
          aria-label="Confirm terminate blue"
        >
          <span>
            Remove the blue task set now? After this, rolling back means a new deployment of the
            last good version.
          </span>
          <span className="row">
            <button type="button" onClick={() => setTerminateConfirming(false)}>
              Keep blue
            </button>
            <button
              type="button"
              className="danger"
              disabled={isTerminating}
              onClick={() => void terminateBlue().then(() => setTerminateConfirming(false))}
            >
              Terminate blue
            </button>
          </span>
        </div>
      )}

      <LifecycleTimeline events={deployment.lifecycleEvents} />
    </section>
  );
}
