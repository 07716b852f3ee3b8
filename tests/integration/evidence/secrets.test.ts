import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { setLogSink } from '../../../src/main/core/log';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import { exportBundle } from '../../../src/main/core/vault/export';
import { verifyBundle } from '../../../src/main/core/vault/verify';
import { filesContaining, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let logs: string[];
let restoreLog: () => void;
beforeEach(() => {
  dir = tempDir('greenlight-secrets-');
  logs = [];
  restoreLog = setLogSink((line) => logs.push(line));
});
afterEach(() => {
  restoreLog();
  dir.cleanup();
});

const alnum = (
  n: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');

/** Unique strings that must never be stored: configured secrets and credential-shaped values. */
function canaries() {
  return {
    configured: `CanaryConfigured${alnum(12)}`,
    addedLater: `CanaryAddedLater${alnum(12)}`,
    accessKeyId: `AKIA${alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    secretKey: `Sk9${alnum(35)}/x`, // 40 characters, as AWS secret access keys are
    sessionToken: `IQoJb3JpZ2luX2Vj${alnum(120)}`,
    ssoToken: `aoa${alnum(80)}`,
    password: `pw-canary-${alnum(10)}`,
    bearer: `bearer-canary-${alnum(16)}`,
    secretString: `ss-canary-${alnum(10)}`,
    jwt: `eyJ${alnum(20)}.eyJ${alnum(30)}.${alnum(20)}`,
  };
}

async function zipTexts(path: string): Promise<Buffer[]> {
  const zip = await yauzl.openPromise(path, { autoClose: false, lazyEntries: true });
  const out: Buffer[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      out.push(Buffer.concat(chunks));
    }
  } finally {
    zip.close();
  }
  return out;
}

describe('secrets never enter the evidence', () => {
  it('finds no canary in the database, its WAL, the content store, the logs or the exported bundle and zip', async () => {
    const c = canaries();
    const dataDir = join(dir.path, 'data');
    const vault = join(dir.path, 'vault');
    mkdirSync(vault);
    const { store } = await openEvidenceStore({ dataDir, secretValues: [c.configured] });
    try {
      store.addSecretValues([c.addedLater]);
      const run = startRun(store, {
        operator: { name: 'alice', userId: `AIDAEXAMPLE:${c.configured}` },
      });

      // Every record path, each fed secrets the way real data would carry them.
      const { intentId } = store.recordIntent(run.id, {
        stepId: 'fetch-secret',
        action: 'secretsmanager:GetSecretValue',
        request: {
          SecretId: 'fixnado/db',
          headers: { Authorization: `Bearer ${c.bearer}`, 'X-Amz-Security-Token': c.sessionToken },
        },
      });
      store.recordOutcome(intentId, {
        status: 'succeeded',
        response: {
          ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fixnado/db-AbCdEf',
          SecretString: JSON.stringify({ password: c.password, marker: c.secretString }),
          $metadata: { requestId: 'req-1' },
        },
      });
      const failed = store.recordIntent(run.id, { action: 'sts:AssumeRole' });
      store.recordOutcome(failed.intentId, {
        status: 'failed',
        error: {
          code: 'AccessDenied',
          message: `key ${c.accessKeyId} is not allowed`,
          requestId: 'req-2',
        },
      });
      store.recordObservation(run.id, {
        subject: 'env dump',
        data: {
          log: `started with ${c.addedLater}`,
          jwt: c.jwt,
          creds: { aws_secret_access_key: c.secretKey },
        },
      });
      store.recordAttestation(run.id, {
        stepId: 'on-call',
        statement: 'On-call acknowledged',
        note: `token=${c.ssoToken}`,
        link: `https://x.s3.amazonaws.com/a?X-Amz-Security-Token=${c.sessionToken}&b=1`,
      });
      store.recordOverride(run.id, {
        stepId: 'load-gate',
        reason: `approved; see ${c.configured}`,
      });
      store.setStepState(run.id, 'login', 'passed', {
        sso: { accessToken: c.ssoToken, expiresAt: '2026-12-01T00:00:00Z' },
      });
      await store.addArtifact(run.id, {
        name: 'assume-role.json',
        source: {
          buffer: JSON.stringify({
            Credentials: {
              AccessKeyId: c.accessKeyId,
              SecretAccessKey: c.secretKey,
              SessionToken: c.sessionToken,
            },
            note: c.configured,
          }),
        },
      });
      const log = join(dir.path, 'deploy.log');
      writeFileSync(
        log,
        `step 1\naws_session_token = ${c.sessionToken}\nAuthorization: Bearer ${c.bearer}\nconfigured ${c.configured} end\n`,
      );
      await store.addArtifact(run.id, { name: 'deploy.log', source: { path: log } });
      const xml = `<AssumeRoleResponse><Credentials><SecretAccessKey>${c.secretKey}</SecretAccessKey><SessionToken>${c.sessionToken}</SessionToken></Credentials></AssumeRoleResponse>\n`;
      const half = xml.indexOf(c.secretKey) + 10; // split in the middle of the secret
      async function* chunks(): AsyncGenerator<Buffer> {
        yield Buffer.from(xml.slice(0, half));
        yield Buffer.from(xml.slice(half));
      }
      await store.addArtifact(run.id, { name: 'sts-response.xml', source: { stream: chunks() } });
      const notes = join(dir.path, 'cab-notes.txt');
      writeFileSync(notes, `CAB approved. Shared password: ${c.configured}\n`);
      await store.addAttachment(run.id, { source: { path: notes } });
      // Binary content cannot be redacted: holding a configured secret, it is refused rather than stored.
      const binary = Buffer.concat([
        randomBytes(3000),
        Buffer.from(c.configured),
        randomBytes(3000),
      ]);
      await expect(
        store.addArtifact(run.id, { name: 'core.bin', source: { buffer: binary } }),
      ).rejects.toMatchObject({ code: 'artifact_contains_secret' });
      store.finishRun(run.id, { outcome: 'succeeded', summary: `done with ${c.secretKey}` });

      // The evidence stays useful: ids, ARNs and statuses are still there, and the entries say what was removed.
      const journal = store.listJournal(run.id);
      const outcome = journal.find((e) => e.kind === 'outcome');
      expect(outcome?.payload).toMatchObject({
        response: {
          ARN: expect.stringContaining('arn:aws:secretsmanager'),
          SecretString: '[redacted:SecretString]',
          $metadata: { requestId: 'req-1' },
        },
      });
      expect(outcome?.redactions).toEqual([
        { path: '$.payload.response.SecretString', rule: 'SecretString' },
      ]);
      expect(journal.filter((e) => e.redactions.length > 0).length).toBeGreaterThanOrEqual(10);

      const bundle = await exportBundle(store, run.id, { vaultRoot: vault, zip: true });
      expect((await verifyBundle(bundle.dir)).ok).toBe(true);
      const zipped = await zipTexts(bundle.zipPath ?? '');

      for (const [name, canary] of Object.entries(c)) {
        // With the store open, the WAL holds the recent pages.
        expect(filesContaining(dataDir, canary), `${name} in the data directory`).toEqual([]);
        expect(filesContaining(bundle.dir, canary), `${name} in the bundle`).toEqual([]);
        expect(
          zipped.some((b) => b.includes(Buffer.from(canary))),
          `${name} in the zip`,
        ).toBe(false);
        expect(
          readFileSync(bundle.zipPath ?? '').includes(Buffer.from(canary)),
          `${name} in the zip bytes`,
        ).toBe(false);
      }
    } finally {
      store.close();
    }
    for (const [name, canary] of Object.entries(c)) {
      expect(filesContaining(dataDir, canary), `${name} in the data directory after close`).toEqual(
        [],
      );
      expect(
        logs.filter((l) => l.includes(canary)),
        `${name} in the logs`,
      ).toEqual([]);
    }
    expect(logs.length).toBeGreaterThan(0);
  });
});
