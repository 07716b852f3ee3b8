import type { DeploymentView } from '../../../../shared/domain/run';
import { formatDuration, formatTime } from '../../lib/format';

/** CodeDeploy's lifecycle events in AWS's order, with their status and times. */
export function LifecycleTimeline({ events }: { events: DeploymentView['lifecycleEvents'] }) {
  if (events.length === 0) return <p className="muted">No lifecycle events yet.</p>;
  return (
    <div>
      <h3>Lifecycle events</h3>
      <ol className="timeline" aria-label="Lifecycle events">
        {events.map((event) => (
          <li
            key={event.name}
            className={`timeline-item lifecycle-${event.status.toLowerCase()}`}
            data-status={event.status}
          >
            <span className="timeline-dot" aria-hidden="true" />
            <span className="timeline-name">{event.name}</span>
            <span className="timeline-status">{event.status}</span>
            <span className="muted timeline-times">
              {event.startTime !== undefined ? formatTime(event.startTime) : ''}
              {event.endTime !== undefined ? ` → ${formatTime(event.endTime)}` : ''}
              {formatDuration(event.startTime, event.endTime) !== undefined
                ? ` (${formatDuration(event.startTime, event.endTime)})`
                : ''}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
