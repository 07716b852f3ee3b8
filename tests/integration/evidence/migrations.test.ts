import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrationChecksum } from '../../../src/main/core/db/migrate';
import { migrations } from '../../../src/main/core/db/migrations';
import { AppError } from '../../../src/main/core/errors';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import { openStore, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir('greenlight-migrate-');
});
afterEach(() => dir.cleanup());

const dbFile = (): string => join(dir.path, 'greenlight.db');
const fileHash = (): string => createHash('sha256').update(readFileSync(dbFile())).digest('hex');

async function openCode(): Promise<AppError> {
  try {
    (await openEvidenceStore({ dataDir: dir.path })).store.close();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('opened');
}

describe('migrations', () => {
  it('records each applied migration with its checksum and the schema version', async () => {
    (await openStore(dir.path)).close();
    const db = new Database(dbFile(), { readonly: true });
    expect(db.prepare('SELECT version, name, checksum FROM schema_migrations').all()).toEqual(
      migrations.map((m) => ({ version: m.version, name: m.name, checksum: migrationChecksum(m) })),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)?.version);
    db.close();
  });

  it('refuses a database from a newer Greenlight and leaves it untouched', async () => {
    (await openStore(dir.path)).close();
    const db = new Database(dbFile());
    db.prepare("INSERT INTO schema_migrations VALUES (990, 'from the future', 'x', 'now')").run();
    db.pragma('user_version = 990');
    db.close();
    const before = fileHash();
    const error = await openCode();
    expect(error.code).toBe('database_from_future');
    expect(error.message).toMatch(/newer Greenlight \(schema 990; this build knows up to 10\)/);
    expect(fileHash()).toBe(before);
  });

  it('refuses a database whose applied migration was edited since', async () => {
    (await openStore(dir.path)).close();
    const edited = migrations.map((m) =>
      m.version === 10 ? { ...m, sql: m.sql + '\n-- edited' } : m,
    );
    const db = new Database(dbFile());
    try {
      expect(() => migrate(db, edited, dbFile())).toThrow(/Migration 10 \(evidence\) differs/);
    } finally {
      db.close();
    }
  });

  it('uses the indexes on the append and read paths (query plans)', async () => {
    const store = await openStore(dir.path);
    startRun(store);
    store.close();
    const db = new Database(dbFile(), { readonly: true });
    const plan = (sql: string, ...params: unknown[]): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join('; ');
    expect(
      plan('SELECT hash FROM journal WHERE run_id = ? ORDER BY seq DESC LIMIT 1', 'r'),
    ).toMatch(/USING (COVERING )?INDEX journal_by_run/);
    expect(
      plan('SELECT * FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', 'r', 0, 10),
    ).toMatch(/INDEX journal_by_run/);
    expect(plan('SELECT max(seq) FROM journal')).toMatch(
      /SEARCH journal|USING INTEGER PRIMARY KEY|journal/,
    );
    expect(plan('SELECT * FROM intents WHERE outcome_seq IS NULL ORDER BY intent_seq')).toMatch(
      /INDEX intents_pending/,
    );
    db.close();
  });
});
