import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../errors';

/** What the lock file says about its holder. */
export type LockHolder = { pid: number; host: string; processStartedAt: string; lockedAt: string };

export type WriteLock = {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
};

const LOCK_NAME = 'greenlight.lock';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        text,
        holder: {
          pid: parsed.pid,
          host: parsed.host,
          processStartedAt: String(parsed.processStartedAt ?? ''),
          lockedAt: String(parsed.lockedAt ?? ''),
        },
      };
    }
  } catch {
    // A half-written lock (the holder died between create and write) is treated as stale below.
  }
  return { text, holder: undefined };
}

function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
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
 * Takes the single-writer lock of a data directory: a file naming the holder's pid, host and start time, created
 * with O_EXCL. A live holder on this host (including this very process) is refused with its pid; a lock left by a
 * dead process on this host is taken over; a lock from another host cannot be checked and is refused with a hint.
 */
export function acquireWriteLock(dataDir: string): WriteLock {
  const file = join(dataDir, LOCK_NAME);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    processStartedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    lockedAt: new Date().toISOString(),
  };
  const text = JSON.stringify(holder) + '\n';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (tryCreate(file, text)) return makeLock(file, holder, text);
    const existing = readHolder(file);
    if (existing === undefined) continue; // released between our create and read: try again
    const other = existing.holder;
    if (other !== undefined && other.host !== holder.host) {
      throw new AppError(
        'data_dir_locked',
        `The data directory ${dataDir} is in use by Greenlight process ${other.pid} on host ${other.host} (since ${other.lockedAt}). If that machine is no longer running Greenlight, delete ${file}.`,
        { file, ...other },
      );
    }
    if (other !== undefined && isAlive(other.pid)) {
      const who = other.pid === process.pid ? 'this same process' : `process ${other.pid}`;
      throw new AppError(
        'data_dir_locked',
        `The data directory ${dataDir} is in use by another Greenlight (${who}, pid ${other.pid}, since ${other.lockedAt}). Close it first; only one Greenlight may write evidence at a time.`,
        { file, ...other },
      );
    }
    // Stale: the holder died without releasing. Remove it only if it is still the file we judged stale, so two
    // starters racing for the same stale lock do not delete each other's fresh one (a narrow window remains; the
    // journal's IMMEDIATE transactions keep the chain consistent even then).
    const again = readHolder(file);
    if (again !== undefined && again.text === existing.text) {
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  throw new AppError(
    'data_dir_locked',
    `Could not take the lock ${file}: it keeps changing hands.`,
    { file },
  );
}

function makeLock(file: string, holder: LockHolder, text: string): WriteLock {
  let released = false;
  return {
    file,
    holder,
    release() {
      if (released) return;
      released = true;
      const current = readHolder(file);
      if (current?.text === text) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}
