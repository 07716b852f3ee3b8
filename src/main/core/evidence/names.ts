import semver from 'semver';
import { AppError } from '../errors';

const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** An environment name is also a folder of the vault: letters, digits, `-` and `_`, at most 63 characters. */
export function validateEnvironmentName(value: unknown, field = 'environment'): string {
  if (typeof value !== 'string' || !ENVIRONMENT.test(value)) {
    throw new AppError(
      'invalid_environment',
      `${field}: expected an environment name of letters, digits, '-' or '_' (at most 63, no dots or slashes), got ${describe(value)}.`,
      { field },
    );
  }
  return value;
}

/** A version is strict semver (`1.4.2`, `2.0.0-rc.1`): no leading `v`, no ranges. It names a vault folder. */
export function validateVersion(value: unknown, field = 'version'): string {
  if (typeof value !== 'string' || value.length > 128 || strictSemver(value) !== value) {
    const hint =
      typeof value === 'string' && semver.valid(value) !== null
        ? ` (write it as '${semver.valid(value)}')`
        : '';
    throw new AppError(
      'invalid_version',
      `${field}: expected a semantic version like 1.4.2, got ${describe(value)}${hint}.`,
      { field },
    );
  }
  return value;
}

/** The version as semver prints it back (build metadata kept), or null when it is not one. */
function strictSemver(value: string): string | null {
  const parsed = semver.parse(value);
  if (parsed === null) return null;
  return parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
}

// Characters Windows and macOS file sharing refuse, so a bundle copied to any share keeps its names.
const UNPORTABLE = /[<>:"|?*\\/]/;

/**
 * A file name that can live in the vault on any system: one path segment, no control characters or NUL, not
 * hidden (temporary names start with '.'), valid Unicode (a name decoded from non-UTF-8 bytes carries U+FFFD),
 * at most 200 UTF-8 bytes.
 */
export function validateFileName(value: unknown, field = 'name'): string {
  const fail = (why: string): never => {
    throw new AppError('invalid_file_name', `${field}: ${why}, got ${describe(value)}.`, { field });
  };
  if (typeof value !== 'string' || value.length === 0) return fail('expected a file name');
  if (value.includes('\0')) return fail('a file name cannot contain a NUL byte');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value))
    return fail('expected a plain file name, not an absolute path');
  if (value.includes('/') || value.includes('\\') || value === '..' || value === '.') {
    return fail('expected a plain file name without folders (it must stay inside the bundle)');
  }
  if (hasLoneSurrogate(value) || value.includes('\uFFFD'))
    return fail('the file name is not valid UTF-8');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    return fail('a file name cannot contain control characters');
  if (UNPORTABLE.test(value)) return fail('a file name cannot contain any of < > : " | ? * \\ /');
  if (value.startsWith('.')) return fail('a file name cannot start with a dot');
  if (value.endsWith(' ') || value.endsWith('.'))
    return fail('a file name cannot end with a space or a dot');
  if (Buffer.byteLength(value, 'utf8') > 200) return fail('a file name is at most 200 bytes');
  return value;
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'nothing' : typeof value;
  const shown = value.length > 80 ? value.slice(0, 80) + '…' : value;
  return JSON.stringify(shown);
}

/** True when a string holds half of a UTF-16 surrogate pair (it cannot be written as UTF-8). */
export function hasLoneSurrogate(value: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}
