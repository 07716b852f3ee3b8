import { describe, expect, it } from 'vitest';
import {
  validateEnvironmentName,
  validateFileName,
  validateVersion,
} from '../../../src/main/core/evidence/names';
import { assertMigrationList } from '../../../src/main/core/db/migrate';
import { migrations } from '../../../src/main/core/db/migrations';
import { formatSums, parseSums } from '../../../src/main/core/vault/bundle-format';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('validateVersion', () => {
  it.each(['1.4.2', '2.0.0-rc.1', '10.20.30+build.7'])('accepts %s', (v) => {
    expect(validateVersion(v)).toBe(v);
  });
  it.each(['1.4', 'v1.4.2', 'latest', '', '1.4.2 ', '../1.4.2', '1.4.2/..', '=1.4.2'])(
    'refuses %j',
    (v) => {
      expect(codeOf(() => validateVersion(v))).toBe('invalid_version');
    },
  );
  it('says how to write a version with a leading v', () => {
    expect(() => validateVersion('v1.4.2')).toThrow(/write it as '1.4.2'/);
  });
});

describe('validateEnvironmentName', () => {
  it.each(['staging', 'prod-eu', 'QA_2'])('accepts %s', (v) => {
    expect(validateEnvironmentName(v)).toBe(v);
  });
  it.each(['', '..', '.', 'a/b', 'a\\b', '/etc', 'a\0b', '-x', 'x'.repeat(64), 'staging.old'])(
    'refuses %j',
    (v) => {
      expect(codeOf(() => validateEnvironmentName(v))).toBe('invalid_environment');
    },
  );
});

describe('validateFileName', () => {
  it.each(['smoke-tests.xml', 'synthetic load (p95).json', 'résumé.txt', 'データ.csv'])(
    'accepts %s',
    (v) => {
      expect(validateFileName(v)).toBe(v);
    },
  );
  it.each([
    ['a path', '../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a Windows path', 'C:\\x.txt'],
    ['NUL', 'a\0b.txt'],
    ['a control char', 'a\nb.txt'],
    ['dot-dot', '..'],
    ['hidden', '.env'],
    ['decoded from bad UTF-8', 'f\uFFFD.txt'],
    ['a lone surrogate', 'f\uD800.txt'],
    ['a colon', 'a:b.txt'],
    ['too long', 'x'.repeat(201)],
  ])('refuses %s', (_label, v) => {
    expect(codeOf(() => validateFileName(v))).toBe('invalid_file_name');
  });
});

describe('migrations list', () => {
  it('is numbered in strictly increasing steps of 10', () => {
    expect(() => assertMigrationList(migrations)).not.toThrow();
    expect(() => assertMigrationList([...migrations, { version: 15, name: 'x', sql: '' }])).toThrow(
      /multiple of 10/,
    );
  });
});

describe('SHA256SUMS format', () => {
  it('round-trips in the format sha256sum -c reads', () => {
    const files = [
      { path: 'record.md', sha256: 'b'.repeat(64) },
      { path: 'attachments/x y.txt', sha256: 'a'.repeat(64) },
    ];
    const text = formatSums(files);
    expect(text).toBe(`${'a'.repeat(64)}  attachments/x y.txt\n${'b'.repeat(64)}  record.md\n`);
    expect(parseSums(text + 'garbage\n')).toEqual({
      entries: new Map([
        ['attachments/x y.txt', 'a'.repeat(64)],
        ['record.md', 'b'.repeat(64)],
      ]),
      bad: [3],
    });
  });
});
