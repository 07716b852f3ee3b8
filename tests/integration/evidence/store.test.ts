import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import type { JournalEntry } from '../../../src/main/core/evidence/types';
import { openStore, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore | undefined;
beforeEach(() => {
  dir = tempDir('greenlight-evidence-');
});
afterEach(() => {
  store?.close();
  store = undefined;
  dir.cleanup();
});

const codeOf = async (fn: () => unknown): Promise<string | undefined> => {
  try {
    await fn();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
};

describe('evidence store', () => {
  it('records a run with intents, outcomes, observations, attestations, overrides and step states, and reads it back after reopening', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    const streamed: JournalEntry[] = [];
    store.onEntry((entry) => streamed.push(entry));
    const { intentId } = store.recordIntent(run.id, {
      stepId: 'deploy',
      action: 'codedeploy:CreateDeployment',
      request: { applicationName: 'fixnado' },
    });
    store.recordOutcome(intentId, {
      status: 'succeeded',
      response: { deploymentId: 'd-ABCDEFGHI', $metadata: { requestId: 'r-1' } },
    });
    store.recordObservation(run.id, {
      stepId: 'watch',
      subject: 'deployment status',
      data: { status: 'Succeeded' },
    });
    store.recordAttestation(run.id, {
      stepId: 'approver',
      statement: 'Approver present',
      note: 'Bob from CAB',
    });
    store.recordOverride(run.id, {
      stepId: 'load-gate',
      reason: 'p95 spike during cache warm-up; accepted by CAB',
    });
    store.setStepState(run.id, 'deploy', 'passed');
    store.finishRun(run.id, { outcome: 'succeeded', summary: 'released' });
    expect(streamed.map((e) => e.kind)).toEqual([
      'intent',
      'outcome',
      'observation',
      'attestation',
      'override',
      'step-state',
      'run-finished',
    ]);
    store.close();

    const reopened = await openEvidenceStore({ dataDir: dir.path });
    store = reopened.store;
    expect(reopened.pendingIntents).toEqual([]);
    expect(reopened.chain.ok).toBe(true);
    const journal = store.listJournal(run.id);
    expect(journal.map((e) => e.kind)).toEqual(['run-created', ...streamed.map((e) => e.kind)]);
    expect(journal.slice(1)).toEqual(streamed);
    expect(journal[0]?.payload).toMatchObject({
      environment: 'staging',
      version: '1.4.2',
      operator: { name: 'alice' },
    });
    expect(store.getRun(run.id)).toMatchObject({ outcome: 'succeeded', environment: 'staging' });
    expect(store.listSteps(run.id)).toEqual([
      expect.objectContaining({ stepId: 'deploy', state: 'passed' }),
    ]);
    expect(store.listRuns()).toHaveLength(1);
  });

  it('pages the journal with afterSeq and limit', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    for (let i = 0; i < 25; i += 1)
      store.recordObservation(run.id, { subject: 'tick', data: { i } });
    const first = store.listJournal(run.id, { limit: 10 });
    const second = store.listJournal(run.id, { afterSeq: first.at(-1)?.seq, limit: 10 });
    const rest = store.listJournal(run.id, { afterSeq: second.at(-1)?.seq });
    expect([...first, ...second, ...rest].map((e) => e.seq)).toEqual(
      Array.from({ length: 26 }, (_, i) => i + 1),
    );
  });

  it('keeps each run its own chain when runs interleave', async () => {
    store = await openStore(dir.path);
    const a = startRun(store);
    const b = startRun(store, { environment: 'production' });
    for (let i = 0; i < 5; i += 1) {
      store.recordObservation(a.id, { subject: 'a', data: i });
      store.recordObservation(b.id, { subject: 'b', data: i });
    }
    const report = store.verifyChain();
    expect(report.ok).toBe(true);
    expect(report.heads[a.id]?.entries).toBe(6);
    const journalA = store.listJournal(a.id);
    for (let i = 1; i < journalA.length; i += 1)
      expect(journalA[i]?.prevHash).toBe(journalA[i - 1]?.hash);
  });

  it('lists an intent without outcome as pending after reopening, and accepts exactly one outcome for it', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    const { intentId } = store.recordIntent(run.id, {
      stepId: 'deploy',
      action: 'codedeploy:CreateDeployment',
      request: { revision: 42 },
      intentId: 'deploy-42',
    });
    store.close();
    const reopened = await openEvidenceStore({ dataDir: dir.path });
    store = reopened.store;
    expect(reopened.pendingIntents).toEqual([
      expect.objectContaining({
        intentId: 'deploy-42',
        runId: run.id,
        stepId: 'deploy',
        action: 'codedeploy:CreateDeployment',
        request: { revision: 42 },
      }),
    ]);
    const outcome = store.recordOutcome(intentId, {
      status: 'unknown',
      note: 'reconciled after restart: no deployment found',
    });
    expect(outcome.payload).toMatchObject({
      intentId: 'deploy-42',
      action: 'codedeploy:CreateDeployment',
      status: 'unknown',
    });
    expect(store.pendingIntents()).toEqual([]);
    expect(await codeOf(() => store?.recordOutcome(intentId, { status: 'succeeded' }))).toBe(
      'outcome_exists',
    );
    expect(
      await codeOf(() => store?.recordIntent(run.id, { action: 'x', intentId: 'deploy-42' })),
    ).toBe('intent_exists');
    expect(await codeOf(() => store?.recordOutcome('nope', { status: 'succeeded' }))).toBe(
      'intent_unknown',
    );
    expect(store.verifyChain().ok).toBe(true);
  });

  it('refuses entries for an unknown or finished run without touching the journal', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    store.finishRun(run.id, { outcome: 'failed' });
    expect(await codeOf(() => store?.recordObservation(run.id, { subject: 'late' }))).toBe(
      'run_finished',
    );
    expect(
      await codeOf(() => store?.addArtifact(run.id, { name: 'late.txt', source: { buffer: 'x' } })),
    ).toBe('run_finished');
    expect(await codeOf(() => store?.recordObservation('no-such-run', { subject: 'x' }))).toBe(
      'run_unknown',
    );
    expect(
      await codeOf(() => store?.recordOverride(run.id, { stepId: 'gate', reason: '   ' })),
    ).toBe('invalid_input');
    expect(store.listJournal(run.id).map((e) => e.kind)).toEqual(['run-created', 'run-finished']);
    expect(store.verifyChain().ok).toBe(true);
  });

  it('stores artifacts by SHA-256 from a buffer, a file and a stream, once per content', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    const file = join(dir.path, 'junit.xml');
    writeFileSync(file, '<testsuites tests="3" failures="0"/>');
    const fromFile = await store.addArtifact(run.id, {
      name: 'smoke-tests.xml',
      source: { path: file },
    });
    const fromBuffer = await store.addArtifact(run.id, {
      name: 'smoke-tests-again.xml',
      source: { buffer: Buffer.from('<testsuites tests="3" failures="0"/>') },
    });
    async function* parts(): AsyncGenerator<string> {
      yield '{"p95": 1';
      yield '20, "errors": 0}';
    }
    const fromStream = await store.addArtifact(run.id, {
      name: 'synthetic-load.json',
      source: { stream: parts() },
    });
    expect(fromFile.sha256).toBe(fromBuffer.sha256);
    expect(fromFile.size).toBe(36);
    expect(fromStream).toMatchObject({ size: 25, mediaType: 'application/json' });
    expect(readFileSync(store.artifactPath(fromStream.sha256), 'utf8')).toBe(
      '{"p95": 120, "errors": 0}',
    );
    const db = new Database(store.dbFile, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM artifacts').pluck().get()).toBe(2);
    db.close();
  });

  it('keeps the journal flowing when a listener throws', async () => {
    store = await openStore(dir.path);
    const run = startRun(store);
    store.onEntry(() => {
      throw new Error('UI went away');
    });
    const seen: number[] = [];
    const off = store.onEntry((e) => seen.push(e.seq));
    store.recordObservation(run.id, { subject: 'one' });
    off();
    store.recordObservation(run.id, { subject: 'two' });
    expect(seen).toEqual([2]);
    expect(store.listJournal(run.id)).toHaveLength(3);
  });
});
