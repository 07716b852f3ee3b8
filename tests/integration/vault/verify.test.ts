import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { cpSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import { formatSums } from '../../../src/main/core/vault/bundle-format';
import { exportBundle } from '../../../src/main/core/vault/export';
import type { ExportResult } from '../../../src/main/core/vault/export';
import { verifyBundle, type Witness } from '../../../src/main/core/vault/verify';
import { openStore, startRun } from '../../support/evidence';
import { greenlight, type CliResult } from '../../support/greenlight-cli';
import { tempDir } from '../../support/temp';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore;
let bundle: ExportResult;
let copies = 0;

beforeAll(async () => {
  dir = tempDir('greenlight-verify-');
  mkdirSync(join(dir.path, 'vault'));
  store = await openStore(join(dir.path, 'data'));
  const r = startRun(store);
  for (let i = 0; i < 20; i += 1)
    store.recordObservation(r.id, {
      stepId: 'watch',
      subject: 'deployment status',
      data: { i, status: 'InProgress' },
    });
  await store.addArtifact(r.id, {
    name: 'smoke-tests.xml',
    source: { buffer: '<testsuites tests="12" failures="0"/>' },
  });
  await store.addArtifact(r.id, {
    name: 'synthetic-load.json',
    source: { buffer: '{"p95": 212}' },
  });
  store.finishRun(r.id, { outcome: 'succeeded' });
  bundle = await exportBundle(store, r.id, { vaultRoot: join(dir.path, 'vault'), zip: true });
});
afterAll(() => {
  store.close();
  dir.cleanup();
});

/** A fresh copy of the bundle folder to damage. */
function copy(): string {
  copies += 1;
  const target = join(dir.path, `copy-${copies}`);
  cpSync(bundle.dir, target, { recursive: true });
  return target;
}

async function problems(path: string, witnesses: Witness[] = []): Promise<string[]> {
  const report = await verifyBundle(path, { witnesses });
  expect(report.ok).toBe(false);
  return report.problems.map((p) => p.message);
}

const cli = (path: string, ...flags: string[]): Promise<CliResult> =>
  greenlight(['verify', path, ...flags]);

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The journal entry `seq` of a bundle folder as a witness would have quoted it. */
function witnessOf(path: string, seq: number): Witness {
  const line = readFileSync(join(path, 'journal.jsonl'), 'utf8').split('\n')[seq - 1] ?? '{}';
  return { seq, hash: (JSON.parse(line) as { hash: string }).hash };
}

/**
 * What someone holding the bundle (or the database) could do: change an entry, recompute every hash after it,
 * and rewrite manifest.json and SHA256SUMS to match. Nothing inside the bundle can tell.
 */
function rewriteConsistently(
  path: string,
  seq: number,
  edit: (entry: Record<string, unknown>) => void,
): void {
  const journalFile = join(path, 'journal.jsonl');
  const entries = readFileSync(journalFile, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  let prev = '';
  for (const entry of entries) {
    if (entry['seq'] === seq) edit(entry);
    if (prev !== '') entry['prevHash'] = prev;
    delete entry['hash'];
    entry['hash'] = sha256(canonicalize(entry) ?? '');
    prev = entry['hash'] as string;
  }
  const journal = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
  writeFileSync(journalFile, journal);
  const manifestFile = join(path, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    files: { path: string; sha256: string; size: number }[];
    chain: { head: string; entries: number };
  };
  for (const file of manifest.files) {
    if (file.path === 'journal.jsonl')
      Object.assign(file, { sha256: sha256(journal), size: Buffer.byteLength(journal) });
  }
  manifest.chain.head = prev;
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  writeFileSync(manifestFile, manifestText);
  writeFileSync(
    join(path, 'SHA256SUMS'),
    formatSums([...manifest.files, { path: 'manifest.json', sha256: sha256(manifestText) }]),
  );
}

describe('verifyBundle', () => {
  it('accepts the bundle as exported, folder and zip', async () => {
    expect(await verifyBundle(bundle.dir)).toMatchObject({
      ok: true,
      files: 6,
      entries: 24,
      problems: [],
    });
    expect(await verifyBundle(bundle.zipPath ?? '')).toMatchObject({
      ok: true,
      kind: 'zip',
      files: 6,
      entries: 24,
    });
  });

  it('names a file with one changed byte', async () => {
    const path = copy();
    const file = join(path, 'synthetic-load.json');
    const bytes = readFileSync(file);
    bytes[7] = bytes[7] === 0x31 ? 0x39 : 0x31;
    writeFileSync(file, bytes);
    expect(await problems(path)).toEqual([
      expect.stringMatching(
        /^modified: synthetic-load\.json does not match manifest\.json and SHA256SUMS/,
      ),
    ]);
  });

  it('names a removed file', async () => {
    const path = copy();
    rmSync(join(path, 'smoke-tests.xml'));
    const found = await problems(path);
    expect(found).toContain(
      'missing: smoke-tests.xml is listed in manifest.json but not in the bundle',
    );
  });

  it('names an added file', async () => {
    const path = copy();
    writeFileSync(join(path, 'approval.pdf'), 'not really');
    expect(await problems(path)).toEqual([
      'extra: approval.pdf is in the bundle but in neither manifest.json nor SHA256SUMS',
    ]);
  });

  it('names a journal truncated mid-line and one cut at a line boundary', async () => {
    const midLine = copy();
    const journal = join(midLine, 'journal.jsonl');
    truncateSync(journal, readFileSync(journal).length - 40);
    const found = await problems(midLine);
    expect(found).toContain(
      'journal.jsonl line 24 is not a complete JSON entry (the file ends mid-line: truncated?)',
    );
    expect(found.some((m) => m.startsWith('modified: journal.jsonl'))).toBe(true);

    const boundary = copy();
    const text = readFileSync(join(boundary, 'journal.jsonl'), 'utf8');
    writeFileSync(join(boundary, 'journal.jsonl'), text.split('\n').slice(0, 20).join('\n') + '\n');
    const cut = await problems(boundary);
    expect(
      cut.some(
        (m) =>
          m.includes('ends after 20 entries') &&
          m.includes('says 24 entries') &&
          m.includes('truncated journal'),
      ),
    ).toBe(true);
  });

  it('names the first broken link when an entry is edited and its hash recomputed', async () => {
    const path = copy();
    const file = join(path, 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const entry = JSON.parse(lines[4] ?? '{}') as Record<string, unknown>;
    entry['actor'] = 'mallory';
    lines[4] = JSON.stringify(entry);
    writeFileSync(file, lines.join('\n') + '\n');
    const found = await problems(path);
    expect(found.filter((m) => m.startsWith('journal.jsonl line'))).toEqual([
      expect.stringMatching(
        /^journal\.jsonl line 5 \(entry 5, observation\) was altered: its content hashes to [0-9a-f]{12}…, the line says/,
      ),
    ]);
  });

  it('names an edited manifest', async () => {
    const path = copy();
    const file = join(path, 'manifest.json');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('"outcome": "succeeded"', '"outcome": "failed"'),
    );
    expect(await problems(path)).toEqual([
      expect.stringMatching(/^modified: manifest\.json does not match SHA256SUMS/),
    ]);
  });

  it('names a file changed inside the zip', async () => {
    // Rebuild the zip with one byte changed: what a careless re-pack would do.
    const path = copy();
    appendFileSync(join(path, 'smoke-tests.xml'), ' ');
    const zip = new yazl.ZipFile();
    for (const name of [
      'SHA256SUMS',
      'journal.jsonl',
      'manifest.json',
      'record.md',
      'smoke-tests.xml',
      'synthetic-load.json',
    ]) {
      zip.addFile(join(path, name), `1.4.2/${name}`);
    }
    zip.end();
    const target = join(dir.path, 'repacked.zip');
    await pipeline(zip.outputStream, createWriteStream(target));
    expect(await problems(target)).toEqual([expect.stringMatching(/^modified: smoke-tests\.xml/)]);
  });
});

describe('witnesses: entry hashes recorded outside the bundle', () => {
  it('pass a bundle as exported, and catch a journal rewritten together with its manifest and sums', async () => {
    const witness = witnessOf(bundle.dir, 12);
    const honest = await verifyBundle(bundle.dir, { witnesses: [witness] });
    expect(honest).toMatchObject({ ok: true, witnesses: 1 });

    const path = copy();
    rewriteConsistently(path, 5, (entry) => {
      entry['actor'] = 'mallory';
    });
    // Without a witness the rewrite is invisible: every hash in the bundle agrees with every other.
    expect(await verifyBundle(path)).toMatchObject({ ok: true });
    expect(await problems(path, [witness])).toEqual([
      expect.stringMatching(
        /^witness: journal entry 12 has hash [0-9a-f]{12}…, but [0-9a-f]{12}… was quoted at the time: the journal was rewritten at or before that entry$/,
      ),
    ]);
  });

  it('name a witness for an entry the journal no longer has', async () => {
    const path = copy();
    const witness = witnessOf(path, 24);
    const lines = readFileSync(join(path, 'journal.jsonl'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(path, 'journal.jsonl'), lines.slice(0, 20).join('\n') + '\n');
    expect(await problems(path, [witness])).toContainEqual(
      expect.stringMatching(/^witness: the journal has no entry 24 \(it has 20\)/),
    );
  });
});

describe('greenlight verify', () => {
  it('checks --witness SEQ:HASH, and refuses one that is not a full hash', async () => {
    const witness = witnessOf(bundle.dir, 3);
    const ok = await cli(bundle.dir, '--witness', `${witness.seq}:${witness.hash}`);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/; every hash matches; the witness matches\.$/m);

    const wrong = await cli(bundle.dir, '--witness', `${witness.seq}:${'0'.repeat(64)}`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('witness: journal entry 3 has hash');

    const short = await cli(bundle.dir, '--witness', `3:${witness.hash.slice(0, 12)}`);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain(
      '--witness: expected SEQ:HASH, a journal entry number and its full 64-digit SHA-256',
    );
  });

  it('exits 0 with a one-line summary when everything holds', async () => {
    const result = await cli(bundle.dir);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(
      /^OK .*: run .* \(staging 1\.4\.2 succeeded\), 6 files, 24 journal entries, chain head [0-9a-f]{64}; every hash matches\.$/m,
    );
  });

  it('exits 1 listing every problem', async () => {
    const path = copy();
    rmSync(join(path, 'smoke-tests.xml'));
    writeFileSync(join(path, 'extra.txt'), 'x');
    const result = await cli(path);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('missing: smoke-tests.xml');
    expect(result.stderr).toContain('extra: extra.txt');
  });

  it('exits 1 for a path that is not there, 2 on a wrong command line', async () => {
    const missing = await cli(join(dir.path, 'no-such-bundle'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    const { code } = await greenlight(['verify']);
    expect(code).toBe(2);
  });
});
