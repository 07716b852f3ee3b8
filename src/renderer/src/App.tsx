import { useEffect } from 'react';
import { ErrorSurface } from './components/ErrorSurface';
import { RunScreen } from './features/run/RunScreen';
import { Header } from './features/shell/Header';
import { StartScreen } from './features/start/StartScreen';
import { useAppStore } from './store/context';

const runFromHash = () => /^#run=([^&]+)$/.exec(location.hash)?.[1];

export function App() {
  const isReady = useAppStore((s) => s.isReady);
  const connection = useAppStore((s) => s.connection);
  const runId = useAppStore((s) => s.runId);
  const hasRun = useAppStore((s) => s.run !== undefined);
  const openRun = useAppStore((s) => s.actions.openRun);

  // The address remembers the open run, so a reload (or a relaunch on the same address) lands on it again.
  useEffect(() => {
    if (!isReady) return;
    const fromHash = runFromHash();
    if (fromHash !== undefined && runId === undefined) void openRun(decodeURIComponent(fromHash));
    // Only on becoming ready: later changes of the run are written to the hash below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [isReady]);
  useEffect(() => {
    const wanted = runId === undefined ? '' : `#run=${encodeURIComponent(runId)}`;
    if (location.hash !== wanted)
      history.replaceState(null, '', `${location.pathname}${location.search}${wanted}`);
  }, [runId]);

  return (
    <div
      className="app"
      data-app-state={isReady ? 'ready' : 'loading'}
      data-connection={connection}
      data-view={hasRun ? 'run' : 'start'}
    >
      <Header />
      <ErrorSurface />
      {!isReady ? (
        <main className="loading" aria-busy="true">
          <p className="muted">Connecting to Greenlight…</p>
        </main>
      ) : hasRun ? (
        <RunScreen />
      ) : (
        <StartScreen />
      )}
    </div>
  );
}
