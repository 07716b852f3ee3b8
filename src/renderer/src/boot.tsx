import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import type { Api } from './lib/api';
import { createAppStore, type EarlyAnswers } from './store';
import { StoreProvider } from './store/context';
import './styles.css';

/** Builds the store on the connection main.tsx opened and renders the console. */
export function boot(api: Api, early: EarlyAnswers): void {
  const store = createAppStore(api, early);
  const root = document.getElementById('root');
  if (root === null) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <StoreProvider store={store}>
        <App />
      </StoreProvider>
    </StrictMode>,
  );
}
