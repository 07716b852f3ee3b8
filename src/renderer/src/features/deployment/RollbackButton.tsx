import { useState } from 'react';
import { ReasonDialog } from '../../components/ReasonDialog';
import { selectDeployment, selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';

/** Roll back: visible whenever a deployment exists, one confirmation asking why. */
export function RollbackButton() {
  const deployment = useAppStore(selectDeployment);
  const isBusy = useAppStore(selectIsBusy('rollback'));
  const rollback = useAppStore((s) => s.actions.rollback);
  const [isOpen, setOpen] = useState(false);
  if (deployment === undefined) return null;
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={!deployment.canRollback || isBusy}
        title={
          deployment.canRollback
            ? undefined
            : 'Nothing to roll back: the deployment is not active and blue is gone'
        }
        onClick={() => setOpen(true)}
      >
        {isBusy ? 'Rolling back…' : 'Roll back'}
      </button>
      {isOpen && (
        <ReasonDialog
          title="Roll back this deployment?"
          description={`StopDeployment with automatic rollback on ${deployment.deploymentId}: production traffic returns to blue and CodeDeploy creates a rollback deployment, which Greenlight follows to the end.`}
          confirmLabel="Roll back now"
          isDanger
          isBusy={isBusy}
          onConfirm={rollback}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
