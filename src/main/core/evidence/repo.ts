import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/database';

/**
 * Every SQL statement of the evidence store, as plain functions taking `db` first; parameters are always bound.
 * Statements are prepared once per connection (the append path runs thousands of times a second).
 */
const cache = new WeakMap<Db, Map<string, Statement>>();

function sql(db: Db, text: string): Statement {
  let statements = cache.get(db);
  if (statements === undefined) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(text);
  if (statement === undefined) {
    statement = db.prepare(text);
    statements.set(text, statement);
  }
  return statement;
}

export type RunRow = {
  id: string;
  environment: string;
  version: string;
  runbook_id: string;
  runbook_hash: string;
  operator: string;
  started_at: string;
  ended_at: string | null;
  outcome: string | null;
};

export type EntryRow = {
  seq: number;
  time: string;
  kind: string;
  run_id: string;
  step_id: string | null;
  actor: string;
  payload: string;
  redactions: string;
  prev_hash: string;
  hash: string;
};

export function insertRun(db: Db, row: RunRow): void {
  sql(
    db,
    `INSERT INTO runs (id, environment, version, runbook_id, runbook_hash, operator, started_at, ended_at, outcome)
     VALUES (@id, @environment, @version, @runbook_id, @runbook_hash, @operator, @started_at, @ended_at, @outcome)`,
  ).run(row);
}

export function getRunRow(db: Db, id: string): RunRow | undefined {
  return sql(db, 'SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
}

export function listRunRows(db: Db, filter: { environment?: string; limit: number }): RunRow[] {
  if (filter.environment !== undefined) {
    return sql(
      db,
      'SELECT * FROM runs WHERE environment = ? ORDER BY started_at DESC, rowid DESC LIMIT ?',
    ).all(filter.environment, filter.limit) as RunRow[];
  }
  return sql(db, 'SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?').all(
    filter.limit,
  ) as RunRow[];
}

export function finishRunRow(db: Db, id: string, endedAt: string, outcome: string): void {
  sql(db, 'UPDATE runs SET ended_at = ?, outcome = ? WHERE id = ?').run(endedAt, outcome, id);
}

export function lastSeq(db: Db): number {
  const row = sql(db, 'SELECT max(seq) AS seq FROM journal').get() as { seq: number | null };
  return row.seq ?? 0;
}

export function runHead(db: Db, runId: string): string | undefined {
  const row = sql(db, 'SELECT hash FROM journal WHERE run_id = ? ORDER BY seq DESC LIMIT 1').get(
    runId,
  ) as { hash: string } | undefined;
  return row?.hash;
}

export function insertEntry(db: Db, row: EntryRow): void {
  sql(
    db,
    `INSERT INTO journal (seq, time, kind, run_id, step_id, actor, payload, redactions, prev_hash, hash)
     VALUES (@seq, @time, @kind, @run_id, @step_id, @actor, @payload, @redactions, @prev_hash, @hash)`,
  ).run(row);
}

export function listEntryRows(db: Db, runId: string, afterSeq: number, limit: number): EntryRow[] {
  return sql(db, 'SELECT * FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(
    runId,
    afterSeq,
    limit,
  ) as EntryRow[];
}

export function getEntryRow(db: Db, seq: number): EntryRow | undefined {
  return sql(db, 'SELECT * FROM journal WHERE seq = ?').get(seq) as EntryRow | undefined;
}

/** All entries in seq order, as arrays (no per-row object) for verifying large journals quickly. */
export function iterateAllEntriesRaw(db: Db): IterableIterator<unknown[]> {
  return db
    .prepare(
      'SELECT seq, time, kind, run_id, step_id, actor, payload, redactions, prev_hash, hash FROM journal ORDER BY seq',
    )
    .raw(true)
    .iterate() as IterableIterator<unknown[]>;
}

export function countEntries(db: Db, runId: string): number {
  return (sql(db, 'SELECT count(*) AS n FROM journal WHERE run_id = ?').get(runId) as { n: number })
    .n;
}

export function upsertStepState(
  db: Db,
  row: { run_id: string; step_id: string; state: string; updated_at: string; seq: number },
): void {
  sql(
    db,
    `INSERT INTO step_states (run_id, step_id, state, updated_at, seq) VALUES (@run_id, @step_id, @state, @updated_at, @seq)
     ON CONFLICT (run_id, step_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, seq = excluded.seq`,
  ).run(row);
}

export function listStepStateRows(
  db: Db,
  runId: string,
): { step_id: string; state: string; updated_at: string; seq: number }[] {
  return sql(
    db,
    'SELECT step_id, state, updated_at, seq FROM step_states WHERE run_id = ? ORDER BY seq',
  ).all(runId) as { step_id: string; state: string; updated_at: string; seq: number }[];
}

export function insertIntent(db: Db, intentId: string, runId: string, seq: number): void {
  sql(db, 'INSERT INTO intents (intent_id, run_id, intent_seq) VALUES (?, ?, ?)').run(
    intentId,
    runId,
    seq,
  );
}

export function getIntent(
  db: Db,
  intentId: string,
):
  | { intent_id: string; run_id: string; intent_seq: number; outcome_seq: number | null }
  | undefined {
  return sql(db, 'SELECT * FROM intents WHERE intent_id = ?').get(intentId) as
    | { intent_id: string; run_id: string; intent_seq: number; outcome_seq: number | null }
    | undefined;
}

export function setIntentOutcome(db: Db, intentId: string, outcomeSeq: number): void {
  sql(db, 'UPDATE intents SET outcome_seq = ? WHERE intent_id = ?').run(outcomeSeq, intentId);
}

export function listPendingIntentRows(db: Db, runId?: string): EntryRow[] {
  const base = `SELECT j.* FROM intents i JOIN journal j ON j.seq = i.intent_seq WHERE i.outcome_seq IS NULL`;
  return (
    runId === undefined
      ? sql(db, `${base} ORDER BY i.intent_seq`).all()
      : sql(db, `${base} AND i.run_id = ? ORDER BY i.intent_seq`).all(runId)
  ) as EntryRow[];
}

export function insertArtifact(db: Db, sha256: string, size: number, createdAt: string): void {
  sql(
    db,
    'INSERT INTO artifacts (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
  ).run(sha256, size, createdAt);
}

export function listTriggerNames(db: Db): string[] {
  return (
    sql(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'",
    ).all() as {
      name: string;
    }[]
  ).map((row) => row.name);
}

export function listAllRunRows(db: Db): RunRow[] {
  return sql(db, 'SELECT * FROM runs').all() as RunRow[];
}
