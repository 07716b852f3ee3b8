import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, mkdir, mkdtemp, open, rename, rm, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { extname, join } from 'node:path';
import yazl from 'yazl';
import { AppError } from '../errors';
import { canonicalJson, ChainVerifier, GENESIS_HASH, storedEntryFields } from '../evidence/chain';
import { HashingFile, syncDir } from '../evidence/content-store';
import { validateEnvironmentName, validateVersion } from '../evidence/names';
import type { EvidenceStore } from '../evidence/store';
import { createLogger } from '../log';
import {
  ATTACHMENTS_DIR,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  JOURNAL_FILE,
  MANIFEST_FILE,
  RECORD_FILE,
  RESERVED_NAMES,
  SUMS_FILE,
  formatSums,
} from './bundle-format';
import type { BundleManifest, ManifestFile } from './bundle-format';
import { greenlightVersion } from './greenlight-version';
import { collectFacts, renderRecordHead, renderTimelineRow } from './record';
import type { RecordFacts } from './record';
import { assertInside, environmentDir, existsNoFollow } from './vault-paths';

const log = createLogger('vault');

export type ExportProgress = {
  phase: 'journal' | 'files' | 'record' | 'zip' | 'done';
  bytesDone: number;
  bytesTotal: number;
  file?: string;
};

export type ExportOptions = {
  /** The release vault folder (a setting); the bundle goes to `<vaultRoot>/governance/release_vault/<env>/`. */
  vaultRoot: string;
  /** Also write `<version>.zip` beside the folder. */
  zip?: boolean;
  onProgress?: (progress: ExportProgress) => void;
  /** Recorded in the manifest (default: this build's package version). */
  greenlightVersion?: string;
  /** fsync every file before the folder is renamed into place (default true). */
  durable?: boolean;
};

export type ExportResult = {
  /** The bundle folder, e.g. `.../release_vault/staging/1.4.2` (or `1.4.2-2` when that existed). */
  dir: string;
  name: string;
  zipPath: string | null;
  manifest: BundleManifest;
  /** Files in the folder: the manifest's files plus the manifest and SHA256SUMS themselves. */
  files: number;
  /** Bytes written to the folder. */
  bytes: number;
};

const PAGE = 1000;

function withSuffix(name: string, n: number): string {
  const ext = extname(name);
  const stem = ext === '' || ext === name ? name : name.slice(0, -ext.length);
  return `${stem}-${n}${ext === name ? '' : ext}`;
}

/**
 * Exports a run as a release bundle `<vaultRoot>/governance/release_vault/<env>/<version>/`: the artifacts under
 * their readable names, `journal.jsonl`, `record.md`, `manifest.json` and `SHA256SUMS`; optionally the same as a
 * zip. Everything is hashed while it is written, into a hidden temporary folder that is renamed into place only
 * when complete; an existing bundle is never overwritten (a re-export becomes `<version>-2`, `-3`, ...).
 * The run's chain is verified on the way; a stored artifact whose bytes no longer match its hash stops the export.
 */
