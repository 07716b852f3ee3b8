import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';

// npm 11 skips install scripts not covered by allowScripts; this proves a fresh `npm ci` left the native module
// built and loadable, on a real file with the journal mode the evidence store uses.
describe('better-sqlite3 after npm ci', () => {
  it('opens a database file in WAL mode and round-trips a row', () => {
    const dir = tempDir();
    try {
      const db = new Database(join(dir.path, 'probe.db'));
      expect(db.pragma('journal_mode = WAL', { simple: true })).toBe('wal');
      db.exec('CREATE TABLE t (v TEXT)');
      db.prepare('INSERT INTO t VALUES (?)').run('greenlight');
      expect(db.prepare('SELECT v FROM t').pluck().get()).toBe('greenlight');
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});
