/** A value that survives JSON (what the journal stores after redaction and canonicalisation). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type RunId = string & { readonly __brand: 'RunId' };
export type IntentId = string & { readonly __brand: 'IntentId' };

/**
 * What an entry records. `run-created` and `run-finished` bracket a run; `intent` is written before a mutating
 * call and `outcome` after it; `observation` is something Greenlight saw; `attestation` a human fact the operator
 * confirmed; `override` a failed gate passed with a written reason; `artifact`/`attachment` point at stored content.
 */
export type EntryKind =
  | 'run-created'
  | 'intent'
  | 'outcome'
  | 'observation'
  | 'attestation'
  | 'override'
  | 'artifact'
  | 'attachment'
  | 'step-state'
  | 'run-finished';

/** One thing the redaction layer removed: where (a JSON path or `content line N`) and which rule matched. */
export type Redaction = { path: string; rule: string };

/** A journal entry as stored and as exported (one line of `journal.jsonl`). */
export type JournalEntry = {
  seq: number;
  time: string;
  kind: EntryKind;
  runId: RunId;
  stepId: string | null;
  actor: string;
  payload: JsonValue;
  redactions: Redaction[];
  prevHash: string;
  hash: string;
};

/** Who runs the release: from STS GetCallerIdentity where available; `name` is what the record shows. */
export type OperatorIdentity = {
  name: string;
  arn?: string;
  accountId?: string;
  userId?: string;
};

export type RunOutcome = 'succeeded' | 'failed' | 'rolled-back' | 'cancelled';

export type Run = {
  id: RunId;
  environment: string;
  version: string;
  runbook: { id: string; hash: string };
  operator: OperatorIdentity;
  startedAt: string;
  endedAt: string | null;
  /** null while the run is in progress. */
  outcome: RunOutcome | null;
};

export type StepState = {
  stepId: string;
  /** The engine's word for the step's state (`running`, `passed`, `failed`, `blocked`, ...). */
  state: string;
  updatedAt: string;
  /** The journal entry that set it. */
  seq: number;
};

/** An intent whose outcome was never recorded: the engine must find out what happened before acting again. */
export type PendingIntent = {
  intentId: IntentId;
  runId: RunId;
  stepId: string | null;
  action: string;
  seq: number;
  time: string;
  request: JsonValue;
};

export type ChainProblemCode =
  | 'hash_mismatch'
  | 'broken_link'
  | 'seq_gap'
  | 'bad_entry'
  | 'triggers_missing'
  | 'projection_mismatch';

/** One thing wrong with a journal, naming the entry (seq) and run where it applies. */
export type ChainProblem = {
  code: ChainProblemCode;
  seq: number | null;
  runId: string | null;
  message: string;
};

export type ChainReport = {
  ok: boolean;
  entries: number;
  /** Per run: its number of entries and the hash of its last entry (the value a bundle's manifest quotes). */
  heads: Record<string, { entries: number; hash: string }>;
  /** At most 100, in journal order; the first is the first broken link. */
  problems: ChainProblem[];
};