export async function exportBundle(
  store: EvidenceStore,
  runId: string,
  options: ExportOptions,
): Promise<ExportResult> {
  const run = store.getRun(runId);
  const environment = validateEnvironmentName(run.environment);
  const version = validateVersion(run.version);
  const envDir = await environmentDir(options.vaultRoot, environment);
  const durable = options.durable ?? true;
  const progress = options.onProgress ?? (() => undefined);
  const tmp = await mkdtemp(join(envDir, `.tmp-${version}-`));
  await chmod(tmp, 0o755); // mkdtemp makes it private; a vault folder is shared
  assertInside(envDir, tmp);
  const files: (ManifestFile & { seq: number | null })[] = [];
  const exportedAt = new Date().toISOString();
  const facts: RecordFacts = {
    run,
    outcome: null,
    summary: null,
    steps: new Map(),
    overrides: [],
    attestations: [],
    actions: [],
    files: [],
    entries: 0,
    head: GENESIS_HASH,
    redactedEntries: 0,
    exportedAt,
    greenlightVersion: options.greenlightVersion ?? greenlightVersion(),
  };
  let current: HashingFile | undefined;
  let zipTmp: string | undefined;
  try {
    // 1. The journal, verified entry by entry, while collecting what the record and the file list need.
    const verifier = new ChainVerifier({ contiguousSeq: false });
    const taken = new Map<string, string>();
    const shaPath = new Map<string, string>();
    const wanted: {
      path: string;
      sha256: string;
      size: number;
      role: string;
      seq: number;
      name: string;
    }[] = [];
    current = await HashingFile.create(join(tmp, JOURNAL_FILE));
    let bytesTotal = 0;
    let lastSeq = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    for (let after = 0; ;) {
      const page = store.listJournal(runId, { afterSeq: after, limit: PAGE });
      if (page.length === 0) break;
      for (const entry of page) {
        verifier.push(storedEntryFields(entry), entry.hash);
        const line = canonicalJson(entry) + '\n';
        batch.push(line);
        batchBytes += line.length;
        if (entry.kind === 'artifact' || entry.kind === 'attachment') {
          const p = entry.payload as { name: string; sha256: string; size: number };
          const path = placeFile(
            taken,
            entry.kind === 'attachment' ? `${ATTACHMENTS_DIR}/` : '',
            p.name,
            p.sha256,
          );
          if (!shaPath.has(p.sha256)) shaPath.set(p.sha256, path);
          if (!wanted.some((w) => w.path === path)) {
            wanted.push({
              path,
              sha256: p.sha256,
              size: p.size,
              role: entry.kind,
              seq: entry.seq,
              name: p.name,
            });
            bytesTotal += p.size;
          }
        }
        collectFacts(facts, entry, (sha) => shaPath.get(sha));
      }
      after = page[page.length - 1]?.seq ?? after;
      lastSeq = after;
      if (batchBytes >= 256 * 1024) {
        await current.write(Buffer.from(batch.join(''), 'utf8'));
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length > 0) await current.write(Buffer.from(batch.join(''), 'utf8'));
    if (verifier.problems.length > 0) {
      const first = verifier.problems[0];
      throw new AppError(
        'journal_tampered',
        `Run ${runId} cannot be exported: its journal does not verify (${first?.message ?? 'unknown problem'}).`,
        { runId, problems: verifier.problems },
      );
    }
    const head = verifier.headsRecord()[runId];
    facts.entries = head?.entries ?? 0;
    facts.head = head?.hash ?? GENESIS_HASH;
    const journal = await current.close(durable);
    current = undefined;
    files.push({ path: JOURNAL_FILE, ...journal, role: 'journal', seq: null });
    let bytesDone = journal.size;
    bytesTotal += journal.size;
    progress({ phase: 'journal', bytesDone, bytesTotal });

    // 2. Artifacts and attachments, copied from the content store and re-hashed on the way, through two
    // reused buffers (one filling while the other is written): memory stays flat whatever the sizes.
    const buffers: [Buffer, Buffer] = [
      Buffer.allocUnsafe(COPY_CHUNK),
      Buffer.allocUnsafe(COPY_CHUNK),
    ];
    if (wanted.some((w) => w.role === 'attachment')) await mkdir(join(tmp, ATTACHMENTS_DIR));
    for (const file of wanted) {
      const target = join(tmp, ...file.path.split('/'));
      assertInside(tmp, target);
      current = await HashingFile.create(target);
      try {
        await copyInto(store.artifactPath(file.sha256), current, buffers, (n) => {
          bytesDone += n;
          progress({ phase: 'files', bytesDone, bytesTotal, file: file.path });
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new AppError(
            'artifact_missing',
            `The stored content of ${file.name} (entry ${file.seq}, sha256 ${file.sha256}) is missing from the data directory.`,
            { sha256: file.sha256 },
          );
        }
        throw error;
      }
      const written = await current.close(durable);
      current = undefined;
      if (written.sha256 !== file.sha256) {
        throw new AppError(
          'artifact_corrupt',
          `The stored content of ${file.name} (entry ${file.seq}) no longer matches its SHA-256 ${file.sha256}; the data directory was damaged. Nothing was exported.`,
          { sha256: file.sha256, actual: written.sha256 },
        );
      }
      files.push({
        path: file.path,
        sha256: written.sha256,
        size: written.size,
        role: file.role,
        seq: file.seq,
      });
    }

    // 3. The human record: facts first, then the timeline in a second pass over the journal.
    facts.files = files;
    current = await HashingFile.create(join(tmp, RECORD_FILE));
    await current.write(Buffer.from(renderRecordHead(facts), 'utf8'));
    // Only the entries journal.jsonl holds: an unfinished run may have grown since the first pass.
    for (let after = 0; after < lastSeq;) {
      const page = store
        .listJournal(runId, { afterSeq: after, limit: PAGE })
        .filter((e) => e.seq <= lastSeq);
      if (page.length === 0) break;
      await current.write(Buffer.from(page.map(renderTimelineRow).join(''), 'utf8'));
      after = page[page.length - 1]?.seq ?? lastSeq;
    }
    const record = await current.close(durable);
    current = undefined;
    files.push({ path: RECORD_FILE, ...record, role: 'record', seq: null });
    progress({ phase: 'record', bytesDone, bytesTotal });

    // 4. Manifest and SHA256SUMS (which covers the manifest too).
    const manifest: BundleManifest = {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      greenlightVersion: facts.greenlightVersion,
      exportedAt,
      run: {
        id: run.id,
        environment,
        version,
        runbook: run.runbook,
        operator: run.operator,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        outcome: run.outcome,
      },
      chain: {
        hash: 'sha256 over RFC 8785 canonical JSON of the entry without "hash"',
        genesis: GENESIS_HASH,
        entries: facts.entries,
        head: facts.head,
      },
      files: files.map(({ path, sha256, size, role }) => ({ path, sha256, size, role })),
    };
    current = await HashingFile.create(join(tmp, MANIFEST_FILE));
    await current.write(Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'));
    const manifestFile = await current.close(durable);
    current = undefined;
    current = await HashingFile.create(join(tmp, SUMS_FILE));
    await current.write(
      Buffer.from(
        formatSums([...files, { path: MANIFEST_FILE, sha256: manifestFile.sha256 }]),
        'utf8',
      ),
    );
    const sums = await current.close(durable);
    current = undefined;
    const bytes = files.reduce((sum, f) => sum + f.size, 0) + manifestFile.size + sums.size;
    if (durable) {
      if (wanted.some((w) => w.role === 'attachment')) await syncDir(join(tmp, ATTACHMENTS_DIR));
      await syncDir(tmp);
    }

    // 5. Into place under the first free name; never over an existing bundle.
    const name = await placeBundle(tmp, envDir, version);
    if (durable) await syncDir(envDir);
    const dir = join(envDir, name);
    let zipPath: string | null = null;
    if (options.zip === true) {
      zipTmp = join(envDir, `.tmp-${name}-${randomBytes(6).toString('hex')}.zip`);
      const entries = [...manifest.files.map((f) => f.path), MANIFEST_FILE, SUMS_FILE];
      await writeZip(dir, name, entries, zipTmp, durable, (file, done) =>
        progress({ phase: 'zip', bytesDone: done, bytesTotal: bytes, file }),
      );
      zipPath = join(envDir, `${name}.zip`);
      await placeNoClobber(zipTmp, zipPath);
      zipTmp = undefined;
      if (durable) await syncDir(envDir);
    }
    progress({ phase: 'done', bytesDone: bytes, bytesTotal: bytes });
    const fileCount = files.length + 2;
    log.info('bundle exported', { runId, dir, zip: zipPath !== null, files: fileCount, bytes });
    return { dir, name, zipPath, manifest, files: fileCount, bytes };
  } catch (error) {
    await current?.abandon();
    await rm(tmp, { recursive: true, force: true });
    if (zipTmp !== undefined) await rm(zipTmp, { force: true });
    throw error;
  }
}

const COPY_CHUNK = 1 << 20;

async function copyInto(
  source: string,
  target: HashingFile,
  buffers: [Buffer, Buffer],
  onBytes: (n: number) => void,
): Promise<void> {
  const input = await open(source, 'r');
  try {
    let [filling, spare] = buffers;
    let n = (await input.read(filling, 0, filling.length, null)).bytesRead;
    while (n > 0) {
      const next = input.read(spare, 0, spare.length, null);
      await target.write(filling.subarray(0, n));
      onBytes(n);
      n = (await next).bytesRead;
      [filling, spare] = [spare, filling];
    }
  } finally {
    await input.close();
  }
}

/** Gives an artifact its readable path, suffixing `-2`, `-3` when another content already has the name. */
function placeFile(taken: Map<string, string>, dir: string, name: string, sha256: string): string {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? name : withSuffix(name, n);
    const path = dir + candidate;
    const holder = taken.get(path);
    if (holder === sha256) return path;
    if (holder === undefined && !(dir === '' && RESERVED_NAMES.has(candidate))) {
      taken.set(path, sha256);
      return path;
    }
  }
}

async function placeBundle(tmp: string, envDir: string, version: string): Promise<string> {
  for (let n = 1; n < 10_000; n += 1) {
    const name = n === 1 ? version : `${version}-${n}`;
    const target = join(envDir, name);
    if ((await existsNoFollow(target)) || (await existsNoFollow(`${target}.zip`))) continue;
    try {
      await rename(tmp, target);
      return name;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') continue; // lost a race: next number
      throw error;
    }
  }
  throw new AppError('bundle_exists', `Too many bundles of ${version} in ${envDir}.`, { envDir });
}

/** Moves a finished file to `target` unless something is already there (link(2) refuses to replace). */
async function placeNoClobber(from: string, target: string): Promise<void> {
  try {
    await link(from, target);
    await unlink(from);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new AppError('bundle_exists', `${target} already exists; it was not overwritten.`, {
        target,
      });
    // File systems without hard links (some shares): check, then rename.
    if (await existsNoFollow(target))
      throw new AppError('bundle_exists', `${target} already exists; it was not overwritten.`, {
        target,
      });
    await rename(from, target);
  }
}

// Content that is already compressed gains nothing from deflate: store it and save the CPU.
const INCOMPRESSIBLE = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.webp',
  '.zip',
  '.gz',
  '.tgz',
  '.xz',
  '.bz2',
  '.7z',
  '.zst',
  '.mp4',
  '.mov',
  '.woff2',
  '.jar',
]);

async function isCompressible(path: string): Promise<boolean> {
  if (INCOMPRESSIBLE.has(extname(path).toLowerCase())) return false;
  const handle = await open(path, 'r');
  try {
    const sample = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    if (bytesRead < 512) return true;
    return deflateRawSync(sample.subarray(0, bytesRead), { level: 1 }).length < bytesRead * 0.9;
  } finally {
    await handle.close();
  }
}

async function writeZip(
  dir: string,
  name: string,
  paths: string[],
  target: string,
  durable: boolean,
  onFile: (file: string, bytesDone: number) => void,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const mtime = new Date();
  let done = 0;
  for (const path of paths) {
    const real = join(dir, ...path.split('/'));
    const info = await lstat(real);
    // compressionLevel 0 stores, 1 is the fastest deflate (platform-facts: the export baseline).
    zip.addFile(real, `${name}/${path}`, {
      compressionLevel: (await isCompressible(real)) ? 1 : 0,
      mtime,
      mode: 0o100644,
    });
    done += info.size;
    onFile(path, done);
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
  if (durable) {
    const handle = await open(target, 'r');
    await handle.sync();
    await handle.close();
  }
}
