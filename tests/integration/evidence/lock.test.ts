import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProcess } from '../../../src/main/core/db/write-lock';
import type { LockHolder } from '../../../src/main/core/db/write-lock';
import { AppError } from '../../../src/main/core/errors';
import { setLogSink } from '../../../src/main/core/log';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import type { EvidenceStore } from '../../../src/main/core/evidence/store';
import { openStore, spawnAppender, startRun, waitFor } from '../../support/evidence';
import { tempDir } from '../../support/temp';

const LOCK_CHILD = fileURLToPath(new URL('./lock-child.ts', import.meta.url));
// Above the largest pid_max Linux allows (2^22), so no process has it.
const DEAD_PID = 2 ** 22 + 12345;
// Where the OS reports a process's start (Linux /proc, macOS ps), a reused pid is recognised; elsewhere it is not.
const hasStartIdentity = process.platform === 'linux' || process.platform === 'darwin';
const isLinux = process.platform === 'linux';

let dir: { path: string; cleanup: () => void };
let store: EvidenceStore | undefined;
let logLines: string[];
let restoreLog: () => void;
const children: Spawned[] = [];
beforeEach(() => {
  dir = tempDir('greenlight-lock-');
  logLines = [];
  restoreLog = setLogSink((line) => logLines.push(line));
});
afterEach(async () => {
  store?.close();
  store = undefined;
  restoreLog();
  await Promise.all(children.splice(0).map(stop));
  dir.cleanup();
});

type Spawned = { child: ChildProcess; pid: number; lines: string[]; exited: Promise<void> };

/** Spawns a process (stopped after the test); `lines` fills with its stdout lines as they arrive. */
function spawnLines(command: string, args: string[]): Spawned {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, GREENLIGHT_LOG: 'silent' },
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const lines: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const spawned = { child, pid: child.pid, lines, exited };
  children.push(spawned);
  return spawned;
}

async function stop(spawned: Spawned): Promise<void> {
  if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
    spawned.child.kill('SIGKILL');
  }
  await spawned.exited;
}

function lockChild(dataDir: string, mode: 'hold' | 'exit' | 'race'): Spawned {
  return spawnLines(process.execPath, ['--import', 'tsx', LOCK_CHILD, dataDir, mode]);
}

/** A live process that has nothing to do with Greenlight. */
async function unrelatedProcess(): Promise<Spawned> {
  const idle = spawnLines(process.execPath, [
    '-e',
    'setInterval(() => {}, 60000); console.log("up")',
  ]);
  await waitFor(() => idle.lines.includes('up'), 'the unrelated process to start');
  return idle;
}

function lockFile(dataDir = dir.path): string {
  return join(dataDir, 'greenlight.lock');
}

function readLock(dataDir = dir.path): LockHolder {
  return JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as LockHolder;
}

function writeLock(record: object, dataDir = dir.path): void {
  writeFileSync(lockFile(dataDir), JSON.stringify(record) + '\n');
}

/** A lock record exactly as a Greenlight writes it, left behind by one that died without releasing it. */
async function crashedHoldersRecord(): Promise<LockHolder> {
  const crashDir = join(dir.path, 'crashed');
  mkdirSync(crashDir);
  const crashed = lockChild(crashDir, 'exit');
  await crashed.exited;
  expect(crashed.lines).toEqual([`locked ${crashed.pid}`]);
  return readLock(crashDir);
}

function takeoverLogged(pid: number, reason: string): boolean {
  return logLines.some(
    (line) =>
      line.includes(' warn [write-lock] took over the write lock') &&
      line.includes(`from Greenlight process ${pid} `) &&
      line.includes(reason),
  );
}

