import { randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { mapSqliteError, openDatabase } from '../db/database';
import type { Db } from '../db/database';
import { migrate } from '../db/migrate';
import type { MigrationReport } from '../db/migrate';
import { migrations } from '../db/migrations';
import { acquireWriteLock } from '../db/write-lock';
import type { WriteLock } from '../db/write-lock';
import { AppError } from '../errors';
import { createLogger } from '../log';
import { canonicalJson, ChainVerifier, GENESIS_HASH, computeEntryHash } from './chain';
import { cleanTemporaryContent, contentPath, storeContent } from './content-store';
import type { ContentSource } from './content-store';
import { validateEnvironmentName, validateFileName, validateVersion } from './names';
import { createRedactor } from './redact';
import type { Redactor } from './redact';
import * as repo from './repo';
import type {
  ChainReport,
  EntryKind,
  IntentId,
  JournalEntry,
  JsonValue,
  OperatorIdentity,
  PendingIntent,
  Redaction,
  Run,
  RunId,
  RunOutcome,
  StepState,
} from './types';

const log = createLogger('evidence');

export type EvidenceStoreOptions = {
  /** The app's data directory; the database is `<dataDir>/greenlight.db`, content under `<dataDir>/artifacts/`. */
  dataDir: string;
  /** Values that must never be stored (e.g. secrets Greenlight reads); more can be added with `addSecretValues`. */
  secretValues?: readonly string[];
  /** Largest operator attachment accepted, in bytes (default 25 MiB). */
  maxAttachmentBytes?: number;
  /** How long a write waits for another process's lock before failing with `database_busy` (default 5000). */
  busyTimeoutMs?: number;
  /** Clock for entry times (tests). */
  now?: () => Date;
};

export type OpenedEvidenceStore = {
  store: EvidenceStore;
  /** Intents whose outcome was never recorded (the app stopped in between): reconcile before acting again. */
  pendingIntents: PendingIntent[];
  chain: ChainReport;
  migrations: MigrationReport;
};

export type CreateRunInput = {
  environment: string;
  version: string;
  runbook: { id: string; hash: string };
  operator: OperatorIdentity;
};

/** Who wrote an entry; defaults to the run's operator name. */
type ActorOption = { actor?: string };

export type IntentInput = ActorOption & {
  stepId?: string;
  /** What is about to be done, e.g. `codedeploy:CreateDeployment`. */
  action: string;
  /** The request about to be sent (redacted before it is stored). */
  request?: unknown;
  /** A caller-chosen id (e.g. derived from the step) so a retry after a crash can find its intent. */
  intentId?: string;
};

export type RecordedIntent = { intentId: IntentId; entry: JournalEntry };

export type OutcomeInput = ActorOption & {
  /** `unknown` when the call's fate could not be established (a timeout, a reconciliation that found nothing). */
  status: 'succeeded' | 'failed' | 'unknown';
  response?: unknown;
  error?: { code?: string; message: string; requestId?: string; [key: string]: unknown };
  note?: string;
};

export type ObservationInput = ActorOption & { stepId?: string; subject: string; data?: unknown };

export type AttestationInput = ActorOption & {
  stepId: string;
  statement: string;
  note?: string;
  link?: string;
  /** SHA-256 of attachments added with `addAttachment`. */
  attachments?: string[];
  /** A rehearsal attests nothing real; the record says so. */
  rehearsal?: boolean;
};

export type OverrideInput = ActorOption & { stepId: string; reason: string; gate?: unknown };

export type ArtifactInput = ActorOption & {
  /** The readable name it gets in the bundle, e.g. `smoke-tests.xml`. */
  name: string;
  source: ContentSource;
  stepId?: string;
  mediaType?: string;
};

export type AttachmentInput = ActorOption & {
  /** An operator's file; its name comes from the path unless `name` is given. */
  source: ContentSource;
  name?: string;
  stepId?: string;
  mediaType?: string;
  note?: string;
};

export type ArtifactRecord = {
  sha256: string;
  size: number;
  name: string;
  mediaType: string;
  entry: JournalEntry;
};

export type EntryListener = (entry: JournalEntry) => void;

const DEFAULT_ATTACHMENT_LIMIT = 25 * 1024 * 1024;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const STATE = /^[a-z][a-z0-9-]{0,31}$/;
const HASH_LIKE = /^[A-Za-z0-9:._+/=-]{1,200}$/;

/**
 * Opens the evidence store of a data directory: takes the single-writer lock, opens the database (WAL,
 * synchronous=FULL), refuses a damaged file, a newer schema or an edited migration, migrates, runs
 * `integrity_check`, verifies every hash chain, and lists the intents left without an outcome.
 * Throws AppError: `data_dir_locked`, `database_from_future`, `migration_changed`, `migration_unknown`,
 * `database_corrupt`, `journal_tampered`, `database_busy`.
 */
export async function openEvidenceStore(
  options: EvidenceStoreOptions,
): Promise<OpenedEvidenceStore> {
  const dataDir = resolve(options.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new AppError(
      'data_dir_unavailable',
      `Cannot create the data directory ${dataDir}: ${(error as Error).message}`,
      { dataDir },
    );
  }
  const lock = acquireWriteLock(dataDir);
  const file = join(dataDir, 'greenlight.db');
  let db: Db | undefined;
  try {
    db = openDatabase(file, { busyTimeoutMs: options.busyTimeoutMs });
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
      const lines = integrity.slice(0, 5).map((row) => row.integrity_check);
      throw new AppError(
        'database_corrupt',
        `The evidence database ${file} failed its integrity check: ${lines.join('; ')}. It was left untouched.`,
        { file, lines },
      );
    }
    const migrationReport = migrate(db, migrations, file);
    const chain = verifyJournal(db);
    if (!chain.ok) {
      const [first] = chain.problems;
      const more =
        chain.problems.length > 1 ? ` (and ${chain.problems.length - 1} more problems)` : '';
      throw new AppError(
        'journal_tampered',
        `The evidence journal in ${file} was changed outside Greenlight: ${first?.message ?? 'unknown problem'}${more}. It was left untouched; keep the file for investigation.`,
        { file, problems: chain.problems },
      );
    }
    const artifactsDir = join(dataDir, 'artifacts');
    await cleanTemporaryContent(artifactsDir);
    const store = new EvidenceStore(db, lock, dataDir, options);
    const pendingIntents = store.pendingIntents();
    log.info('evidence store opened', {
      dataDir,
      entries: chain.entries,
      runs: Object.keys(chain.heads).length,
      pendingIntents: pendingIntents.length,
      migrated: migrationReport.applied,
    });
    return { store, pendingIntents, chain, migrations: migrationReport };
  } catch (error) {
    db?.close();
    lock.release();
    throw mapSqliteError(error, 'open the evidence database');
  }
}

