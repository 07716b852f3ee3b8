import { useShallow } from 'zustand/react/shallow';
import { formatDateTime } from '../../lib/format';
import { selectFinishedRuns, selectUnfinishedRuns } from '../../store';
import { useAppStore } from '../../store/context';

/** Unfinished runs offered for resume (the app may have been closed mid-deployment), then recent ones. */
export function RunList() {
  const runs = useAppStore((s) => s.runs);
  const unfinished = useAppStore(useShallow(selectUnfinishedRuns));
  const finished = useAppStore(useShallow(selectFinishedRuns));
  const openRun = useAppStore((s) => s.actions.openRun);

  return (
    <aside className="panel runs" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      {runs === undefined && <p className="muted">Loading runs…</p>}
      {runs !== undefined && runs.length === 0 && <p className="muted">No runs yet.</p>}
      {unfinished.length > 0 && (
        <>
          <h3>Unfinished — resume where you left off</h3>
          <ul className="run-list" aria-label="Unfinished runs">
            {unfinished.map((run) => (
              <li key={run.id} className="run-item run-unfinished" data-run-id={run.id}>
                <div>
                  <strong>
                    {run.environment} {run.version}
                  </strong>
                  <div className="muted">started {formatDateTime(run.startedAt)}</div>
                  <div>{run.headline}</div>
                </div>
                <button
                  type="button"
                  className="primary"
                  aria-label={`Resume ${run.environment} ${run.version}`}
                  onClick={() => void openRun(run.id)}
                >
                  Resume
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {finished.length > 0 && (
        <>
          <h3>Recent</h3>
          <ul className="run-list" aria-label="Recent runs">
            {finished.slice(0, 8).map((run) => (
              <li key={run.id} className="run-item" data-run-id={run.id}>
                <div>
                  <strong>
                    {run.environment} {run.version}
                  </strong>{' '}
                  <span className={`outcome outcome-${run.outcome ?? 'none'}`}>
                    {run.outcome ?? 'ended'}
                  </span>
                  <div className="muted">{formatDateTime(run.startedAt)}</div>
                </div>
                <button
                  type="button"
                  aria-label={`Open ${run.environment} ${run.version} (${run.outcome ?? 'ended'})`}
                  onClick={() => void openRun(run.id)}
                >
                  Open
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
