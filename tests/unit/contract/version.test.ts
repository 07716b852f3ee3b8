import { describe, expect, it } from 'vitest';
import { validateVersion } from '../../../src/main/core/evidence/names';
import { Version } from '../../../src/shared/contract';

const acceptedByStore = (value: string): boolean => {
  try {
    validateVersion(value);
    return true;
  } catch {
    return false;
  }
};

// The contract is the first gate (run.start, rehearse --version); the evidence store and the vault are the last,
// because a version names a vault folder. A version one accepts and the other refuses would start a run that can
// never be recorded or exported.
describe('release version: the contract and the evidence store agree', () => {
  it.each([
    ['1.5.1', true],
    ['2.0.0-rc.1', true],
    ['1.0.0+build.7', true],
    ['1.2.3-9007199254740993', true],
    ['9007199254740991.0.0', true],
    ['9007199254740993.0.0', false],
    ['1.99999999999999999.0', false],
    [`1.2.3-${'a'.repeat(122)}`, true],
    [`1.2.3-${'a'.repeat(123)}`, false],
    ['v1.5.1', false],
    ['1.5', false],
    ['01.5.1', false],
    ['1.0.0-0123', false],
    [' 1.5.1', false],
    ['latest', false],
  ])('%j accepted: %s', (value, expected) => {
    expect(Version.safeParse(value).success).toBe(expected);
    expect(acceptedByStore(value)).toBe(expected);
  });

  it('says what was expected when a number is too large', () => {
    const result = Version.safeParse('9007199254740993.0.0');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/at most 9007199254740991/);
  });
});
