import type { DeploymentView } from '../../../../shared/domain/run';

type TaskSet = DeploymentView['taskSets'][number];

const colourOf = (label: string) =>
  /green/i.test(label) ? 'green' : /blue/i.test(label) ? 'blue' : 'other';

/** Production traffic weights of the task sets as AWS reports them (0..100 each). */
export function TrafficBar({ taskSets }: { taskSets: TaskSet[] }) {
  if (taskSets.length === 0) {
    return (
      <p className="muted">No task sets reported yet (ECS reports them once Install starts).</p>
    );
  }
  const description = taskSets
    .map((set) => `${set.label} ${Math.round(set.trafficWeight)} %`)
    .join(', ');
  return (
    <div className="traffic">
      <h3>Production traffic</h3>
      <div className="traffic-bar" role="img" aria-label={`Production traffic: ${description}`}>
        {taskSets.map((set) =>
          set.trafficWeight > 0 ? (
            <div
              key={set.label}
              className={`traffic-segment traffic-${colourOf(set.label)}`}
              style={{ width: `${Math.min(100, set.trafficWeight)}%` }}
            >
              {set.label} {Math.round(set.trafficWeight)} %
            </div>
          ) : null,
        )}
      </div>
      <ul className="traffic-legend">
        {taskSets.map((set) => (
          <li key={set.label}>
            <span className={`swatch traffic-${colourOf(set.label)}`} aria-hidden="true" />
            <strong>{set.label}</strong> {Math.round(set.trafficWeight)} % · {set.status}
            {set.runningCount !== undefined && set.desiredCount !== undefined && (
              <span className="muted">
                {' '}
                · {set.runningCount}/{set.desiredCount} tasks running
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
