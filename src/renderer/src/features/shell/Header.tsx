import { useShallow } from 'zustand/react/shallow';
import { selectEnvironments } from '../../store';
import { useAppStore } from '../../store/context';

const connectionLabels = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
} as const;

export function Header() {
  const info = useAppStore((s) => s.info);
  const connection = useAppStore((s) => s.connection);
  const environments = useAppStore(useShallow(selectEnvironments));
  const selected = useAppStore((s) => s.selectedEnvironment);
  const selectEnvironment = useAppStore((s) => s.actions.selectEnvironment);

  return (
    <header className="header">
      <div className="brand">
        <span className="logo" aria-hidden="true" />
        <h1>Greenlight</h1>
        {info && <span className="muted" aria-label="Version">v{info.version}</span>}
        {info && (
          <span className="pill" aria-label="Host">
            {info.hostKind === 'electron' ? 'Desktop' : 'Browser host'}
          </span>
        )}
      </div>
      <div className="header-controls">
        <label className="field-inline">
          <span>Environment</span>
          <select
            aria-label="Environment"
            value={selected ?? ''}
            disabled={environments.length === 0}
            onChange={(event) => selectEnvironment(event.target.value)}
          >
            {environments.map((env) => (
              <option key={env.name} value={env.name}>
                {env.name} {env.target === 'sandbox' ? '(sandbox)' : `(${env.region})`}
              </option>
            ))}
          </select>
        </label>
        <span className={`connection connection-${connection}`} role="status" aria-label="Connection">
          {connectionLabels[connection]}
        </span>
      </div>
    </header>
  );
}
