import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { GENESIS_HASH, short } from '../evidence/chain';
import { describeIssues } from '../../../shared/validation';
import { BundleManifest, JOURNAL_FILE, MANIFEST_FILE, SUMS_FILE, parseSums } from './bundle-format';

export type BundleProblemCode =
  | 'modified'
  | 'missing'
  | 'extra'
  | 'unsafe_entry'
  | 'unreadable'
  | 'manifest_invalid'
  | 'sums_invalid'
  | 'journal_invalid'
  | 'chain_broken'
  | 'chain_head_mismatch'
  | 'listing_mismatch'
  | 'witness_mismatch';

/** One thing wrong with a bundle, naming the file (bundle-relative path) where there is one. */
export type BundleProblem = { code: BundleProblemCode; path: string | null; message: string };

export type BundleReport = {
  ok: boolean;
  path: string;
  kind: 'folder' | 'zip';
  runId: string | null;
  environment: string | null;
  version: string | null;
  outcome: string | null;
  files: number;
  bytes: number;
  entries: number;
  chainHead: string | null;
  /** Witnesses checked against the journal; all of them held when `ok`. */
  witnesses: number;
  problems: BundleProblem[];
};

/**
 * A journal entry's hash as it was recorded outside the bundle at the time (the release notice posted to Slack
 * quotes `SEQ:HASH`). The manifest and SHA256SUMS are written by whoever writes the bundle, so a journal rewritten
 * together with both still verifies; an entry hash someone else holds does not move with them.
 */
export type Witness = { seq: number; hash: string };

/** Reads `SEQ:HASH` (`42:9f86d0...`, the full 64-digit SHA-256), or says what was expected. */
export function parseWitness(text: string): Witness | { error: string } {
  const m = /^#?(\d{1,12})[:\s]+([0-9a-f]{64})$/i.exec(text.trim());
  if (m?.[1] === undefined || m[2] === undefined || Number(m[1]) < 1) {
    return {
      error: `expected SEQ:HASH, a journal entry number and its full 64-digit SHA-256 (as the release notice quotes them), got ${JSON.stringify(text)}`,
    };
  }
  return { seq: Number(m[1]), hash: m[2].toLowerCase() };
}

type BundleEntry = { path: string; size: number; open: () => Promise<Readable> };

const SMALL_FILE_LIMIT = 64 << 20;

/**
 * Verifies a release bundle, a folder or its zip, offline: recomputes every file's SHA-256 against both
 * `manifest.json` and `SHA256SUMS`, names every modified, missing and extra file, and re-walks the journal's hash
 * chain (each line's `hash` = SHA-256 of its RFC 8785 canonical JSON without `hash`; each `prevHash` = the
 * previous line's hash), naming the first broken link and comparing the head with the manifest.
 * Never throws for a bad bundle: everything wrong is a problem in the report.
 */
