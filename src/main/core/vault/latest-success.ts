import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { syncDir } from '../evidence/content-store';
import { validateEnvironmentName, validateVersion } from '../evidence/names';
import { describeIssues } from '../../../shared/validation';
import { VAULT_SEGMENTS, checkVaultRoot, environmentDir } from './vault-paths';

export const LATEST_SUCCESS_FILE = 'latest-success.json';

/**
 * The last known good release of an environment, which the rollback step redeploys
 * (playbook: "the last known good task definition revision, captured in latest-success.json").
 */
export const LatestSuccess = z.object({
  version: z.string(),
  taskDefinitionArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/,
      'expected an ECS task definition ARN with its revision',
    ),
  imageDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>'),
  deploymentId: z
    .string()
    .regex(/^d-[A-Z0-9]{9}$/, 'expected a CodeDeploy deployment id like d-ABCDEFGHI'),
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'expected an ISO 8601 time'),
  runId: z.string().optional(),
  bundle: z.string().optional(),
});
export type LatestSuccess = z.infer<typeof LatestSuccess>;

/**
 * Records the environment's last successful release in `<vault>/governance/release_vault/<env>/latest-success.json`,
 * written to a temporary file, fsynced and renamed over the old one, so a reader sees the old or the new record,
 * never half of one.
 */
export async function writeLatestSuccess(
  vaultRoot: string,
  environment: string,
  record: LatestSuccess,
): Promise<string> {
  validateVersion(record.version);
  const parsed = LatestSuccess.safeParse(record);
  if (!parsed.success) {
    throw new AppError(
      'invalid_input',
      `latest-success: ${describeIssues(parsed.error).join('; ')}`,
      { problems: describeIssues(parsed.error) },
    );
  }
  const envDir = await environmentDir(vaultRoot, environment);
  const target = join(envDir, LATEST_SUCCESS_FILE);
  try {
    if ((await lstat(target)).isSymbolicLink()) {
      throw new AppError('vault_symlink', `${target} is a symbolic link; it was not replaced.`, {
        path: target,
      });
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
  }
  const tmp = join(envDir, `.tmp-${LATEST_SUCCESS_FILE}-${randomBytes(6).toString('hex')}`);
  const body = JSON.stringify({ environment, ...parsed.data }, null, 2) + '\n';
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(body, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
    await syncDir(envDir);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return target;
}

/** The environment's last known good release, or null when none was recorded yet. */
export async function readLatestSuccess(
  vaultRoot: string,
  environment: string,
): Promise<(LatestSuccess & { environment: string }) | null> {
  const env = validateEnvironmentName(environment);
  const path = join(await checkVaultRoot(vaultRoot), ...VAULT_SEGMENTS, env, LATEST_SUCCESS_FILE);
  let text: string;
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      throw new AppError('vault_symlink', `${path} is a symbolic link; it was not read.`, { path });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('latest_success_invalid', `${path} is not valid JSON.`, { path });
  }
  const parsed = LatestSuccess.extend({ environment: z.string() }).safeParse(json);
  if (!parsed.success) {
    throw new AppError(
      'latest_success_invalid',
      `${path} is not a valid record: ${describeIssues(parsed.error).join('; ')}`,
      { path },
    );
  }
  return parsed.data;
}
