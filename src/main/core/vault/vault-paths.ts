import { lstat, mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../errors';
import { validateEnvironmentName } from '../evidence/names';

/** The vault's bundles live under `<vaultRoot>/governance/release_vault/<env>/`. */
export const VAULT_SEGMENTS = ['governance', 'release_vault'] as const;

/** Checks the configured vault root: an absolute path to an existing directory, without NUL bytes. */
export async function checkVaultRoot(vaultRoot: unknown): Promise<string> {
  if (typeof vaultRoot !== 'string' || vaultRoot === '') {
    throw new AppError(
      'vault_path_invalid',
      'vaultRoot: expected the path of the release vault folder.',
      { field: 'vaultRoot' },
    );
  }
  if (vaultRoot.includes('\0')) {
    throw new AppError('vault_path_invalid', 'vaultRoot: a path cannot contain a NUL byte.', {
      field: 'vaultRoot',
    });
  }
  if (!isAbsolute(vaultRoot)) {
    throw new AppError(
      'vault_path_invalid',
      `vaultRoot: expected an absolute path, got ${JSON.stringify(vaultRoot)}.`,
      { field: 'vaultRoot' },
    );
  }
  let info;
  try {
    info = await stat(vaultRoot);
  } catch {
    throw new AppError(
      'vault_missing',
      `The release vault folder ${vaultRoot} does not exist (is the vault share mounted?).`,
      { vaultRoot },
    );
  }
  if (!info.isDirectory()) {
    throw new AppError('vault_path_invalid', `The release vault ${vaultRoot} is not a folder.`, {
      vaultRoot,
    });
  }
  return vaultRoot;
}

/**
 * Returns `<vaultRoot>/governance/release_vault/<env>`, creating missing folders one at a time. Every folder
 * inside the vault must be a real directory: a symlink there could send a bundle (or latest-success.json)
 * anywhere on disk, so it is refused. The vault root itself may be a link (it is the operator's setting).
 */
export async function environmentDir(vaultRoot: unknown, environment: unknown): Promise<string> {
  const root = await checkVaultRoot(vaultRoot);
  const env = validateEnvironmentName(environment);
  let current = root;
  for (const segment of [...VAULT_SEGMENTS, env]) {
    current = join(current, segment);
    await ensureRealDir(current);
  }
  assertInside(root, current);
  return current;
}

async function ensureRealDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError(
        'vault_unwritable',
        `Cannot create ${path} in the release vault: ${(error as Error).message}`,
        { path },
      );
    }
  }
  const info = await lstat(path);
  if (info.isSymbolicLink()) {
    throw new AppError(
      'vault_symlink',
      `${path} is a symbolic link; folders inside the release vault must be real folders. Nothing was written.`,
      { path },
    );
  }
  if (!info.isDirectory()) {
    throw new AppError(
      'vault_path_invalid',
      `${path} exists in the release vault but is not a folder.`,
      { path },
    );
  }
}

/** Refuses a path that would leave `root` once resolved (defence in depth behind the name checks). */
export function assertInside(root: string, path: string): void {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) {
    throw new AppError('vault_path_invalid', `${path} is outside the release vault ${root}.`, {
      path,
    });
  }
}

/** true when something (file, folder or link) exists at `path`, without following links. */
export async function existsNoFollow(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