/**
 * The evidence journal of one data directory. Every write is its own short IMMEDIATE transaction (never held
 * across an await: better-sqlite3 is synchronous), so a kill at any moment leaves every acknowledged entry and a
 * consistent chain. Everything passes the redaction layer first. Obtain one with `openEvidenceStore`.
 */
export class EvidenceStore {
  readonly dataDir: string;
  readonly dbFile: string;
  private readonly artifactsDir: string;
  private readonly redactor: Redactor;
  private readonly listeners = new Set<EntryListener>();
  private readonly now: () => Date;
  private readonly maxAttachmentBytes: number;
  private closed = false;

  /** @internal use openEvidenceStore */
  constructor(
    private readonly db: Db,
    private readonly lock: WriteLock,
    dataDir: string,
    options: EvidenceStoreOptions,
  ) {
    this.dataDir = dataDir;
    this.dbFile = join(dataDir, 'greenlight.db');
    this.artifactsDir = join(dataDir, 'artifacts');
    this.redactor = createRedactor(options.secretValues ?? []);
    this.now = options.now ?? (() => new Date());
    this.maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_ATTACHMENT_LIMIT;
  }

  /** Adds values that must never be stored (from now on; what was stored before was already redacted by rule). */
  addSecretValues(values: readonly string[]): void {
    this.redactor.addSecretValues(values);
  }