export async function verifyBundle(
  path: string,
  options: { witnesses?: readonly Witness[] } = {},
): Promise<BundleReport> {
  const witnesses = options.witnesses ?? [];
  const report: BundleReport = {
    ok: false,
    path,
    kind: 'folder',
    runId: null,
    environment: null,
    version: null,
    outcome: null,
    files: 0,
    bytes: 0,
    entries: 0,
    chainHead: null,
    witnesses: 0,
    problems: [],
  };
  const problem = (code: BundleProblemCode, file: string | null, message: string): void => {
    if (report.problems.length < 500) report.problems.push({ code, path: file, message });
  };
  let info;
  try {
    info = await stat(path);
  } catch {
    problem('unreadable', null, `${path} does not exist`);
    return report;
  }
  let entries: BundleEntry[];
  let close = (): void => undefined;
  try {
    if (info.isDirectory()) {
      entries = await listFolder(path, (p, why) => problem('unsafe_entry', p, why));
    } else {
      report.kind = 'zip';
      const zip = await yauzl.openPromise(path, {
        autoClose: false,
        lazyEntries: true,
        strictFileNames: true,
      });
      close = () => zip.close();
      entries = await listZip(zip);
    }
  } catch (error) {
    problem(
      'unreadable',
      null,
      `${path} cannot be read as a bundle folder or zip: ${(error as Error).message}`,
    );
    return report;
  }

  const actual = new Map<string, { sha256: string; size: number }>();
  const small = new Map<string, Buffer>();
  const journal = new JournalCheck(
    (p) => problem(p.code, JOURNAL_FILE, p.message),
    new Set(witnesses.map((w) => w.seq)),
  );
  try {
    for (const entry of entries) {
      const hash = createHash('sha256');
      let size = 0;
      const keep = entry.path === MANIFEST_FILE || entry.path === SUMS_FILE;
      const kept: Buffer[] = [];
      try {
        const stream = await entry.open();
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          if (keep && size <= SMALL_FILE_LIMIT) kept.push(chunk);
          if (entry.path === JOURNAL_FILE) journal.feed(chunk);
        }
      } catch (error) {
        problem(
          'unreadable',
          entry.path,
          `${entry.path} cannot be read: ${(error as Error).message}`,
        );
        continue;
      }
      if (entry.path === JOURNAL_FILE) journal.end();
      if (keep) small.set(entry.path, Buffer.concat(kept));
      actual.set(entry.path, { sha256: hash.digest('hex'), size });
      report.bytes += size;
    }
  } finally {
    close();
  }
  report.files = actual.size;

  // What the bundle says it holds.
  let manifest: BundleManifest | undefined;
  const manifestBytes = small.get(MANIFEST_FILE);
  if (manifestBytes === undefined) problem('missing', MANIFEST_FILE, `missing: ${MANIFEST_FILE}`);
  else {
    try {
      const parsed = BundleManifest.safeParse(JSON.parse(manifestBytes.toString('utf8')));
      if (parsed.success) manifest = parsed.data;
      else
        problem(
          'manifest_invalid',
          MANIFEST_FILE,
          `${MANIFEST_FILE} is not a valid manifest: ${describeIssues(parsed.error).slice(0, 3).join('; ')}`,
        );
    } catch {
      problem('manifest_invalid', MANIFEST_FILE, `${MANIFEST_FILE} is not valid JSON`);
    }
  }
  let sums = new Map<string, string>();
  const sumsBytes = small.get(SUMS_FILE);
  if (sumsBytes === undefined) problem('missing', SUMS_FILE, `missing: ${SUMS_FILE}`);
  else {
    const parsed = parseSums(sumsBytes.toString('utf8'));
    sums = parsed.entries;
    for (const line of parsed.bad)
      problem('sums_invalid', SUMS_FILE, `${SUMS_FILE} line ${line} is not '<sha256>  <file>'`);
  }
  const listed = new Map<string, { sha256: string; size: number }>();
  for (const file of manifest?.files ?? [])
    listed.set(file.path, { sha256: file.sha256, size: file.size });

  // Every file present: as listed? Every file listed: present?
  for (const [file, got] of actual) {
    if (file === SUMS_FILE) continue;
    const inManifest = listed.get(file);
    const inSums = sums.get(file);
    if (inManifest === undefined && inSums === undefined) {
      problem(
        'extra',
        file,
        `extra: ${file} is in the bundle but in neither ${MANIFEST_FILE} nor ${SUMS_FILE}`,
      );
      continue;
    }
    const against: string[] = [];
    if (
      inManifest !== undefined &&
      (inManifest.sha256 !== got.sha256 || inManifest.size !== got.size)
    )
      against.push(MANIFEST_FILE);
    if (inSums !== undefined && inSums !== got.sha256) against.push(SUMS_FILE);
    if (inSums === undefined && sumsBytes !== undefined) against.push(`${SUMS_FILE} (not listed)`);
    if (inManifest === undefined && file !== MANIFEST_FILE && manifest !== undefined)
      against.push(`${MANIFEST_FILE} (not listed)`);
    if (against.length > 0) {
      const expected =
        inManifest ?? (inSums !== undefined ? { sha256: inSums, size: undefined } : undefined);
      problem(
        'modified',
        file,
        `modified: ${file} does not match ${against.join(' and ')} (sha256 ${short(got.sha256)}, ${got.size} bytes; expected ${expected === undefined ? 'no such file' : `${short(expected.sha256)}${expected.size === undefined ? '' : `, ${expected.size} bytes`}`})`,
      );
    }
  }
  for (const file of new Set([...listed.keys(), ...sums.keys()])) {
    if (!actual.has(file))
      problem(
        'missing',
        file,
        `missing: ${file} is listed in ${listed.has(file) ? MANIFEST_FILE : SUMS_FILE} but not in the bundle`,
      );
  }

  // The journal chain, against the manifest.
  const chain = journal.result();
  report.entries = chain.entries;
  report.chainHead = chain.head;
  if (!actual.has(JOURNAL_FILE) && !listed.has(JOURNAL_FILE) && !sums.has(JOURNAL_FILE)) {
    problem('missing', JOURNAL_FILE, `missing: ${JOURNAL_FILE}`);
  }
  if (manifest !== undefined) {
    report.runId = manifest.run.id;
    report.environment = manifest.run.environment;
    report.version = manifest.run.version;
    report.outcome = manifest.run.outcome;
    if (actual.has(JOURNAL_FILE)) {
      if (chain.head !== manifest.chain.head || chain.entries !== manifest.chain.entries) {
        problem(
          'chain_head_mismatch',
          JOURNAL_FILE,
          `${JOURNAL_FILE} ends after ${chain.entries} entries with head ${short(chain.head ?? GENESIS_HASH)}, but ${MANIFEST_FILE} says ${manifest.chain.entries} entries with head ${short(manifest.chain.head)}${chain.entries < manifest.chain.entries ? ': entries were removed from the end (truncated journal)' : ''}`,
        );
      }
      for (const runId of chain.runIds) {
        if (runId !== manifest.run.id)
          problem(
            'journal_invalid',
            JOURNAL_FILE,
            `${JOURNAL_FILE} holds entries of run ${runId}, but the bundle is run ${manifest.run.id}`,
          );
      }
      const created = chain.created;
      if (
        created !== null &&
        (created.environment !== manifest.run.environment ||
          created.version !== manifest.run.version)
      ) {
        problem(
          'listing_mismatch',
          MANIFEST_FILE,
          `${MANIFEST_FILE} says ${manifest.run.environment} ${manifest.run.version} but the journal's run-created entry says ${String(created.environment)} ${String(created.version)}`,
        );
      }
    }
  }
  // Content the journal recorded must be listed (a listed file that changed or went missing is named above).
  const expected = new Set([...listed.values()].map((v) => v.sha256));
  for (const ref of manifest === undefined ? [] : chain.contents) {
    if (!expected.has(ref.sha256)) {
      problem(
        'missing',
        null,
        `missing: ${ref.name} (sha256 ${short(ref.sha256)}), recorded by journal entry ${ref.seq}, is not listed in ${MANIFEST_FILE}`,
      );
    }
  }
  for (const witness of witnesses) {
    const recorded = chain.witnessed.get(witness.seq);
    if (recorded === undefined) {
      problem(
        'witness_mismatch',
        JOURNAL_FILE,
        `witness: the journal has no entry ${witness.seq} (it has ${chain.entries}), yet one was quoted with hash ${short(witness.hash)}: entries were removed, or the witness belongs to another run`,
      );
    } else if (recorded !== witness.hash) {
      problem(
        'witness_mismatch',
        JOURNAL_FILE,
        `witness: journal entry ${witness.seq} has hash ${short(recorded)}, but ${short(witness.hash)} was quoted at the time: the journal was rewritten at or before that entry`,
      );
    } else {
      report.witnesses += 1;
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** The one-line verdict: `OK <path>: run <id> (<env> <version> <outcome>), N files, M journal entries, ...`. */
export function summarizeBundle(report: BundleReport): string {
  if (!report.ok) {
    return `FAILED ${report.path}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`;
  }
  const run = report.runId === null ? 'unknown run' : `run ${report.runId}`;
  const what = [report.environment, report.version, report.outcome]
    .filter((v) => v !== null)
    .join(' ');
  const witnessed =
    report.witnesses === 0
      ? ''
      : `; ${report.witnesses === 1 ? 'the witness matches' : `all ${report.witnesses} witnesses match`}`;
  return `OK ${report.path}: ${run}${what === '' ? '' : ` (${what})`}, ${report.files} files, ${report.entries} journal entries, chain head ${report.chainHead ?? '-'}; every hash matches${witnessed}.`;
}

/** The report in the contract's `vault.verify` shape (`BundleVerification`). */
export function toBundleVerification(report: BundleReport): {
  ok: boolean;
  summary: string;
  problems: string[];
} {
  return {
    ok: report.ok,
    summary: summarizeBundle(report),
    problems: report.problems.map((p) => p.message),
  };
}

async function listFolder(
  root: string,
  unsafe: (path: string, why: string) => void,
): Promise<BundleEntry[]> {
  const out: BundleEntry[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const full = join(dir, name);
      const rel = prefix + name;
      const info = await lstat(full);
      if (info.isSymbolicLink()) unsafe(rel, `unsafe: ${rel} is a symbolic link (not followed)`);
      else if (info.isDirectory()) await walk(full, rel + '/');
      else if (info.isFile())
        out.push({
          path: rel,
          size: info.size,
          open: async () => createReadStream(full, { highWaterMark: 1 << 20 }),
        });
      else unsafe(rel, `unsafe: ${rel} is not a regular file`);
    }
  };
  await walk(root, '');
  return out;
}

async function listZip(zip: yauzl.ZipFile): Promise<BundleEntry[]> {
  const raw: yauzl.Entry[] = [];
  for await (const entry of zip.eachEntry()) {
    if (!entry.fileName.endsWith('/')) raw.push(entry);
  }
  // Our zips hold one top folder named like the bundle folder; strip it so paths match the manifest.
  const tops = new Set(raw.map((e) => e.fileName.split('/')[0]));
  const strip =
    tops.size === 1 && raw.every((e) => e.fileName.includes('/')) ? `${[...tops][0] ?? ''}/` : '';
  return raw.map((entry) => ({
    path: entry.fileName.slice(strip.length),
    size: entry.uncompressedSize,
    open: () => zip.openReadStreamPromise(entry),
  }));
}

type JournalProblem = { code: 'journal_invalid' | 'chain_broken'; message: string };

/** Walks journal.jsonl line by line as it streams past (flat memory), checking each line's hash and link. */
class JournalCheck {
  private carry = '';
  private line = 0;
  private entries = 0;
  private prev = GENESIS_HASH;
  private lastSeq = 0;
  private broken = false;
  readonly runIds = new Set<string>();
  readonly contents: { name: string; sha256: string; seq: number }[] = [];
  created: { environment: unknown; version: unknown } | null = null;
  /** The recorded hash of each entry a witness asks about (only those: memory stays flat). */
  readonly witnessed = new Map<number, string>();
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly report: (problem: JournalProblem) => void,
    private readonly wanted: ReadonlySet<number>,
  ) {}

  feed(chunk: Buffer): void {
    this.carry += this.decoder.decode(chunk, { stream: true });
    let newline = this.carry.indexOf('\n');
    while (newline !== -1) {
      this.check(this.carry.slice(0, newline), true);
      this.carry = this.carry.slice(newline + 1);
      newline = this.carry.indexOf('\n');
    }
  }

  end(): void {
    this.carry += this.decoder.decode();
    if (this.carry !== '') this.check(this.carry, false);
    this.carry = '';
  }

  result(): {
    entries: number;
    head: string | null;
    runIds: Set<string>;
    contents: { name: string; sha256: string; seq: number }[];
    created: { environment: unknown; version: unknown } | null;
    witnessed: ReadonlyMap<number, string>;
  } {
    return {
      entries: this.entries,
      head: this.entries === 0 ? null : this.prev,
      runIds: this.runIds,
      contents: this.contents,
      created: this.created,
      witnessed: this.witnessed,
    };
  }

  private check(text: string, complete: boolean): void {
    this.line += 1;
    const where = `${JOURNAL_FILE} line ${this.line}`;
    let entry: Record<string, unknown>;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object');
      entry = parsed as Record<string, unknown>;
    } catch {
      this.fail(
        'journal_invalid',
        `${where} is not a complete JSON entry${complete ? '' : ' (the file ends mid-line: truncated?)'}`,
      );
      return;
    }
    const { hash, ...rest } = entry;
    const seq = entry['seq'];
    if (
      typeof hash !== 'string' ||
      typeof seq !== 'number' ||
      typeof entry['prevHash'] !== 'string' ||
      typeof entry['runId'] !== 'string'
    ) {
      this.fail('journal_invalid', `${where} lacks seq, runId, prevHash or hash`);
      return;
    }
    this.entries += 1;
    this.runIds.add(entry['runId']);
    if (this.entries === 1 && entry['kind'] === 'run-created') {
      const payload = (entry['payload'] ?? {}) as Record<string, unknown>;
      this.created = { environment: payload['environment'], version: payload['version'] };
    }
    if (entry['kind'] === 'artifact' || entry['kind'] === 'attachment') {
      const payload = (entry['payload'] ?? {}) as Record<string, unknown>;
      if (typeof payload['sha256'] === 'string')
        this.contents.push({ name: String(payload['name']), sha256: payload['sha256'], seq });
    }
    if (seq <= this.lastSeq)
      this.fail(
        'chain_broken',
        `${where} (entry ${seq}) is out of order after entry ${this.lastSeq}`,
      );
    this.lastSeq = seq;
    if (this.wanted.has(seq)) this.witnessed.set(seq, hash);
    if (entry['prevHash'] !== this.prev) {
      this.fail(
        'chain_broken',
        this.entries === 1
          ? `${where} (entry ${seq}) does not start the chain: its prevHash is ${short(String(entry['prevHash']))}, not genesis (earlier entries were removed)`
          : `${where} (entry ${seq}) does not link to the line before it: prevHash ${short(String(entry['prevHash']))}, expected ${short(this.prev)} (an entry was removed or altered)`,
      );
    }
    let canonical: string | undefined;
    try {
      canonical = canonicalize(rest);
    } catch {
      canonical = undefined;
    }
    const actual =
      canonical === undefined ? '' : createHash('sha256').update(canonical).digest('hex');
    if (actual !== hash) {
      this.fail(
        'chain_broken',
        `${where} (entry ${seq}, ${String(entry['kind'])}) was altered: its content hashes to ${short(actual)}, the line says ${short(hash)}`,
      );
    }
    this.prev = hash;
  }

  private fail(code: JournalProblem['code'], message: string): void {
    // The first broken link is what matters; after it every later link may be off, so report only a few.
    if (this.broken && code === 'chain_broken') return;
    if (code === 'chain_broken') this.broken = true;
    this.report({ code, message });
  }
}
