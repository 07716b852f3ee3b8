// bench/evidence: the evidence journal and the release vault, each against its plain baseline measured in the same run.
//   npx tsx bench/evidence.ts [--only append|verify|export]
// 1. Durable single-entry append (the store's recordObservation: redaction, canonical JSON, SHA-256 chain, its own
//    IMMEDIATE transaction, WAL + synchronous=FULL) vs raw better-sqlite3 one commit per row on the same settings.
// 2. Verifying a 1,000,000-entry journal: opening the store (integrity_check + every hash and link) and verifyChain().
// 3. Exporting a 500 MB artifact set to the vault vs a plain copy-and-hash of the same files, each in its own child
//    process so the peak RSS reported is that work's alone.
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { computeEntryHash, GENESIS_HASH } from '../src/main/core/evidence/chain';
import { openEvidenceStore } from '../src/main/core/evidence/store';
import { setLogSink } from '../src/main/core/log';
import { exportBundle } from '../src/main/core/vault/export';
import { verifyBundle } from '../src/main/core/vault/verify';

setLogSink(() => undefined);
const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

type ChildResult = { ms: number; cpuMs: number; bytes: number; maxRssMB: number };

/** Child mode: one timed job, printed as JSON. */
async function child(args: string[]): Promise<void> {
  const [job, a = '', b = '', c = '', flag = ''] = args;
  const start = performance.now();
  const cpu = process.cpuUsage();
  let bytes = 0;
  if (job === 'export') {
    const { store } = await openEvidenceStore({ dataDir: a });
    try {
      const result = await exportBundle(store, b, {
        vaultRoot: c,
        zip: flag === 'zip',
        durable: flag !== 'nodurable',
      });
      bytes = result.bytes;
    } finally {
      store.close();
    }
  } else if (job === 'coreutils') {
    // The shell's way: cp, then sha256sum over the copies.
    mkdirSync(b, { recursive: true });
    execFileSync('sh', [
      '-c',
      'cp "$1"/* "$2"/ && cd "$2" && sha256sum * > SHA256SUMS',
      'sh',
      a,
      b,
    ]);
    bytes = readdirSync(b).reduce((sum, f) => sum + statSync(join(b, f)).size, 0);
  } else if (job === 'copy') {
    // The plain baseline: copy every file with a streaming SHA-256, then write a sums file.
    const sums: string[] = [];
    mkdirSync(b, { recursive: true });
    for (const file of readdirSync(a)) {
      const hash = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(
        createReadStream(join(a, file), { highWaterMark: MB }),
        tap,
        createWriteStream(join(b, file)),
      );
      bytes += statSync(join(b, file)).size;
      sums.push(`${hash.digest('hex')}  ${file}\n`);
    }
    writeFileSync(join(b, 'SHA256SUMS'), sums.join(''));
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const result: ChildResult = {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    bytes,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function runChild(...args: string[]): ChildResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--child', ...args], {
    encoding: 'utf8',
    env: { ...process.env, GREENLIGHT_LOG: 'silent' },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildResult;
}

async function appendBench(root: string): Promise<void> {
  // The two interleave one write at a time (raw, store, raw, store, ...) so both see the same disk: on a shared
  // machine fsync latency swings by 10x within seconds, which would otherwise decide the ratio.
  const N = 3000;
  const rawDb = new Database(join(root, 'raw.db'));
  rawDb.pragma('journal_mode = WAL');
  rawDb.pragma('synchronous = FULL');
  rawDb.exec('CREATE TABLE entries (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
  const insert = rawDb.prepare('INSERT INTO entries (payload) VALUES (?)');
  const { store } = await openEvidenceStore({ dataDir: join(root, 'store') });
  const run = store.createRun({
    environment: 'bench',
    version: '1.0.0',
    runbook: { id: 'bench', hash: 'sha256:0' },
    operator: { name: 'bench' },
  });
  const rawLat: number[] = [];
  const storeLat: number[] = [];
  for (let i = 0; i < N; i += 1) {
    const data = { status: 'InProgress', i };
    let s = performance.now();
    insert.run(JSON.stringify({ subject: 'deployment status', data }));
    rawLat.push(performance.now() - s);
    s = performance.now();
    store.recordObservation(run.id, { subject: 'deployment status', data });
    storeLat.push(performance.now() - s);
  }
  rawDb.close();
  store.close();
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const raw = N / (sum(rawLat) / 1000);
  const ours = N / (sum(storeLat) / 1000);
  console.log(
    `1. Durable single-entry append (WAL, synchronous=FULL; ${N} each, interleaved one by one)`,
  );
  console.log(
    `   raw better-sqlite3, one commit per row: ${fmt(raw)} rows/s, p50 ${fmt(pct(rawLat, 50), 3)} ms, p99 ${fmt(pct(rawLat, 99), 3)} ms`,
  );
  console.log(
    `   evidence store recordObservation:       ${fmt(ours)} entries/s, p50 ${fmt(pct(storeLat, 50), 3)} ms, p99 ${fmt(pct(storeLat, 99), 3)} ms`,
  );
  console.log(`   ratio: ${fmt(ours / raw, 2)}x (goal >= 0.5x)`);
}

async function verifyBench(root: string): Promise<void> {
  const N = 1_000_000;
  const dataDir = join(root, 'million');
  const opened = await openEvidenceStore({ dataDir });
  const run = opened.store.createRun({
    environment: 'bench',
    version: '1.0.0',
    runbook: { id: 'bench', hash: 'sha256:0' },
    operator: { name: 'bench' },
  });
  opened.store.close();
  // Generate the journal fast: one transaction, the same hashing the store does.
  let t0 = performance.now();
  const db = new Database(join(dataDir, 'greenlight.db'));
  db.pragma('journal_mode = WAL');
  const head = db
    .prepare('SELECT hash FROM journal WHERE run_id = ? ORDER BY seq DESC LIMIT 1')
    .pluck()
    .get(run.id) as string;
  const insert = db.prepare(
    'INSERT INTO journal (seq, time, kind, run_id, step_id, actor, payload, redactions, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    let prev = head ?? GENESIS_HASH;
    const time = new Date().toISOString();
    for (let seq = 2; seq <= N; seq += 1) {
      const payload =
        canonicalize({ subject: 'deployment status', data: { status: 'InProgress', seq } }) ??
        'null';
      const fields = {
        seq,
        time,
        kind: 'observation',
        runId: run.id,
        stepId: 'watch',
        actor: 'bench',
        payload,
        redactions: '[]',
        prevHash: prev,
      };
      const hash = computeEntryHash(fields);
      insert.run(seq, time, 'observation', run.id, 'watch', 'bench', payload, '[]', prev, hash);
      prev = hash;
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const genMs = performance.now() - t0;
  const size = statSync(join(dataDir, 'greenlight.db')).size;
  t0 = performance.now();
  let cpu = process.cpuUsage();
  const reopened = await openEvidenceStore({ dataDir });
  const openMs = performance.now() - t0;
  const openCpu = process.cpuUsage(cpu);
  t0 = performance.now();
  cpu = process.cpuUsage();
  const report = reopened.store.verifyChain();
  const verifyMs = performance.now() - t0;
  const verifyCpu = process.cpuUsage(cpu);
  const cpuS = (u: NodeJS.CpuUsage): string => fmt((u.user + u.system) / 1e6, 2);
  reopened.store.close();
  if (!report.ok || report.entries !== N)
    throw new Error(`verification failed: ${JSON.stringify(report.problems.slice(0, 2))}`);
  console.log(
    `2. A ${fmt(N)}-entry journal (${fmt(size / MB)} MB database; generated in ${fmt(genMs / 1000, 1)} s)`,
  );
  console.log(
    `   verifyChain(): ${fmt(verifyMs / 1000, 2)} s wall, ${cpuS(verifyCpu)} s CPU (${fmt(N / (verifyMs / 1000))} entries/s)`,
  );
  console.log(
    `   opening the store (integrity_check + verifyChain + pending intents): ${fmt(openMs / 1000, 2)} s wall, ${cpuS(openCpu)} s CPU`,
  );
}

async function exportBench(root: string): Promise<void> {
  const src = join(root, 'artifact-set');
  mkdirSync(src);
  // 500 MB: ten 40 MB binaries (load-test captures, screenshots) and fifty 2 MB JSON-lines logs.
  for (let i = 0; i < 10; i += 1) {
    const out = createWriteStream(join(src, `capture-${i}.bin`));
    for (let m = 0; m < 40; m += 1)
      if (!out.write(randomBytes(MB))) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
  }
  const line = (i: number): string =>
    JSON.stringify({
      t: i,
      path: '/api/v1/orders',
      status: 200,
      ms: 12 + (i % 97),
      trace: createHash('md5').update(String(i)).digest('hex'),
    }) + '\n';
  for (let i = 0; i < 50; i += 1) {
    const lines: string[] = [];
    let size = 0;
    for (let j = 0; size < 2 * MB; j += 1) {
      const l = line(i * 100_000 + j);
      lines.push(l);
      size += l.length;
    }
    writeFileSync(join(src, `requests-${i}.jsonl`), lines.join(''));
  }
  const dataDir = join(root, 'export-data');
  const { store } = await openEvidenceStore({ dataDir });
  const run = store.createRun({
    environment: 'bench',
    version: '1.0.0',
    runbook: { id: 'bench', hash: 'sha256:0' },
    operator: { name: 'bench' },
  });
  const t0 = performance.now();
  let total = 0;
  for (const name of readdirSync(src)) {
    const a = await store.addArtifact(run.id, { name, source: { path: join(src, name) } });
    total += a.size;
  }
  const ingestMs = performance.now() - t0;
  store.finishRun(run.id, { outcome: 'succeeded' });
  store.close();
  const storeFiles = join(root, 'store-files');
  mkdirSync(storeFiles);
  // The baseline copies the same bytes the export reads: the content-addressed files.
  for (const name of readdirSync(src)) rmSync(join(src, name));
  const contentRoot = join(dataDir, 'artifacts');
  for (const a of readdirSync(contentRoot).filter((d) => d !== '.tmp')) {
    for (const b of readdirSync(join(contentRoot, a))) {
      for (const f of readdirSync(join(contentRoot, a, b)))
        execFileSync('ln', [join(contentRoot, a, b, f), join(storeFiles, f)]);
    }
  }
  const idle = runChild('idle');
  const copies: ChildResult[] = [];
  const exports: ChildResult[] = [];
  const lazy: ChildResult[] = [];
  const shell: ChildResult[] = [];
  let verifyMs = 0;
  for (let round = 0; round < 2; round += 1) {
    const vault = join(root, `vault-${round}`);
    mkdirSync(vault);
    copies.push(runChild('copy', storeFiles, join(root, `copy-${round}`)));
    rmSync(join(root, `copy-${round}`), { recursive: true });
    shell.push(runChild('coreutils', storeFiles, join(root, `cp-${round}`)));
    rmSync(join(root, `cp-${round}`), { recursive: true });
    exports.push(runChild('export', dataDir, run.id, vault));
    if (round === 0) {
      const bundleDir = join(vault, 'governance', 'release_vault', 'bench', '1.0.0');
      const v0 = performance.now();
      const report = await verifyBundle(bundleDir);
      verifyMs = performance.now() - v0;
      if (!report.ok)
        throw new Error(
          `the exported bundle does not verify: ${report.problems[0]?.message ?? ''}`,
        );
    }
    rmSync(vault, { recursive: true });
    if (round === 0) {
      mkdirSync(vault);
      lazy.push(runChild('export', dataDir, run.id, vault, 'nodurable'));
      rmSync(vault, { recursive: true });
    }
  }
  const zipVault = join(root, 'vault-zip');
  mkdirSync(zipVault);
  const zip = runChild('export', dataDir, run.id, zipVault, 'zip');
  rmSync(zipVault, { recursive: true });
  const rate = (r: ChildResult): number => r.bytes / MB / (r.ms / 1000);
  const best = (rs: ChildResult[]): ChildResult => rs.reduce((x, y) => (rate(y) > rate(x) ? y : x));
  const copy = best(copies);
  const ours = best(exports);
  const oursLazy = best(lazy);
  console.log(
    `3. Export of a ${fmt(total / MB)} MB artifact set (60 files; best of 2 each, separate child processes)`,
  );
  console.log(
    `   ingest into the store (redaction + hash + fsync): ${fmt(total / MB / (ingestMs / 1000))} MB/s`,
  );
  const show = (label: string, r: ChildResult, extra = ''): void =>
    console.log(
      `   ${label.padEnd(38)} ${fmt(rate(r)).padStart(4)} MB/s (${fmt(r.ms / 1000, 1)} s wall, ${fmt(r.cpuMs / 1000, 1)} s CPU), peak RSS ${fmt(r.maxRssMB)} MB${extra}`,
    );
  show('plain copy + SHA-256 + sums file:', copy);
  const cp = best(shell);
  console.log(
    `   ${'cp + sha256sum (coreutils):'.padEnd(38)} ${fmt(rate(cp)).padStart(4)} MB/s (${fmt(cp.ms / 1000, 1)} s wall) -> exportBundle is ${fmt(rate(ours) / rate(cp), 2)}x of it`,
  );
  show(
    'exportBundle (fsync every file):',
    ours,
    ` -> ${fmt(rate(ours) / rate(copy), 2)}x (goal >= 0.8x)`,
  );
  show('exportBundle (durable: false):', oursLazy, ` -> ${fmt(rate(oursLazy) / rate(copy), 2)}x`);
  show('exportBundle + zip (store/deflate-1):', zip, ' (folder, then the zip)');
  console.log(
    `   verifyBundle of the exported folder: ${fmt(total / MB / (verifyMs / 1000))} MB/s (${fmt(verifyMs / 1000, 1)} s), all hashes ok`,
  );
  console.log(
    `   an idle child (node + tsx + the modules): peak RSS ${fmt(idle.maxRssMB)} MB (goal for the export: <= 150 MB)`,
  );
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'greenlight-bench-evidence-'));
  const t0 = performance.now();
  try {
    // `--only append|verify|export` runs one section.
    const only = process.argv.includes('--only')
      ? process.argv[process.argv.indexOf('--only') + 1]
      : undefined;
    if (only === undefined || only === 'append') await appendBench(root);
    if (only === undefined || only === 'verify') await verifyBench(root);
    if (only === undefined || only === 'export') await exportBench(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`(bench took ${fmt((performance.now() - t0) / 1000)} s)`);
}

if (process.argv[2] === '--child') await child(process.argv.slice(3));
else await main();
