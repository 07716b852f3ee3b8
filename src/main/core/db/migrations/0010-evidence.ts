import type { Migration } from '../migrate';

/**
 * The evidence model. `journal` is the record; `runs`, `step_states` and `intents` are projections of it kept for
 * fast reads (the journal's `run-created`, `step-state`, `intent`/`outcome` and `run-finished` entries say the same
 * thing and are what the chain protects). Triggers make the journal append-only for anyone using SQL: editing it
 * means dropping them first, which verification reports.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'evidence',
  sql: `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  environment TEXT NOT NULL,
  version TEXT NOT NULL,
  runbook_id TEXT NOT NULL,
  runbook_hash TEXT NOT NULL,
  operator TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  outcome TEXT
) STRICT;
CREATE INDEX runs_by_started ON runs (started_at);

CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  run_id TEXT NOT NULL REFERENCES runs (id),
  step_id TEXT,
  actor TEXT NOT NULL,
  payload TEXT NOT NULL,
  redactions TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX journal_by_run ON journal (run_id, seq);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the evidence journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the evidence journal is append-only'); END;

CREATE TABLE step_states (
  run_id TEXT NOT NULL REFERENCES runs (id),
  step_id TEXT NOT NULL,
  state TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES journal (seq),
  PRIMARY KEY (run_id, step_id)
) STRICT;

CREATE TABLE intents (
  intent_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  intent_seq INTEGER NOT NULL REFERENCES journal (seq),
  outcome_seq INTEGER REFERENCES journal (seq)
) STRICT;
CREATE INDEX intents_pending ON intents (intent_seq) WHERE outcome_seq IS NULL;

CREATE TABLE artifacts (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
`,
};
