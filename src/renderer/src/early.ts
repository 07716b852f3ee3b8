import { runIdFromAddress } from './lib/address';
import { createApi } from './lib/api';
import type { EarlyAnswers } from './store';

// Evaluated before React and the console (main.tsx imports it first, and it imports neither): it opens the
// connection and asks main for app.info, and for the run the address names, while the rest of the bundle is still
// being evaluated. The answers are usually waiting by the time the store exists.
export const api = createApi();
const runId = runIdFromAddress();
const info = api.invoke('app.info', {});
const run = runId === undefined ? undefined : { runId, view: api.invoke('run.get', { runId }) };
// The store reports failures of these; until it takes them over, keep them from being "unhandled".
info.catch(() => {});
run?.view.catch(() => {});
export const early: EarlyAnswers = run === undefined ? { info } : { info, run };
