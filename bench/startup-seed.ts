import { createConsole } from '../src/main/core/app';
import { openEvidenceStore } from '../src/main/core/evidence/store';
import { startConsoleHost, tokenCookie } from '../tests/support/console-host';

export type SeededRun =
  | {
      kind: 'ready';
      runId: string;
      origin: string;
      cookie: { name: string; value: string; url: string };
      close: () => Promise<void>;
    }
  | { kind: 'unavailable'; reason: string; close: () => Promise<void> };

/**
 * An unfinished run on the sandbox whose journal holds at least `entries` entries, reopened by a fresh console
 * (as after a relaunch) and served by a browser host: the "resumed run" of the startup figure.
 */
export async function seedResumedRun(dataDir: string, entries: number): Promise<SeededRun> {
  const first = await createConsole({ hostKind: 'browser', dataDir, resume: false });
  const status = await first.dispatch('env.status', { environment: 'sandbox' });
  const version = status.ok
    ? ((status.value as { versions: string[] }).versions[0] ?? '1.5.1')
    : '1.5.1';
  const started = await first.dispatch('run.start', { environment: 'sandbox', version });
  await first.close();
  if (!started.ok) {
    return {
      kind: 'unavailable',
      reason: `run.start answered ${started.error.code}`,
      close: async () => {},
    };
  }
  const runId = (started.value as { id: string }).id;

  // Fill the journal the way a long run does: many small observations, each chained to the one before.
  const { store } = await openEvidenceStore({ dataDir });
  try {
    const have = store.listJournal(runId).length;
    for (let i = have; i < entries; i += 1) {
      store.recordObservation(runId, { subject: 'bench.poll', data: { i, status: 'InProgress' } });
    }
  } finally {
    store.close();
  }

  const { host, close } = await startConsoleHost(dataDir);
  return { kind: 'ready', runId, origin: host.origin, cookie: tokenCookie(host), close };
}
