import { ErrorSurface } from './components/ErrorSurface';
import { Header } from './features/shell/Header';
import { useAppStore } from './store/context';

export function App() {
  const isReady = useAppStore((s) => s.isReady);
  const connection = useAppStore((s) => s.connection);
  return (
    <div className="app" data-app-state={isReady ? 'ready' : 'loading'} data-connection={connection}>
      <Header />
      <ErrorSurface />
      <main className="workspace">
        <section className="checklist" aria-label="Checklist">
          <p className="empty">Pick an environment and a version to start a release.</p>
        </section>
      </main>
    </div>
  );
}
