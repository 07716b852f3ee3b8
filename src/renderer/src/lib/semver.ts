/**
 * The contract's SEMVER_PATTERN (src/shared/contract.ts), copied because importing contract.ts would pull zod and
 * every schema into the page (~700 KB) for one regular expression. tests/unit/renderer/semver.test.ts fails if the
 * two ever differ.
 */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const isSemver = (value: string): boolean => SEMVER_PATTERN.test(value);