  /** Calls `listener` after each entry is committed (for the UI's live journal). Returns the unsubscribe function. */
  onEntry(listener: EntryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a run; its first journal entry (`run-created`) records environment, version, runbook and operator. */
  createRun(input: CreateRunInput & { runId?: string }): Run {
    this.assertOpen();
    const environment = validateEnvironmentName(input.environment);
    const version = validateVersion(input.version);
    const runbookId = requireText(input.runbook?.id, 'runbook.id');
    const runbookHash = requireText(input.runbook?.hash, 'runbook.hash');
    if (!HASH_LIKE.test(runbookHash))
      throw invalidInput('runbook.hash', 'expected a hash such as sha256:…');
    const operatorIn = input.operator;
    requireText(operatorIn?.name, 'operator.name');
    const runId = (input.runId ?? randomUUID()) as RunId;
    if (!RUN_ID.test(runId))
      throw invalidInput('runId', 'expected letters, digits, - or _ (at most 64)');
    const redacted = this.redactor.redactValue(
      { runbook: { id: runbookId, hash: runbookHash }, operator: operatorIn },
      '$.payload',
    );
    const clean = redacted.value as {
      runbook: { id: string; hash: string };
      operator: OperatorIdentity;
    };
    const payload: JsonValue = {
      environment,
      version,
      runbook: clean.runbook,
      operator: clean.operator as JsonValue,
    };
    const time = this.now().toISOString();
    const entry = this.write('create a run', () => {
      if (repo.getRunRow(this.db, runId) !== undefined) {
        throw new AppError('run_exists', `A run with id ${runId} already exists.`, { runId });
      }
      repo.insertRun(this.db, {
        id: runId,
        environment,
        version,
        runbook_id: clean.runbook.id,
        runbook_hash: clean.runbook.hash,
        operator: JSON.stringify(clean.operator),
        started_at: time,
        ended_at: null,
        outcome: null,
      });
      return this.insertEntry(
        runId,
        'run-created',
        null,
        clean.operator.name,
        payload,
        redacted.redactions,
        time,
      );
    });
    this.emit(entry);
    return this.getRun(runId);
  }

  /** The run, as its projection row says (the journal's run-created/run-finished entries are the record). */
  getRun(runId: string): Run {
    this.assertOpen();
    const row = repo.getRunRow(this.db, runId);
    if (row === undefined)
      throw new AppError('run_unknown', `There is no run with id ${runId}.`, { runId });
    return toRun(row);
  }

  /** Runs, newest first. */
  listRuns(filter: { environment?: string; limit?: number } = {}): Run[] {
    this.assertOpen();
    return repo
      .listRunRows(this.db, { environment: filter.environment, limit: filter.limit ?? 100 })
      .map(toRun);
  }

  /** Each step's latest state in a run, in the order they were last set. */
  listSteps(runId: string): StepState[] {
    this.assertOpen();
    return repo.listStepStateRows(this.db, runId).map((row) => ({
      stepId: row.step_id,
      state: row.state,
      updatedAt: row.updated_at,
      seq: row.seq,
    }));
  }

  /**
   * Records what is about to be done, before the mutating call is made. Returns the intent id that the outcome
   * must quote. If the app dies before `recordOutcome`, the intent is listed by `pendingIntents()` on reopen.
   */
  recordIntent(runId: string, input: IntentInput): RecordedIntent {
    this.assertOpen();
    const action = requireText(input.action, 'action');
    const stepId = optionalStep(input.stepId);
    const intentId = (input.intentId ?? randomUUID()) as IntentId;
    if (!RUN_ID.test(intentId))
      throw invalidInput('intentId', 'expected letters, digits, - or _ (at most 64)');
    const entry = this.append(
      runId,
      'intent',
      stepId,
      input.actor,
      { intentId, action, request: input.request ?? null },
      {
        after: (appended) => {
          if (repo.getIntent(this.db, intentId) !== undefined) {
            throw new AppError(
              'intent_exists',
              `An intent with id ${intentId} was already recorded.`,
              { intentId },
            );
          }
          repo.insertIntent(this.db, intentId, runId, appended.seq);
        },
      },
    );
    return { intentId, entry };
  }

  /** Records how a mutating call ended, quoting its intent. An intent gets exactly one outcome. */
  recordOutcome(intentId: string, input: OutcomeInput): JournalEntry {
    this.assertOpen();
    if (!['succeeded', 'failed', 'unknown'].includes(input.status)) {
      throw invalidInput('status', "expected 'succeeded', 'failed' or 'unknown'");
    }
    const intent = repo.getIntent(this.db, intentId);
    if (intent === undefined)
      throw new AppError('intent_unknown', `There is no intent with id ${intentId}.`, { intentId });
    const intentRow = repo.getEntryRow(this.db, intent.intent_seq);
    const action =
      intentRow === undefined
        ? null
        : ((JSON.parse(intentRow.payload) as { action?: string }).action ?? null);
    const payload: Record<string, unknown> = {
      intentId,
      intentSeq: intent.intent_seq,
      action,
      status: input.status,
    };
    if (input.response !== undefined) payload['response'] = input.response;
    if (input.error !== undefined) payload['error'] = input.error;
    if (input.note !== undefined) payload['note'] = input.note;
    return this.append(intent.run_id, 'outcome', intentRow?.step_id ?? null, input.actor, payload, {
      after: (appended) => {
        const current = repo.getIntent(this.db, intentId);
        if (current?.outcome_seq !== null && current?.outcome_seq !== undefined) {
          throw new AppError(
            'outcome_exists',
            `The outcome of intent ${intentId} was already recorded (entry ${current.outcome_seq}).`,
            { intentId },
          );
        }
        repo.setIntentOutcome(this.db, intentId, appended.seq);
      },
    });
  }

  /** Records something Greenlight saw (an AWS state, a probe result, a check's finding). */
  recordObservation(runId: string, input: ObservationInput): JournalEntry {
    this.assertOpen();
    const subject = requireText(input.subject, 'subject');
    return this.append(runId, 'observation', optionalStep(input.stepId), input.actor, {
      subject,
      data: input.data ?? null,
    });
  }

  /** Records a human fact the operator confirmed (approver present, on-call acknowledged), with identity and time. */
  recordAttestation(runId: string, input: AttestationInput): JournalEntry {
    this.assertOpen();
    const payload: Record<string, unknown> = {
      statement: requireText(input.statement, 'statement'),
    };
    if (input.note !== undefined) payload['note'] = input.note;
    if (input.link !== undefined) payload['link'] = input.link;
    if (input.attachments !== undefined)
      payload['attachments'] = input.attachments.map((sha, i) =>
        requireSha(sha, `attachments[${i}]`),
      );
    if (input.rehearsal === true) payload['rehearsal'] = true;
    return this.append(runId, 'attestation', requireStep(input.stepId), input.actor, payload);
  }

  /** Records that a failed gate was passed anyway, with the operator's written reason. */
  recordOverride(runId: string, input: OverrideInput): JournalEntry {
    this.assertOpen();
    const reason = requireText(input.reason, 'reason');
    return this.append(runId, 'override', requireStep(input.stepId), input.actor, {
      reason,
      gate: input.gate ?? null,
    });
  }

  /** Sets a step's state (e.g. `running`, `passed`, `failed`, `blocked`) and journals the change. */
  setStepState(runId: string, stepId: string, state: string, detail?: unknown): JournalEntry {
    this.assertOpen();
    const step = requireStep(stepId);
    if (typeof state !== 'string' || !STATE.test(state))
      throw invalidInput('state', 'expected a lower-case word like passed or running');
    const payload: Record<string, unknown> = { state };
    if (detail !== undefined) payload['detail'] = detail;
    return this.append(runId, 'step-state', step, undefined, payload, {
      after: (appended) =>
        repo.upsertStepState(this.db, {
          run_id: runId,
          step_id: step,
          state,
          updated_at: appended.time,
          seq: appended.seq,
        }),
    });
  }

  /** Ends a run. No entry can be added to it afterwards. */
  finishRun(
    runId: string,
    input: { outcome: RunOutcome; summary?: string; actor?: string },
  ): JournalEntry {
    this.assertOpen();
    const outcomes: RunOutcome[] = ['succeeded', 'failed', 'rolled-back', 'cancelled'];
    if (!outcomes.includes(input.outcome))
      throw invalidInput('outcome', `expected one of ${outcomes.join(', ')}`);
    const payload: Record<string, unknown> = { outcome: input.outcome };
    if (input.summary !== undefined) payload['summary'] = input.summary;
    return this.append(runId, 'run-finished', null, input.actor, payload, {
      after: (appended) => repo.finishRunRow(this.db, runId, appended.time, input.outcome),
    });
  }

  /**
   * Stores content (a JUnit report, a probe summary, an AWS response) under its SHA-256 after redaction, and
   * journals it under a readable name. The content is written and fsynced before the entry commits.
   */
  async addArtifact(runId: string, input: ArtifactInput): Promise<ArtifactRecord> {
    this.assertOpen();
    const name = validateFileName(input.name, 'name');
    this.assertRunOpen(runId);
    return this.storeAndRecord(runId, 'artifact', name, input, {});
  }

  /**
   * Stores an operator's file (limit: `maxAttachmentBytes`), named after the file unless `name` is given.
   * Refused with `attachment_too_large` or `invalid_file_name` before anything is recorded.
   */
  async addAttachment(runId: string, input: AttachmentInput): Promise<ArtifactRecord> {
    this.assertOpen();
    const name = validateFileName(input.name ?? nameFromSource(input.source), 'attachment name');
    this.assertRunOpen(runId);
    const limit = this.maxAttachmentBytes;
    const tooLarge = (size: number | undefined): AppError =>
      new AppError(
        'attachment_too_large',
        `The attachment ${name} is ${size === undefined ? 'larger than' : `${size} bytes, over`} the limit of ${limit} bytes; nothing was recorded.`,
        { name, limit },
      );
    if ('path' in input.source) {
      let size: number;
      try {
        size = statSync(input.source.path).size;
      } catch (error) {
        throw new AppError(
          'attachment_unreadable',
          `Cannot read the attachment ${name}: ${(error as Error).message}`,
          { name },
        );
      }
      if (size > limit) throw tooLarge(size);
    }
    const extra: Record<string, unknown> = {};
    if (input.note !== undefined) extra['note'] = input.note;
    return this.storeAndRecord(runId, 'attachment', name, input, extra, {
      limit,
      tooLarge: () => tooLarge(undefined),
    });
  }

  /** A run's entries in order, `limit` (default 500) at a time after `afterSeq`. */
  listJournal(runId: string, options: { afterSeq?: number; limit?: number } = {}): JournalEntry[] {
    this.assertOpen();
    const limit = Math.min(Math.max(options.limit ?? 500, 1), 10_000);
    return repo.listEntryRows(this.db, runId, options.afterSeq ?? 0, limit).map(toEntry);
  }

  /** Intents without an outcome, oldest first (all runs, or one). */
  pendingIntents(runId?: string): PendingIntent[] {
    this.assertOpen();
    return repo.listPendingIntentRows(this.db, runId).map((row) => {
      const payload = JSON.parse(row.payload) as {
        intentId: string;
        action: string;
        request?: JsonValue;
      };
      return {
        intentId: payload.intentId as IntentId,
        runId: row.run_id as RunId,
        stepId: row.step_id,
        action: payload.action,
        seq: row.seq,
        time: row.time,
        request: payload.request ?? null,
      };
    });
  }

  /** Recomputes every entry's hash and link, and checks the append-only triggers and the run projections. */
  verifyChain(): ChainReport {
    this.assertOpen();
    return verifyJournal(this.db);
  }

  /** Where stored content lives (read-only use: export, viewing). */
  artifactPath(sha256: string): string {
    return contentPath(this.artifactsDir, requireSha(sha256, 'sha256'));
  }

  openArtifact(sha256: string): ReadStream {
    return createReadStream(this.artifactPath(sha256), { highWaterMark: 1 << 20 });
  }

  /** Closes the database (checkpointing the WAL) and releases the data directory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    try {
      this.db.close();
    } finally {
      this.lock.release();
    }
    log.info('evidence store closed', { dataDir: this.dataDir });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async storeAndRecord(
    runId: string,
    kind: 'artifact' | 'attachment',
    name: string,
    input: ArtifactInput | AttachmentInput,
    extra: Record<string, unknown>,
    limits?: { limit: number; tooLarge: () => AppError },
  ): Promise<ArtifactRecord> {
    const stepId = optionalStep(input.stepId);
    const stored = await storeContent(this.artifactsDir, input.source, {
      name,
      mediaType: input.mediaType,
      redactor: this.redactor,
      maxBytes: limits?.limit,
      tooLarge: limits?.tooLarge,
    });
    const payload = {
      name,
      sha256: stored.sha256,
      size: stored.size,
      mediaType: stored.mediaType,
      treatedAs: stored.treatedAs,
      ...extra,
    };
    const entry = this.append(runId, kind, stepId, input.actor, payload, {
      redactions: stored.redactions,
      before: (time) => repo.insertArtifact(this.db, stored.sha256, stored.size, time),
    });
    const clean = entry.payload as { name: string };
    return {
      sha256: stored.sha256,
      size: stored.size,
      name: clean.name,
      mediaType: stored.mediaType,
      entry,
    };
  }

  /** Redacts, then appends one entry to the run's chain in one IMMEDIATE transaction, then tells listeners. */
  private append(
    runId: string,
    kind: EntryKind,
    stepId: string | null,
    actor: string | undefined,
    payload: unknown,
    hooks: {
      before?: (time: string) => void;
      after?: (entry: JournalEntry) => void;
      redactions?: Redaction[];
    } = {},
  ): JournalEntry {
    const redacted = this.redactor.redactValue({ actor: actor ?? null, stepId, payload }, '$');
    const clean = redacted.value as {
      actor: string | null;
      stepId: string | null;
      payload: JsonValue;
    };
    const redactions = [...(hooks.redactions ?? []), ...redacted.redactions];
    const time = this.now().toISOString();
    const entry = this.write(`record ${kind}`, () => {
      const run = this.assertRunOpen(runId);
      hooks.before?.(time);
      const who = clean.actor ?? (JSON.parse(run.operator) as OperatorIdentity).name;
      const appended = this.insertEntry(
        runId,
        kind,
        clean.stepId,
        who,
        clean.payload,
        redactions,
        time,
      );
      hooks.after?.(appended);
      return appended;
    });
    this.emit(entry);
    return entry;
  }

  /** Inside a transaction: numbers, links, hashes and inserts one entry. */
  private insertEntry(
    runId: string,
    kind: EntryKind,
    stepId: string | null,
    actor: string,
    payload: JsonValue,
    redactions: Redaction[],
    time: string,
  ): JournalEntry {
    const fields = {
      seq: repo.lastSeq(this.db) + 1,
      time,
      kind,
      runId,
      stepId,
      actor,
      payload: canonicalJson(payload),
      redactions: canonicalJson(redactions),
      prevHash: repo.runHead(this.db, runId) ?? GENESIS_HASH,
    };
    const hash = computeEntryHash(fields);
    repo.insertEntry(this.db, {
      seq: fields.seq,
      time,
      kind,
      run_id: runId,
      step_id: stepId,
      actor,
      payload: fields.payload,
      redactions: fields.redactions,
      prev_hash: fields.prevHash,
      hash,
    });
    return {
      seq: fields.seq,
      time,
      kind,
      runId: runId as RunId,
      stepId,
      actor,
      payload,
      redactions,
      prevHash: fields.prevHash,
      hash,
    };
  }

  private write<T>(action: string, body: () => T): T {
    try {
      return this.db.transaction(body).immediate();
    } catch (error) {
      throw mapSqliteError(error, action);
    }
  }

  private assertRunOpen(runId: string): repo.RunRow {
    const run = repo.getRunRow(this.db, runId);
    if (run === undefined)
      throw new AppError('run_unknown', `There is no run with id ${runId}.`, { runId });
    if (run.ended_at !== null) {
      throw new AppError(
        'run_finished',
        `Run ${runId} has finished (${run.outcome ?? 'ended'}); nothing more can be recorded in it.`,
        { runId },
      );
    }
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('store_closed', 'The evidence store is closed.');
  }

  private emit(entry: JournalEntry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        log.warn('an evidence listener failed', { seq: entry.seq, error: (error as Error).name });
      }
    }
  }
}

