import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import { openStore, spawnAppender, startRun, waitFor } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore | undefined;
beforeEach(() => {
  dir = tempDir('greenlight-lock-');
});
afterEach(() => {
  store?.close();
  store = undefined;
  dir.cleanup();
});

async function refusal(dataDir: string): Promise<AppError> {
  try {
    const opened = await openEvidenceStore({ dataDir });
    opened.store.close();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the second store was not refused');
}

describe('single writer', () => {
  it('refuses a second Greenlight on the same data directory, naming the process that holds it', async () => {
    const holder = spawnAppender(dir.path, 'hold');
    try {
      await waitFor(
        () => holder.lines.some((l) => l.startsWith('ready')),
        'the holder to open the store',
      );
      const error = await refusal(dir.path);
      expect(error.code).toBe('data_dir_locked');
      expect(error.message).toContain(`pid ${holder.child.pid}`);
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    // Its lock is now stale (the pid is dead): the next Greenlight takes over.
    store = await openStore(dir.path);
    expect(store.getRun('crash-run').environment).toBe('staging');
  });

  it('refuses a second store in the same process', async () => {
    store = await openStore(dir.path);
    const error = await refusal(dir.path);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toContain(`this same process, pid ${process.pid}`);
  });

  it('takes over a lock left by a dead process and replaces a half-written lock file', async () => {
    writeFileSync(
      join(dir.path, 'greenlight.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), lockedAt: 'yesterday' }),
    );
    store = await openStore(dir.path);
    store.close();
    writeFileSync(join(dir.path, 'greenlight.lock'), '{"pid": 12');
    store = await openStore(dir.path);
  });

  it('refuses a lock held from another host, saying which', async () => {
    writeFileSync(
      join(dir.path, 'greenlight.lock'),
      JSON.stringify({ pid: 4242, host: 'build-box-7', lockedAt: 'x' }),
    );
    const error = await refusal(dir.path);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toMatch(/process 4242 on host build-box-7/);
  });

  it('answers a foreign writer holding the write lock with database_busy, loses nothing, and carries on after', async () => {
    store = await openStore(dir.path, { busyTimeoutMs: 100 });
    const run = startRun(store);
    store.recordObservation(run.id, { subject: 'before' });
    const foreign = new Database(store.dbFile);
    foreign.exec('BEGIN IMMEDIATE');
    try {
      let caught: unknown;
      try {
        store.recordObservation(run.id, { subject: 'during' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('database_busy');
      expect((caught as AppError).message).toMatch(/another process is writing/);
      // Reading still works while the other process writes (WAL).
      expect(store.listJournal(run.id).map((e) => e.payload)).toEqual([
        expect.anything(),
        { subject: 'before', data: null },
      ]);
    } finally {
      foreign.exec('ROLLBACK');
      foreign.close();
    }
    store.recordObservation(run.id, { subject: 'after' });
    expect(
      store.listJournal(run.id).map((e) => (e.payload as { subject?: string }).subject),
    ).toEqual([undefined, 'before', 'after']);
    expect(store.verifyChain().ok).toBe(true);
  });
});
