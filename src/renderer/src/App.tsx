import { createElement, useEffect, useRef, useState, type ComponentType } from 'react';
import { ErrorSurface } from './components/ErrorSurface';
import { Header } from './features/shell/Header';
import { addressForRun, runIdFromAddress } from './lib/address';
import { StartScreen } from './features/start/StartScreen';
import { useAppStore } from './store/context';

// The run screen (checklist, panels, the virtualized journal) is its own chunk, fetched at once in parallel with
// the connection, so the start screen does not wait for its code and a resumed run rarely does. Not React.lazy:
// Suspense holds a revealed boundary back (up to 300 ms in React 19) even when the chunk is already there.
let LoadedRunScreen: ComponentType | undefined;
const runScreenLoaded = import('./features/run/RunScreen').then((module) => {
  LoadedRunScreen = module.RunScreen;
});

/** The run screen once its chunk is in (immediately when it already is), else the "opening" placeholder. */
function RunScreenSlot() {
  const [isLoaded, setLoaded] = useState(() => LoadedRunScreen !== undefined);
  useEffect(() => {
    if (!isLoaded) void runScreenLoaded.then(() => setLoaded(true));
  }, [isLoaded]);
  if (!isLoaded || LoadedRunScreen === undefined) {
    return (
      <main className="loading" aria-busy="true">
        <p className="muted">Opening the run…</p>
      </main>
    );
  }
  return createElement(LoadedRunScreen);
}

export function App() {
  const isReady = useAppStore((s) => s.isReady);
  const isConnected = useAppStore((s) => s.connection === 'connected');
  const connection = useAppStore((s) => s.connection);
  const runId = useAppStore((s) => s.runId);
  const hasRun = useAppStore((s) => s.run !== undefined);
  const openRun = useAppStore((s) => s.actions.openRun);

  // The address remembers the open run, so a reload (or a relaunch on the same address) lands on it again. The
  // run named at load is asked for as soon as the connection is up (alongside app.info, not after it); until then
  // the address is left alone.
  const [initialRunId] = useState(() => runIdFromAddress());
  const isInitialPending = useRef(initialRunId !== undefined);
  // While that run is being opened, the start screen (and the requests it makes) would only flash by.
  const [isOpeningInitial, setOpeningInitial] = useState(initialRunId !== undefined);
  useEffect(() => {
    if (!isConnected || !isInitialPending.current || initialRunId === undefined) return;
    isInitialPending.current = false;
    void (runId === undefined ? openRun(initialRunId) : Promise.resolve()).finally(() =>
      setOpeningInitial(false),
    );
  }, [isConnected, initialRunId, runId, openRun]);
  useEffect(() => {
    if (isInitialPending.current) return;
    const wanted = addressForRun(runId);
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
        <RunScreenSlot />
      ) : isOpeningInitial ? (
        <main className="loading" aria-busy="true">
          <p className="muted">Opening the run…</p>
        </main>
      ) : (
        <StartScreen />
      )}
    </div>
  );
}