/**
 * Verifies the whole journal: hashes, links and seq contiguity (ChainVerifier), each run starting with its
 * `run-created` entry, the append-only triggers in place, and the `runs` projection agreeing with the journal.
 */
export function verifyJournal(db: Db): ChainReport {
  const verifier = new ChainVerifier({ contiguousSeq: true });
  const created = new Map<string, string>();
  const finished = new Map<string, string>();
  for (const row of repo.iterateAllEntriesRaw(db)) {
    const [seq, time, kind, runId, stepId, actor, payload, redactions, prevHash, hash] = row as [
      number,
      string,
      string,
      string,
      string | null,
      string,
      string,
      string,
      string,
      string,
    ];
    const fields = { seq, time, kind, runId, stepId, actor, payload, redactions, prevHash };
    if (!created.has(runId)) {
      if (kind !== 'run-created') {
        verifier.report({
          code: 'bad_entry',
          seq,
          runId,
          message: `entry ${seq} is the first of run ${runId} but is ${kind}, not run-created`,
        });
      }
      created.set(runId, kind === 'run-created' ? payload : '');
    }
    if (kind === 'run-finished') finished.set(runId, payload);
    verifier.push(fields, hash);
  }
  const triggers = repo.listTriggerNames(db);
  for (const name of ['journal_no_update', 'journal_no_delete']) {
    if (!triggers.includes(name)) {
      verifier.report({
        code: 'triggers_missing',
        seq: null,
        runId: null,
        message: `the append-only trigger ${name} was removed from the journal`,
      });
    }
  }
  for (const row of repo.listAllRunRows(db)) {
    const payload = created.get(row.id);
    if (payload === undefined || payload === '') {
      verifier.report({
        code: 'projection_mismatch',
        seq: null,
        runId: row.id,
        message: `run ${row.id} has no run-created entry in the journal`,
      });
      continue;
    }
    const record = JSON.parse(payload) as {
      environment: string;
      version: string;
      runbook: { id: string; hash: string };
      operator: unknown;
    };
    const same =
      record.environment === row.environment &&
      record.version === row.version &&
      record.runbook.id === row.runbook_id &&
      record.runbook.hash === row.runbook_hash &&
      canonicalJson(record.operator as JsonValue) ===
        canonicalJson(JSON.parse(row.operator) as JsonValue);
    const end = finished.get(row.id);
    const outcome = end === undefined ? null : (JSON.parse(end) as { outcome: string }).outcome;
    if (!same || outcome !== row.outcome) {
      verifier.report({
        code: 'projection_mismatch',
        seq: null,
        runId: row.id,
        message: `the runs table disagrees with the journal about run ${row.id} (${!same ? 'environment, version, runbook or operator' : 'outcome'})`,
      });
    }
  }
  return {
    ok: verifier.problems.length === 0,
    entries: verifier.entries,
    heads: verifier.headsRecord(),
    problems: verifier.problems,
  };
}

