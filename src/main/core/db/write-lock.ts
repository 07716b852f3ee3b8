import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors';
import { createLogger } from '../log';

const log = createLogger('write-lock');

/**
 * What the lock file says about its holder. `startId` and `bootId` tell the holder apart from an unrelated process
 * that got the same pid later; files written before they existed (or on a platform that cannot read them) lack them.
 */
export type LockHolder = {
  pid: number;
  host: string;
  /** When the holder process started, for people (derived from its uptime, so approximate). */
  processStartedAt: string;
  lockedAt: string;
  /** The holder's start identity as the OS reports it, e.g. `linux-starttime:1158606`; see `readProcess`. */
  startId?: string;
  /** Linux boot id of the boot the lock was taken in: `starttime` counts from boot, so it means nothing across one. */
  bootId?: string;
};

export type WriteLock = {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
};

/** What the OS says about a pid right now. `startId` is undefined where the platform gives no start identity. */
export type ProcessProbe = { isRunning: false } | { isRunning: true; startId: string | undefined };

const LOCK_NAME = 'greenlight.lock';
// A SQLite file whose EXCLUSIVE lock makes "read the lock file, judge it, replace it" one step across processes.
// It is never deleted: a starter waiting on the old inode and one locking a new inode would both get in.
const GUARD_NAME = 'greenlight.lock.guard';
const GUARD_TIMEOUT_MS = 5000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function probeLinux(pid: number): ProcessProbe {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Usually ENOENT: the process is gone. But a live pid can be unreadable too (/proc mounted with hidepid and the
    // process is another user's): then only liveness is known.
    return isAlive(pid) ? { isRunning: true, startId: undefined } : { isRunning: false };
  }
  // proc(5): "pid (comm) state ... starttime(22)". comm may hold spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  // A zombie (Z) or dying (X) process is dead, its lock with it, even though kill(pid, 0) still succeeds.
  if (state === 'Z' || state === 'X') return { isRunning: false };
  return {
    isRunning: true,
    startId:
      startTicks !== undefined && /^\d+$/.test(startTicks)
        ? `linux-starttime:${startTicks}`
        : undefined,
  };
}

function probePs(pid: number): ProcessProbe {
  if (!isAlive(pid)) return { isRunning: false };
  // lstart is wall-clock time, printed in the local zone and language: pin both so that two Greenlights started
  // from different shells format the same start the same way.
  const ps = spawnSync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
    timeout: 5000,
  });
  if (ps.error !== undefined || ps.status === null) return { isRunning: true, startId: undefined };
  const line = ps.stdout.trim();
  if (line === '') {
    // ps found no such process: it exited since the kill(pid, 0) above.
    return isAlive(pid) ? { isRunning: true, startId: undefined } : { isRunning: false };
  }
  const [state = '', ...start] = line.split(/\s+/);
  if (state.startsWith('Z')) return { isRunning: false };
  return {
    isRunning: true,
    startId: start.length > 0 ? `ps-lstart:${start.join(' ')}` : undefined,
  };
}

/**
 * Whether `pid` runs, and its start identity: on Linux field 22 (`starttime`, clock ticks since boot) of
 * /proc/<pid>/stat; on macOS the start time from `ps -o lstart=` (wall-clock time the kernel stamps at fork, to the
 * second: only a process that got the same pid within the same second would pass for the holder). Elsewhere (Windows) there is no start identity without a
 * native call, so only liveness is known and a reused pid still looks like the holder: the refusal says so.
 * `platform` is a parameter so the `ps` path can be exercised on Linux, whose procps `ps` prints `lstart` too.
 */
export function readProcess(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): ProcessProbe {
  if (platform === 'linux') return probeLinux(pid);
  if (platform === 'darwin') return probePs(pid);
  return isAlive(pid) ? { isRunning: true, startId: undefined } : { isRunning: false };
}

