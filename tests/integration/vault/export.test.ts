import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import type { Run } from '../../../src/main/core/evidence/types';
import { exportBundle } from '../../../src/main/core/vault/export';
import type { ExportProgress } from '../../../src/main/core/vault/export';
import { readLatestSuccess, writeLatestSuccess } from '../../../src/main/core/vault/latest-success';
import { verifyBundle } from '../../../src/main/core/vault/verify';
import { openStore, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore;
let vault: string;
beforeEach(async () => {
  dir = tempDir('greenlight-vault-');
  vault = join(dir.path, 'vault');
  mkdirSync(vault);
  store = await openStore(join(dir.path, 'data'));
});
afterEach(() => {
  store.close();
  dir.cleanup();
});

async function releasedRun(): Promise<Run> {
  const run = startRun(store);
  const { intentId } = store.recordIntent(run.id, {
    stepId: 'create-deployment',
    action: 'codedeploy:CreateDeployment',
    request: { applicationName: 'fixnado' },
  });
  store.recordOutcome(intentId, {
    status: 'succeeded',
    response: { deploymentId: 'd-ABCDEFGHI', $metadata: { requestId: 'req-7' } },
  });
  await store.addArtifact(run.id, {
    name: 'smoke-tests.xml',
    stepId: 'smoke',
    source: { buffer: '<testsuites tests="12" failures="0"/>' },
  });
  await store.addArtifact(run.id, {
    name: 'synthetic-load.json',
    stepId: 'load',
    source: { buffer: JSON.stringify({ p95: 212, errorRate: 0.001 }) },
  });
  await store.addArtifact(run.id, {
    name: 'deployment.json',
    source: { buffer: JSON.stringify({ deploymentInfo: { status: 'Succeeded' } }) },
  });
  const attachment = await store.addAttachment(run.id, {
    name: 'cab-approval.txt',
    source: { buffer: 'CAB-1234 approved' },
  });
  store.recordAttestation(run.id, {
    stepId: 'approver',
    statement: 'Approver present',
    note: 'Bob',
    attachments: [attachment.sha256],
  });
  store.recordOverride(run.id, {
    stepId: 'error-budget',
    reason: 'budget at 11% after an unrelated incident; accepted by Bob',
  });
  store.setStepState(run.id, 'smoke', 'passed');
  store.finishRun(run.id, { outcome: 'succeeded' });
  return run;
}

describe('exportBundle', () => {
  it('writes the bundle where the playbook expects it, with files sha256sum -c accepts', async () => {
    const run = await releasedRun();
    const progress: ExportProgress[] = [];
    const result = await exportBundle(store, run.id, {
      vaultRoot: vault,
      onProgress: (p) => progress.push(p),
    });
    expect(result.dir).toBe(join(vault, 'governance', 'release_vault', 'staging', '1.4.2'));
    expect(readdirSync(result.dir).sort()).toEqual(
      [
        'SHA256SUMS',
        'attachments',
        'deployment.json',
        'journal.jsonl',
        'manifest.json',
        'record.md',
        'smoke-tests.xml',
        'synthetic-load.json',
      ].sort(),
    );
    // The count the console and the rehearsal report is what an auditor finds in the folder.
    const regularFiles = readdirSync(result.dir, { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile(),
    );
    expect(result.files).toBe(regularFiles.length);
    expect(readFileSync(join(result.dir, 'smoke-tests.xml'), 'utf8')).toBe(
      '<testsuites tests="12" failures="0"/>',
    );
    const sums = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], {
      cwd: result.dir,
      encoding: 'utf8',
    });
    expect(sums.trim().split('\n')).toHaveLength(7);
    expect(sums).not.toMatch(/FAILED/);

    const manifest = JSON.parse(
      readFileSync(join(result.dir, 'manifest.json'), 'utf8'),
    ) as typeof result.manifest;
    expect(manifest).toMatchObject({
      run: {
        id: run.id,
        environment: 'staging',
        version: '1.4.2',
        outcome: 'succeeded',
        operator: { name: 'alice' },
      },
      greenlightVersion: expect.any(String),
    });
    expect(manifest.chain.head).toBe(store.listJournal(run.id).at(-1)?.hash);
    expect(manifest.chain.entries).toBe(store.listJournal(run.id).length);

    const record = readFileSync(join(result.dir, 'record.md'), 'utf8');
    expect(record).toContain('| Outcome | succeeded |');
    expect(record).toContain('budget at 11% after an unrelated incident; accepted by Bob');
    expect(record).toContain('[attachments/cab-approval.txt](attachments/cab-approval.txt)');
    expect(record).toContain('| codedeploy:CreateDeployment | succeeded | req-7 |');
    expect(record).toContain('[smoke-tests.xml](smoke-tests.xml)');

    const lines = readFileSync(join(result.dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(
      store.listJournal(run.id).map((e) => e.seq),
    );
    expect(progress.at(-1)).toMatchObject({ phase: 'done' });
    expect(
      readdirSync(join(vault, 'governance', 'release_vault', 'staging')).filter((n) =>
        n.startsWith('.'),
      ),
    ).toEqual([]);
    expect((await verifyBundle(result.dir)).ok).toBe(true);
  });

  it('never overwrites: a re-export goes to <version>-2, then -3', async () => {
    const run = await releasedRun();
    const first = await exportBundle(store, run.id, { vaultRoot: vault });
    writeFileSync(join(first.dir, 'note-from-auditor.txt'), 'seen');
    const second = await exportBundle(store, run.id, { vaultRoot: vault, zip: true });
    const third = await exportBundle(store, run.id, { vaultRoot: vault });
    expect([first.name, second.name, third.name]).toEqual(['1.4.2', '1.4.2-2', '1.4.2-3']);
    expect(readFileSync(join(first.dir, 'note-from-auditor.txt'), 'utf8')).toBe('seen');
    expect(second.zipPath).toBe(
      join(vault, 'governance', 'release_vault', 'staging', '1.4.2-2.zip'),
    );
  });

  it('writes a zip that verifies, storing incompressible files and deflating the rest', async () => {
    const run = startRun(store);
    const { randomBytes } = await import('node:crypto');
    await store.addArtifact(run.id, {
      name: 'screenshot.bin',
      source: { buffer: randomBytes(200_000) },
    });
    await store.addArtifact(run.id, {
      name: 'probe.log',
      source: { buffer: 'GET /health 200 12ms\n'.repeat(20_000) },
    });
    store.finishRun(run.id, { outcome: 'succeeded' });
    const result = await exportBundle(store, run.id, { vaultRoot: vault, zip: true });
    expect(result.zipPath).not.toBeNull();
    const zipReport = await verifyBundle(result.zipPath ?? '');
    expect(zipReport).toMatchObject({ ok: true, kind: 'zip', runId: run.id, files: 6 });
    const listing = execFileSync('unzip', ['-v', result.zipPath ?? ''], { encoding: 'utf8' });
    expect(listing).toMatch(/Stored\s.*1\.4\.2\/screenshot\.bin/);
    expect(listing).toMatch(/Defl:\w\s.*1\.4\.2\/probe\.log/);
  });

  it('refuses a symlink inside the vault and a relative vault root, writing nothing', async () => {
    const run = await releasedRun();
    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(vault, 'governance', 'release_vault'), { recursive: true });
    symlinkSync(elsewhere, join(vault, 'governance', 'release_vault', 'staging'));
    await expect(exportBundle(store, run.id, { vaultRoot: vault })).rejects.toMatchObject({
      code: 'vault_symlink',
    });
    expect(readdirSync(elsewhere)).toEqual([]);
    await expect(exportBundle(store, run.id, { vaultRoot: 'vault' })).rejects.toMatchObject({
      code: 'vault_path_invalid',
    });
    await expect(exportBundle(store, run.id, { vaultRoot: `${vault}\0/x` })).rejects.toMatchObject({
      code: 'vault_path_invalid',
    });
    await expect(
      exportBundle(store, run.id, { vaultRoot: join(dir.path, 'not-mounted') }),
    ).rejects.toMatchObject({ code: 'vault_missing' });
  });

  it('stops when a stored artifact was damaged on disk, leaving no partial bundle', async () => {
    const run = await releasedRun();
    const sha = (
      store.listJournal(run.id).find((e) => e.kind === 'artifact')?.payload as { sha256: string }
    ).sha256;
    writeFileSync(store.artifactPath(sha), 'flipped');
    const error = await exportBundle(store, run.id, { vaultRoot: vault }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('artifact_corrupt');
    expect((error as AppError).message).toContain('smoke-tests.xml');
    expect(readdirSync(join(vault, 'governance', 'release_vault', 'staging'))).toEqual([]);
  });
});

describe('latest-success.json', () => {
  const record = {
    version: '1.4.2',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/fixnado-backend:42',
    imageDigest: 'sha256:' + 'ab'.repeat(32),
    deploymentId: 'd-ABCDEFGHI',
    time: '2026-11-29T10:00:00.000Z',
  };

  it('records and replaces the last known good release atomically', async () => {
    const path = await writeLatestSuccess(vault, 'staging', record);
    expect(path).toBe(join(vault, 'governance', 'release_vault', 'staging', 'latest-success.json'));
    await writeLatestSuccess(vault, 'staging', {
      ...record,
      version: '1.4.3',
      taskDefinitionArn: record.taskDefinitionArn.replace(':42', ':43'),
    });
    expect(await readLatestSuccess(vault, 'staging')).toMatchObject({
      environment: 'staging',
      version: '1.4.3',
    });
    expect(readdirSync(join(vault, 'governance', 'release_vault', 'staging'))).toEqual([
      'latest-success.json',
    ]);
    expect(await readLatestSuccess(vault, 'production')).toBeNull();
  });

  it.each([
    ['an invalid version', { ...record, version: '1.4' }, 'invalid_version'],
    ['a bad digest', { ...record, imageDigest: 'latest' }, 'invalid_input'],
    ['a bad task definition ARN', { ...record, taskDefinitionArn: 'fixnado:42' }, 'invalid_input'],
  ])('refuses %s', async (_label, bad, code) => {
    await expect(writeLatestSuccess(vault, 'staging', bad)).rejects.toMatchObject({ code });
    expect(
      existsSync(join(vault, 'governance', 'release_vault', 'staging', 'latest-success.json')),
    ).toBe(false);
  });

  it('says so when latest-success.json was damaged, rather than redeploying from a guess', async () => {
    const path = await writeLatestSuccess(vault, 'staging', record);
    writeFileSync(path, '{"version": "1.4.2", "taskDefin');
    await expect(readLatestSuccess(vault, 'staging')).rejects.toMatchObject({
      code: 'latest_success_invalid',
    });
  });

  it('refuses an environment name that would leave the vault', async () => {
    await expect(writeLatestSuccess(vault, '../../etc', record)).rejects.toMatchObject({
      code: 'invalid_environment',
    });
  });
});