function toRun(row: repo.RunRow): Run {
  return {
    id: row.id as RunId,
    environment: row.environment,
    version: row.version,
    runbook: { id: row.runbook_id, hash: row.runbook_hash },
    operator: JSON.parse(row.operator) as OperatorIdentity,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome as RunOutcome | null,
  };
}

/** A stored row as the entry the API returns. */
export function toEntry(row: repo.EntryRow): JournalEntry {
  return {
    seq: row.seq,
    time: row.time,
    kind: row.kind as EntryKind,
    runId: row.run_id as RunId,
    stepId: row.step_id,
    actor: row.actor,
    payload: JSON.parse(row.payload) as JsonValue,
    redactions: JSON.parse(row.redactions) as Redaction[],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function invalidInput(field: string, expected: string): AppError {
  return new AppError('invalid_input', `${field}: ${expected}.`, { field });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidInput(field, 'expected a non-empty text');
  if (value.length > 10_000) throw invalidInput(field, 'expected at most 10,000 characters');
  return value;
}

function requireStep(value: unknown): string {
  const step = requireText(value, 'stepId');
  // eslint-disable-next-line no-control-regex
  if (step.length > 128 || /[\u0000-\u001f]/.test(step))
    throw invalidInput('stepId', 'expected a step id of at most 128 printable characters');
  return step;
}

function optionalStep(value: unknown): string | null {
  return value === undefined || value === null ? null : requireStep(value);
}

function requireSha(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    throw invalidInput(field, 'expected a SHA-256 in lower-case hex');
  return value;
}

/** The file name of a path source, decoded strictly: a name that is not UTF-8 is refused, not mangled. */
function nameFromSource(source: ContentSource): string | undefined {
  if (!('path' in source)) return undefined;
  if (typeof source.path === 'string') return basename(source.path);
  const raw = source.path;
  const slash = raw.lastIndexOf(0x2f);
  const bytes = raw.subarray(slash + 1);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(
      'invalid_file_name',
      `attachment name: the file name is not valid UTF-8 (bytes ${bytes.toString('hex')}); rename the file and attach it again.`,
      { field: 'attachment name' },
    );
  }
}
