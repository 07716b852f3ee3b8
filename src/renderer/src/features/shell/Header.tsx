import { useAppStore } from '../../store/context';

const connectionLabels = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
} as const;

export function Header() {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const operator = useAppStore((s) => s.run?.operator);

  return (
    <header className="header">
      <div className="brand">
        <span className="logo" aria-hidden="true" />
        <h1>Greenlight</h1>
        {info && (
          <span className="muted" aria-label="Version">
            v{info.version}
          </span>
        )}
        {info && (
          <span className="pill" aria-label="Host">
            {info.hostKind === 'electron' ? 'Desktop' : 'Browser host'}
          </span>
        )}
      </div>
      <div className="header-controls">
        {operator !== undefined && (
          <span className="muted" aria-label="Operator">
            {operator}
          </span>
        )}
        {operator !== undefined && (
          <span className="keys muted" aria-hidden="true">
            j/k steps · Enter opens
          </span>
        )}
        <span
          className={`connection connection-${connection}`}
          role="status"
          aria-label="Connection"
        >
          {connectionLabels[connection]}
        </span>
      </div>
    </header>
  );
}
