import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import { openStore, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir('greenlight-tamper-');
});
afterEach(() => dir.cleanup());

/** A closed data directory with one run of 6 entries; returns the run id. */
async function seed(): Promise<string> {
  const store = await openStore(dir.path);
  const run = startRun(store);
  const { intentId } = store.recordIntent(run.id, {
    stepId: 'deploy',
    action: 'codedeploy:CreateDeployment',
  });
  store.recordOutcome(intentId, { status: 'succeeded', response: { deploymentId: 'd-ABCDEFGHI' } });
  store.recordObservation(run.id, {
    stepId: 'smoke',
    subject: 'smoke gate',
    data: { passed: false, failed: 3 },
  });
  store.recordOverride(run.id, { stepId: 'smoke', reason: 'known flaky test, ticket OPS-12' });
  store.finishRun(run.id, { outcome: 'failed' });
  store.close();
  return run.id;
}

function raw(fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir.path, 'greenlight.db'));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

async function openFailure(): Promise<AppError> {
  try {
    const opened = await openEvidenceStore({ dataDir: dir.path });
    opened.store.close();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the tampered database was opened');
}

const fileHash = (): string =>
  createHash('sha256')
    .update(readFileSync(join(dir.path, 'greenlight.db')))
    .digest('hex');

describe('a tampered database', () => {
  it('refuses an UPDATE or DELETE on the journal through plain SQL', async () => {
    await seed();
    raw((db) => {
      expect(() => db.prepare("UPDATE journal SET actor = 'mallory' WHERE seq = 2").run()).toThrow(
        /append-only/,
      );
      expect(() => db.prepare('DELETE FROM journal WHERE seq = 6').run()).toThrow(/append-only/);
    });
    expect((await openEvidenceStore({ dataDir: dir.path })).store.close()).toBeUndefined();
  });

  it('detects an edited row (triggers dropped) and names the entry, leaving the file untouched', async () => {
    const runId = await seed();
    raw((db) => {
      db.exec('DROP TRIGGER journal_no_update');
      db.prepare(
        `UPDATE journal SET payload = json_set(payload, '$.reason', 'approved by CAB') WHERE seq = 5`,
      ).run();
      db.exec(
        `CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the evidence journal is append-only'); END`,
      );
    });
    const before = fileHash();
    const error = await openFailure();
    expect(error.code).toBe('journal_tampered');
    expect(error.message).toContain(`entry 5 (run ${runId}, override) was altered`);
    expect(fileHash()).toBe(before);
  });

  it('detects an edited row whose hash was recomputed, at the next link', async () => {
    await seed();
    raw((db) => {
      db.exec('DROP TRIGGER journal_no_update');
      db.prepare(
        `UPDATE journal SET actor = 'bob', hash = '${'e'.repeat(64)}' WHERE seq = 3`,
      ).run();
    });
    const error = await openFailure();
    expect(error.code).toBe('journal_tampered');
    const problems = (error.detail?.['problems'] ?? []) as { code: string; seq: number | null }[];
    expect(problems.map((p) => [p.code, p.seq])).toEqual(
      expect.arrayContaining([
        ['hash_mismatch', 3],
        ['broken_link', 4],
        ['triggers_missing', null],
      ]),
    );
  });

  it('detects a deleted entry and names the gap', async () => {
    await seed();
    raw((db) => {
      db.exec('DROP TRIGGER journal_no_delete');
      db.prepare('DELETE FROM journal WHERE seq = 4').run();
    });
    const error = await openFailure();
    expect(error.message).toContain('entry 4 is missing (seq jumps from 3 to 5)');
  });

  it('reports dropped triggers even when no row was changed', async () => {
    await seed();
    raw((db) => db.exec('DROP TRIGGER journal_no_delete'));
    const error = await openFailure();
    expect(error.message).toContain('the append-only trigger journal_no_delete was removed');
  });

  it('detects a runs table that no longer agrees with the journal (outcome rewritten)', async () => {
    const runId = await seed();
    raw((db) => db.prepare(`UPDATE runs SET outcome = 'succeeded' WHERE id = ?`).run(runId));
    const error = await openFailure();
    expect(error.message).toContain(
      `the runs table disagrees with the journal about run ${runId} (outcome)`,
    );
  });

  it('refuses a file that is not a database, leaving it as it was', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir.path, 'greenlight.db'), 'this is not sqlite'.repeat(100));
    const before = fileHash();
    const error = await openFailure();
    expect(error.code).toBe('database_corrupt');
    expect(fileHash()).toBe(before);
  });
});