/**
 * The boot id on Linux. macOS needs none: `lstart` is wall-clock time, so a process of a later boot never shares
 * its holder's start even if it shares its pid.
 */
function readBootId(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}

function textField(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

function readHolder(file: string): { holder: LockHolder | undefined; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new AppError(
      'data_dir_unavailable',
      `Cannot read the lock file ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed['pid'] === 'number' && typeof parsed['host'] === 'string') {
      const holder: LockHolder = {
        pid: parsed['pid'],
        host: parsed['host'],
        processStartedAt: textField(parsed['processStartedAt']),
        lockedAt: textField(parsed['lockedAt']),
      };
      if (typeof parsed['startId'] === 'string') holder.startId = parsed['startId'];
      if (typeof parsed['bootId'] === 'string') holder.bootId = parsed['bootId'];
      return { holder, text };
    }
  } catch {
    // Not a lock record: its writer died between creating and writing it (see acquireWriteLock).
  }
  return { holder: undefined, text };
}

type Verdict = { isLive: true; isVerified: boolean } | { isLive: false; reason: string };

/** Decides whether the recorded holder (on this host) still holds the lock. */
function judge(other: LockHolder, bootId: string | undefined): Verdict {
  if (other.bootId !== undefined && bootId !== undefined && other.bootId !== bootId) {
    return { isLive: false, reason: 'it was taken before the machine last restarted' };
  }
  const now = readProcess(other.pid);
  if (!now.isRunning) return { isLive: false, reason: `process ${other.pid} is no longer running` };
  // Compare only identities of the same kind: a file from another OS on a dual-boot disk proves nothing here.
  const kind = (id: string): string => id.slice(0, id.indexOf(':'));
  if (
    other.startId !== undefined &&
    now.startId !== undefined &&
    kind(other.startId) === kind(now.startId)
  ) {
    return other.startId === now.startId
      ? { isLive: true, isVerified: true }
      : {
          isLive: false,
          reason: `pid ${other.pid} now belongs to another process (started ${now.startId}, not ${other.startId})`,
        };
  }
  return { isLive: true, isVerified: false };
}

function refuseLive(
  dataDir: string,
  file: string,
  other: LockHolder,
  isVerified: boolean,
  host: string,
): AppError {
  const detail = { file, ...other };
  const head =
    other.pid === process.pid
      ? `The data directory ${dataDir} is already open in this same process, pid ${other.pid}, since ${other.lockedAt}. Close the evidence store that has it open before opening it again.`
      : `The data directory ${dataDir} is in use by another Greenlight: process ${other.pid} on this machine (${host}), holding it since ${other.lockedAt}. Finish or close that Greenlight, then open the data directory again; only one Greenlight may write evidence at a time.`;
  if (isVerified) return new AppError('data_dir_locked', head, detail);
  const why =
    other.startId === undefined
      ? 'was written by an older Greenlight and does not record when its holder started'
      : 'names a process whose start time this system cannot report';
  return new AppError(
    'data_dir_locked',
    `${head} The lock file ${file} ${why}, so Greenlight cannot tell it from an unrelated program that got pid ${other.pid} later: if no Greenlight is running on this machine, delete ${file} and try again.`,
    detail,
  );
}

function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new AppError(
      'data_dir_unavailable',
      `Cannot create the lock file ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Runs `body` while holding the guard's EXCLUSIVE lock. The kernel drops that lock when its process dies, so a
 * starter killed half-way never blocks the next one, and no two starters ever judge and replace the lock file at the
 * same time: without it, two starters that both found the same stale lock could each delete it and the second could
 * delete the first one's fresh lock, leaving two writers that both believe they hold it.
 */
function withGuard<T>(dataDir: string, body: () => T): T {
  const guardFile = join(dataDir, GUARD_NAME);
  let guard: Database.Database;
  try {
    guard = new Database(guardFile, { timeout: GUARD_TIMEOUT_MS });
  } catch (error) {
    throw new AppError(
      'data_dir_unavailable',
      `Cannot open the lock guard ${guardFile}: ${(error as Error).message}`,
      { file: guardFile },
    );
  }
  try {
    try {
      guard.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      if (errorCode(error) === 'SQLITE_BUSY') {
        throw new AppError(
          'data_dir_locked',
          `Another Greenlight has been opening the data directory ${dataDir} for over ${GUARD_TIMEOUT_MS / 1000} s (it holds ${guardFile}). Wait for it to finish starting, or close it, then try again.`,
          { file: guardFile },
        );
      }
      throw new AppError(
        'data_dir_unavailable',
        `Cannot lock the lock guard ${guardFile}: ${(error as Error).message}`,
        { file: guardFile },
      );
    }
    try {
      return body();
    } finally {
      guard.exec('ROLLBACK');
    }
  } finally {
    guard.close();
  }
}

/**
 * Takes the single-writer lock of a data directory: a file naming the holder's pid, host, start identity (see
 * `readProcess`) and boot id, created with O_EXCL while holding a guard that serialises starters. A live holder on
 * this host (including this very process) is refused with who, since when and what to do; a lock whose process has
 * died, whose pid now belongs to a different process, or which was taken before a reboot is taken over and the
 * takeover logged; a lock from another host cannot be checked and is refused with a hint.
 * Throws AppError `data_dir_locked` or `data_dir_unavailable`.
 */
export function acquireWriteLock(dataDir: string): WriteLock {
  const file = join(dataDir, LOCK_NAME);
  const self = readProcess(process.pid);
  const bootId = readBootId();
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    processStartedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    lockedAt: new Date().toISOString(),
  };
  if (self.isRunning && self.startId !== undefined) holder.startId = self.startId;
  if (bootId !== undefined) holder.bootId = bootId;
  const text = JSON.stringify(holder) + '\n';

  return withGuard(dataDir, () => {
    // Inside the guard the file changes only when its holder releases it (or an older Greenlight without the guard
    // acts): a few rounds cover both.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (tryCreate(file, text)) return makeLock(file, holder, text);
      const existing = readHolder(file);
      if (existing === undefined) continue; // released between our create and read: try again
      const other = existing.holder;
      if (other === undefined) {
        // Every writer writes its lock inside the guard, so an unreadable lock here is one whose writer died
        // between creating and writing it.
        log.warn(`took over the write lock of ${dataDir}: the lock file named no holder`, { file });
      } else if (other.host !== holder.host) {
        throw new AppError(
          'data_dir_locked',
          `The data directory ${dataDir} is in use by Greenlight process ${other.pid} on host ${other.host} (since ${other.lockedAt}); this machine is ${holder.host} and cannot check on it. Close Greenlight there; if that machine is no longer running Greenlight, delete ${file}.`,
          { file, ...other },
        );
      } else {
        const verdict = judge(other, bootId);
        if (verdict.isLive) throw refuseLive(dataDir, file, other, verdict.isVerified, holder.host);
        log.warn(
          `took over the write lock of ${dataDir} from Greenlight process ${other.pid} on ${other.host} (holding it since ${other.lockedAt}): ${verdict.reason}`,
          { file, previousHolder: other },
        );
      }
      try {
        unlinkSync(file);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
      }
    }
    throw new AppError(
      'data_dir_locked',
      `Could not take the lock ${file}: it keeps changing hands. Is an older Greenlight starting on ${dataDir} at the same time? Try again.`,
      { file },
    );
  });
}

function makeLock(file: string, holder: LockHolder, text: string): WriteLock {
  let released = false;
  return {
    file,
    holder,
    release() {
      if (released) return;
      released = true;
      // Not under the guard: nobody else removes a lock whose holder is alive, so if the file is ours it stays ours
      // until we remove it.
      let current: string;
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        return; // Already gone: nothing to release.
      }
      if (current === text) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}
