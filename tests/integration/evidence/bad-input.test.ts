import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import type { JournalEntry, Run } from '../../../src/main/core/evidence/types';
import { exportBundle } from '../../../src/main/core/vault/export';
import { verifyBundle } from '../../../src/main/core/vault/verify';
import { openStore, startRun } from '../../support/evidence';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore;
let run: Run;
let before: JournalEntry[];

beforeEach(async () => {
  dir = tempDir('greenlight-badinput-');
  store = await openStore(join(dir.path, 'data'), { maxAttachmentBytes: 1024 });
  run = startRun(store);
  store.recordObservation(run.id, {
    subject: 'image in ECR',
    data: { digest: 'sha256:' + 'ab'.repeat(32) },
  });
  await store.addArtifact(run.id, { name: 'smoke-tests.xml', source: { buffer: '<testsuites/>' } });
  before = store.listJournal(run.id);
});
afterEach(async () => {
  try {
    // Whatever was refused, nothing already recorded was lost and the store carries on.
    expect(store.listJournal(run.id)).toEqual(before);
    expect(store.verifyChain().ok).toBe(true);
    store.recordObservation(run.id, { subject: 'still writing' });
    store.finishRun(run.id, { outcome: 'succeeded' });
    const vault = join(dir.path, 'vault');
    mkdirSync(vault, { recursive: true });
    const bundle = await exportBundle(store, run.id, { vaultRoot: vault });
    expect((await verifyBundle(bundle.dir)).ok).toBe(true);
  } finally {
    store.close();
    dir.cleanup();
  }
});

async function refused(action: () => unknown): Promise<AppError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('bad input', () => {
  it.each([
    [
      'an invalid semver version',
      { version: '1.4' },
      'invalid_version',
      /version: expected a semantic version like 1\.4\.2, got "1\.4"/,
    ],
    [
      'a version with a leading v',
      { version: 'v1.4.2' },
      'invalid_version',
      /write it as '1\.4\.2'/,
    ],
    [
      'an environment that is a path',
      { environment: '../production' },
      'invalid_environment',
      /environment: expected an environment name/,
    ],
    [
      'an environment with a NUL byte',
      { environment: 'prod\0' },
      'invalid_environment',
      /environment/,
    ],
  ])('refuses a run with %s', async (_label, override, code, message) => {
    const error = await refused(() => startRun(store, override));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['a path that leaves the bundle', '../../etc/passwd', /without folders/],
    ['an absolute path', '/etc/passwd', /not an absolute path/],
    ['a NUL byte', 'report\0.xml', /NUL byte/],
    ['a hidden name', '.bashrc', /start with a dot/],
  ])('refuses an artifact name with %s', async (_label, name, message) => {
    const error = await refused(() => store.addArtifact(run.id, { name, source: { buffer: 'x' } }));
    expect(error.code).toBe('invalid_file_name');
    expect(error.message).toMatch(message);
  });

  it('refuses an attachment over the configured limit, from a file or a stream, leaving no content behind', async () => {
    const big = join(dir.path, 'screenshot.png');
    writeFileSync(big, Buffer.alloc(2048, 1));
    const fromFile = await refused(() => store.addAttachment(run.id, { source: { path: big } }));
    expect(fromFile.code).toBe('attachment_too_large');
    expect(fromFile.message).toBe(
      'The attachment screenshot.png is 2048 bytes, over the limit of 1024 bytes; nothing was recorded.',
    );
    async function* stream(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 8; i += 1) yield Buffer.alloc(512, 2);
    }
    const fromStream = await refused(() =>
      store.addAttachment(run.id, { name: 'dump.bin', source: { stream: stream() } }),
    );
    expect(fromStream.code).toBe('attachment_too_large');
    expect(readdirSync(join(store.dataDir, 'artifacts', '.tmp'))).toEqual([]);
  });

  it('refuses a file whose name is not UTF-8, whether given as bytes or as a lossily decoded string', async () => {
    const folder = join(dir.path, 'incoming');
    mkdirSync(folder);
    const rawName = Buffer.from([
      0x61, 0x70, 0x70, 0x72, 0x6f, 0x76, 0x61, 0x6c, 0xff, 0x2e, 0x74, 0x78, 0x74,
    ]); // "approval\xff.txt"
    const rawPath = Buffer.concat([Buffer.from(folder + '/'), rawName]);
    writeFileSync(rawPath, 'approved');
    const asBytes = await refused(() => store.addAttachment(run.id, { source: { path: rawPath } }));
    expect(asBytes.code).toBe('invalid_file_name');
    expect(asBytes.message).toMatch(/not valid UTF-8/);
    const [decoded] = readdirSync(folder);
    expect(decoded).toContain('\uFFFD');
    const asString = await refused(() =>
      store.addAttachment(run.id, { source: { path: join(folder, decoded ?? '') } }),
    );
    expect(asString.code).toBe('invalid_file_name');
  });

  it('refuses payloads that are not JSON, naming the field', async () => {
    const error = await refused(() =>
      store.recordObservation(run.id, { subject: 'p95', data: { p95: Number.NaN } }),
    );
    expect(error.code).toBe('payload_invalid');
    expect(error.message).toContain('$.payload.data.p95');
  });

  it('refuses an unsafe vault root', async () => {
    await expect(
      exportBundle(store, run.id, { vaultRoot: 'relative/vault' }),
    ).rejects.toMatchObject({ code: 'vault_path_invalid' });
  });
});
