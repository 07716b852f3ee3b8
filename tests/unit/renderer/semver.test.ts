import { describe, expect, it } from 'vitest';
import { isSemver, SEMVER_PATTERN } from '../../../src/renderer/src/lib/semver';
import { SEMVER_PATTERN as CONTRACT_PATTERN } from '../../../src/shared/contract';

describe('version entry validation', () => {
  it('uses exactly the pattern the contract enforces', () => {
    expect(SEMVER_PATTERN.source).toBe(CONTRACT_PATTERN.source);
    expect(SEMVER_PATTERN.flags).toBe(CONTRACT_PATTERN.flags);
  });

  it.each([
    ['1.5.1', true],
    ['2.0.0-rc.1', true],
    ['1.0.0+build.7', true],
    ['v1.5.1', false],
    ['1.5', false],
    ['01.5.1', false],
    ['1.5.1 ', false],
    ['latest', false],
  ])('%j is %s', (value, expected) => {
    expect(isSemver(value)).toBe(expected);
  });
});
