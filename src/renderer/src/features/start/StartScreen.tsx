import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectEnvironments } from '../../store';
import { useAppStore } from '../../store/context';
import { IdentityPanel } from './IdentityPanel';
import { RunList } from './RunList';
import { VersionForm } from './VersionForm';

/** Where a release begins: environment, who you are on it, whether the VPN is up, the version, or a run to resume. */
export function StartScreen() {
  const environments = useAppStore(useShallow(selectEnvironments));
  const selected = useAppStore((s) => s.selectedEnvironment);
  const selectEnvironment = useAppStore((s) => s.actions.selectEnvironment);
  const loadEnvironmentStatus = useAppStore((s) => s.actions.loadEnvironmentStatus);
  const loadRuns = useAppStore((s) => s.actions.loadRuns);
  const configProblems = useAppStore(useShallow((s) => s.info?.configProblems ?? []));
  const isConnected = useAppStore((s) => s.connection === 'connected');

  useEffect(() => {
    if (isConnected) void loadRuns();
  }, [isConnected, loadRuns]);
  useEffect(() => {
    if (isConnected && selected !== undefined) void loadEnvironmentStatus(selected);
  }, [isConnected, selected, loadEnvironmentStatus]);

  return (
    <main className="start" aria-label="Start a release">
      <div className="start-main">
        <section className="panel" aria-labelledby="start-environment">
          <h2 id="start-environment">Environment</h2>
          <label className="field">
            <span>Release to</span>
            <select
              aria-label="Environment"
              value={selected ?? ''}
              disabled={environments.length === 0}
              onChange={(event) => selectEnvironment(event.target.value)}
            >
              {environments.map((env) => (
                <option key={env.name} value={env.name}>
                  {env.name}{' '}
                  {env.target === 'sandbox'
                    ? '(sandbox)'
                    : `(${env.region}${env.accountId ? `, ${env.accountId}` : ''})`}
                </option>
              ))}
            </select>
          </label>
          {configProblems.length > 0 && (
            <div className="notice notice-warn" role="status" aria-label="Configuration problems">
              <strong>
                The environments file has problems; these environments are not offered:
              </strong>
              <ul>
                {configProblems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          )}
          {selected !== undefined && <IdentityPanel environment={selected} />}
        </section>
        {selected !== undefined && <VersionForm environment={selected} />}
      </div>
      <RunList />
    </main>
  );
}
