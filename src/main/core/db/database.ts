import Database from 'better-sqlite3';
import { AppError } from '../errors';

export type Db = Database.Database;

export type OpenDatabaseOptions = {
  /** How long a write waits for another connection's lock before SQLITE_BUSY (better-sqlite3's default: 5000). */
  busyTimeoutMs?: number;
};

/**
 * Opens (creating if needed) a SQLite file with the settings evidence needs: WAL so readers never block the
 * writer, `synchronous=FULL` because WAL+NORMAL survives a killed process but not a power cut
 * (platform-facts: better-sqlite3), foreign keys on, and a bounded busy timeout.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw mapSqliteError(error, `open the evidence database ${file}`);
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new AppError(
        'database_wal_unavailable',
        `The evidence database ${file} could not switch to WAL mode (got '${String(mode)}').`,
        { file },
      );
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw mapSqliteError(error, `open the evidence database ${file}`);
  }
}

type SqliteLike = Error & { code: string };

function isSqliteError(error: unknown): error is SqliteLike {
  return error instanceof Database.SqliteError;
}

/**
 * Turns a better-sqlite3 error into an AppError a release engineer can act on. SQLITE_BUSY means another process
 * holds the database's write lock longer than the busy timeout (platform-facts: a second writer gets SQLITE_BUSY);
 * nothing was written by the failed call, so it is safe to retry once the other process lets go.
 */
export function mapSqliteError(error: unknown, action: string): unknown {
  if (error instanceof AppError || !isSqliteError(error)) return error;
  const code = error.code;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AppError(
      'database_busy',
      `Could not ${action}: another process is writing to the evidence database. Nothing was recorded by this call; close the other program (or wait) and try again.`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  if (code === 'SQLITE_FULL') {
    return new AppError(
      'disk_full',
      `Could not ${action}: the disk holding the evidence database is full.`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new AppError(
      'database_corrupt',
      `Could not ${action}: the evidence database file is damaged or is not a SQLite database (${error.message}).`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR')
  ) {
    return new AppError(
      'database_unavailable',
      `Could not ${action}: ${error.message} (${code}).`,
      { sqliteCode: code },
      { cause: error },
    );
  }
  return error;
}