async function refusal(dataDir: string): Promise<AppError> {
  try {
    const opened = await openEvidenceStore({ dataDir });
    opened.store.close();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the second store was not refused');
}

describe('single writer', () => {
  it('refuses a second Greenlight on the same data directory, naming the process that holds it', async () => {
    const holder = spawnAppender(dir.path, 'hold');
    try {
      await waitFor(
        () => holder.lines.some((l) => l.startsWith('ready')),
        'the holder to open the store',
      );
      const { lockedAt } = readLock();
      const error = await refusal(dir.path);
      expect(error.code).toBe('data_dir_locked');
      // Who, where, since when, and what to do; its start time matched, so no advice to delete anything.
      expect(error.message).toContain(
        `in use by another Greenlight: process ${holder.child.pid} on this machine (${hostname()}), holding it since ${lockedAt}.`,
      );
      expect(error.message).toContain(
        'Finish or close that Greenlight, then open the data directory again',
      );
      if (hasStartIdentity) expect(error.message).not.toContain('delete');
    } finally {
      holder.child.kill('SIGKILL');
      await holder.exited;
    }
    // Its lock is now stale (the pid is dead): the next Greenlight takes over and says whose lock it was.
    store = await openStore(dir.path);
    expect(store.getRun('crash-run').environment).toBe('staging');
    expect(readLock().pid).toBe(process.pid);
    expect(takeoverLogged(holder.child.pid ?? -1, 'is no longer running')).toBe(true);
  });

  it('refuses a second store in the same process', async () => {
    store = await openStore(dir.path);
    const error = await refusal(dir.path);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toContain(`this same process, pid ${process.pid}`);
  });

  it('takes over a lock left by a dead process and replaces a half-written lock file', async () => {
    writeLock({ pid: DEAD_PID, host: hostname(), lockedAt: 'yesterday' });
    store = await openStore(dir.path);
    expect(takeoverLogged(DEAD_PID, `process ${DEAD_PID} is no longer running`)).toBe(true);
    store.close();
    writeFileSync(lockFile(), '{"pid": 12');
    store = await openStore(dir.path);
    expect(readLock().pid).toBe(process.pid);
  });

  it.runIf(hasStartIdentity)(
    "takes over a lock whose pid now belongs to an unrelated live process, logging whose lock it was (pid reuse simulated: a crashed holder's record given a live pid)",
    async () => {
      const record = await crashedHoldersRecord();
      expect(record.startId).toEqual(expect.any(String));
      const unrelated = await unrelatedProcess();
      writeLock({ ...record, pid: unrelated.pid });
      store = await openStore(dir.path);
      expect(readLock()).toMatchObject({ pid: process.pid, host: hostname() });
      expect(
        takeoverLogged(unrelated.pid, `pid ${unrelated.pid} now belongs to another process`),
      ).toBe(true);
      // The unrelated process is left alone.
      expect(unrelated.child.exitCode).toBeNull();
      expect(readProcess(unrelated.pid).isRunning).toBe(true);
    },
  );

  it.runIf(hasStartIdentity)(
    'takes over a lock naming this very pid with another start time (an earlier Greenlight that had our pid, simulated)',
    async () => {
      const record = await crashedHoldersRecord();
      writeLock({ ...record, pid: process.pid });
      store = await openStore(dir.path);
      expect(takeoverLogged(process.pid, `pid ${process.pid} now belongs to another process`)).toBe(
        true,
      );
      // And now that it really is ours, a second open in this process is refused.
      expect((await refusal(dir.path)).message).toContain(`this same process, pid ${process.pid}`);
    },
  );

  it.runIf(isLinux)(
    "takes over a lock taken before the machine restarted even though its pid and start ticks match a live process (earlier boot simulated: a live holder's lock file given another boot id)",
    async () => {
      const holder = lockChild(dir.path, 'hold');
      await waitFor(() => holder.lines.includes(`locked ${holder.pid}`), 'the holder to lock');
      const record = readLock();
      expect(record.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
      // Unchanged, it is refused: the record matches a live process.
      expect((await refusal(dir.path)).code).toBe('data_dir_locked');
      writeLock({ ...record, bootId: randomUUID() });
      store = await openStore(dir.path);
      expect(readLock().pid).toBe(process.pid);
      expect(takeoverLogged(holder.pid, 'taken before the machine last restarted')).toBe(true);
    },
  );

  it.runIf(isLinux)(
    'takes over the lock of a Greenlight that exited but was never reaped by its parent (a real zombie, which kill(pid, 0) still reports)',
    async () => {
      // `exec sleep` leaves the lock child to a parent that never waits for it.
      const parent = spawnLines('sh', [
        '-c',
        '"$0" --import tsx "$1" "$2" exit & exec sleep 600',
        process.execPath,
        LOCK_CHILD,
        dir.path,
      ]);
      await waitFor(() => parent.lines.some((l) => l.startsWith('locked ')), 'the child to lock');
      const pid = Number(parent.lines.find((l) => l.startsWith('locked '))?.split(' ')[1]);
      const state = (): string => {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      };
      await waitFor(() => state() === 'Z', 'the exited child to be a zombie');
      expect(() => process.kill(pid, 0)).not.toThrow();
      store = await openStore(dir.path);
      expect(takeoverLogged(pid, `process ${pid} is no longer running`)).toBe(true);
    },
  );

  it('still refuses an old lock file without a start time that names a live process, and says how to clear it', async () => {
    const unrelated = await unrelatedProcess();
    writeLock({ pid: unrelated.pid, host: hostname(), lockedAt: '2026-11-28T09:00:00.000Z' });
    const error = await refusal(dir.path);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toContain(
      `process ${unrelated.pid} on this machine (${hostname()}), holding it since 2026-11-28T09:00:00.000Z`,
    );
    expect(error.message).toContain('written by an older Greenlight');
    expect(error.message).toContain(
      `if no Greenlight is running on this machine, delete ${lockFile()} and try again`,
    );
    expect(readLock().pid).toBe(unrelated.pid);
  });

  it('lets exactly one of several processes take over the same stale lock, round after round', async () => {
    const record = hasStartIdentity ? await crashedHoldersRecord() : undefined;
    // Eight long-lived racers: with this many, the check-then-delete takeover this lock used to have let two of
    // them win in most runs; fewer rarely showed it. They stay up across rounds so each round costs milliseconds.
    const racers = Array.from({ length: 8 }, () => lockChild('-', 'race'));
    await waitFor(
      () => racers.every((r) => r.lines.includes(`ready ${r.pid}`)),
      'the racers to start',
      60_000,
    );
    for (let round = 0; round < 12; round += 1) {
      const roundDir = join(dir.path, `round-${round}`);
      mkdirSync(roundDir);
      // Even rounds: an old-format lock of a dead process; odd rounds: a reused pid (this test's own).
      writeLock(
        record === undefined || round % 2 === 0
          ? { pid: DEAD_PID, host: hostname(), lockedAt: 'yesterday' }
          : { ...record, pid: process.pid },
        roundDir,
      );
      for (const racer of racers) racer.child.stdin?.write(roundDir + '\n');
      const answers = (): string[] =>
        racers.flatMap((r) => r.lines.filter((l) => l.split(' ')[2] === roundDir));
      await waitFor(
        () => answers().length === racers.length,
        `every racer to answer round ${round}`,
      );
      const winners = answers().filter((l) => l.startsWith('won '));
      expect(winners, `round ${round}`).toHaveLength(1);
      const winnerPid = Number(winners[0]?.split(' ')[1]);
      expect(readLock(roundDir).pid).toBe(winnerPid);
      for (const refused of answers().filter((l) => !l.startsWith('won '))) {
        // Refused because the winner holds it now, not for any other reason.
        expect(refused).toContain(` ${roundDir} data_dir_locked `);
        expect(refused).toContain(`process ${winnerPid}`);
      }
    }
  });

  it('refuses a lock held from another host, saying which', async () => {
    writeLock({ pid: 4242, host: 'build-box-7', lockedAt: 'x' });
    const error = await refusal(dir.path);
    expect(error.code).toBe('data_dir_locked');
    expect(error.message).toMatch(/process 4242 on host build-box-7/);
    expect(error.message).toContain(`delete ${lockFile()}`);
  });

  it.runIf(process.platform !== 'win32' && spawnSync('ps', ['-p', '1']).error === undefined)(
    "reads a process start identity with ps -o lstart, the macOS method, on this system's ps too",
    async () => {
      const unrelated = await unrelatedProcess();
      const probe = readProcess(unrelated.pid, 'darwin');
      expect(probe).toEqual({ isRunning: true, startId: expect.stringMatching(/^ps-lstart:\S/) });
      expect(readProcess(unrelated.pid, 'darwin')).toEqual(probe);
      await stop(unrelated);
      expect(readProcess(unrelated.pid, 'darwin')).toEqual({ isRunning: false });
    },
  );

  it('answers a foreign writer holding the write lock with database_busy, loses nothing, and carries on after', async () => {
    store = await openStore(dir.path, { busyTimeoutMs: 100 });
    const run = startRun(store);
    store.recordObservation(run.id, { subject: 'before' });
    const foreign = new Database(store.dbFile);
    foreign.exec('BEGIN IMMEDIATE');
    try {
      let caught: unknown;
      try {
        store.recordObservation(run.id, { subject: 'during' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('database_busy');
      expect((caught as AppError).message).toMatch(/another process is writing/);
      // Reading still works while the other process writes (WAL).
      expect(store.listJournal(run.id).map((e) => e.payload)).toEqual([
        expect.anything(),
        { subject: 'before', data: null },
      ]);
    } finally {
      foreign.exec('ROLLBACK');
      foreign.close();
    }
    store.recordObservation(run.id, { subject: 'after' });
    expect(
      store.listJournal(run.id).map((e) => (e.payload as { subject?: string }).subject),
    ).toEqual([undefined, 'before', 'after']);
    expect(store.verifyChain().ok).toBe(true);
  });
});
