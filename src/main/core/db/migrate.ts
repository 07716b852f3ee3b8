import { createHash } from 'node:crypto';
import { AppError } from '../errors';
import type { Db } from './database';

/**
 * One forward-only schema step. `version` is a multiple of 10 (room to slot a fix in between without renumbering),
 * `sql` is the exact text executed; its SHA-256 is recorded so a later build that edited an applied migration is
 * caught instead of silently diverging from the file on disk.
 */
export type Migration = {
  version: number;
  name: string;
  sql: string;
};

export type MigrationReport = { applied: number[]; current: number };

/** The checksum recorded for a migration: SHA-256 over its version, name and SQL text. */
export function migrationChecksum(migration: Migration): string {
  return createHash('sha256')
    .update(`${migration.version}\n${migration.name}\n${migration.sql}`)
    .digest('hex');
}

/** Throws when a migration list is not strictly increasing multiples of 10 (a programming error, caught by a test). */
export function assertMigrationList(migrations: readonly Migration[]): void {
  let previous = 0;
  for (const migration of migrations) {
    if (migration.version % 10 !== 0 || migration.version <= previous) {
      throw new Error(
        `migration ${migration.version} (${migration.name}) must be a multiple of 10 greater than ${previous}`,
      );
    }
    previous = migration.version;
  }
}

type AppliedRow = { version: number; name: string; checksum: string };

/**
 * Brings a database up to the newest migration in `migrations`, each step in its own IMMEDIATE transaction.
 * Refuses (never repairs, never replaces) a database written by a newer build or whose applied migrations no
 * longer match this build's text: an evidence journal must not be reinterpreted by a schema it was not written by.
 */
export function migrate(db: Db, migrations: readonly Migration[], file: string): MigrationReport {
  assertMigrationList(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const userVersion = Number(db.pragma('user_version', { simple: true }));
  // Checked before anything is written: a newer schema is not ours to touch.
  if (userVersion > latest) throw fromFuture(file, userVersion, latest);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = db
    .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .all() as AppliedRow[];
  const newest = Math.max(userVersion, applied.at(-1)?.version ?? 0);
  if (newest > latest) throw fromFuture(file, newest, latest);
  for (const row of applied) {
    const known = migrations.find((m) => m.version === row.version);
    if (known === undefined) {
      throw new AppError(
        'migration_unknown',
        `The evidence database ${file} records migration ${row.version} (${row.name}), which this build does not have. It was left untouched.`,
        { file, version: row.version },
      );
    }
    if (migrationChecksum(known) !== row.checksum) {
      throw new AppError(
        'migration_changed',
        `Migration ${row.version} (${row.name}) differs from the one applied to ${file} (checksum mismatch). Edited migrations are refused; add a new migration instead. The database was left untouched.`,
        { file, version: row.version },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const report: MigrationReport = { applied: [], current: newest };
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(
        migration.version,
        migration.name,
        migrationChecksum(migration),
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    report.applied.push(migration.version);
    report.current = migration.version;
  }
  return report;
}

function fromFuture(file: string, schema: number, latest: number): AppError {
  return new AppError(
    'database_from_future',
    `The evidence database ${file} was written by a newer Greenlight (schema ${schema}; this build knows up to ${latest}). Open it with that version or newer; it was left untouched.`,
    { file, schema, known: latest },
  );
}
