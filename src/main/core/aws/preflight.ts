import type { AppErrorShape } from '../../../shared/result';
import { toErrorShape } from '../errors';
import type { AwsCallMeta } from './errors';
import { codeDeployEcsDriver, type DeploymentDriver } from './driver';
import type { AwsSession } from './session';

/** One pre-check as preflight reports it: passed, failed (a finding), error (could not check) or skipped. */
export type PreflightCheck = {
  check: string;
  status: 'pass' | 'fail' | 'error' | 'skipped';
  summary: string;
  facts: unknown;
  error: AppErrorShape | undefined;
  evidence: AwsCallMeta[];
};

export type PreflightReport = {
  environment: string;
  version: string;
  ok: boolean;
  checks: PreflightCheck[];
};

/**
 * Runs every pre-check for a release of `version`: identity (account), image in ECR, secrets and their keys,
 * alarms, deployment group settings, nothing active in the group. When the identity cannot be established
 * (expired SSO, wrong account) the others are skipped: nothing is asked of AWS under the wrong identity.
 */
export async function runPreflight(
  session: AwsSession,
  version: string,
  opts: { signal?: AbortSignal; driver?: DeploymentDriver } = {},
): Promise<PreflightReport> {
  const driver = opts.driver ?? codeDeployEcsDriver(session);
  const o = opts.signal === undefined ? {} : { signal: opts.signal };
  const steps: [
    string,
    () => Promise<{ ok: boolean; summary: string; facts: unknown; evidence: AwsCallMeta[] }>,
  ][] = [
    ['identity', () => driver.checkIdentity(o)],
    ['image', () => driver.checkImage(version, o)],
    ['secrets', () => driver.checkSecrets(o)],
    ['alarms', () => driver.checkAlarms(o)],
    ['deployment-group', () => driver.readDeploymentGroup(o)],
    ['no-active-deployment', () => driver.checkNoActiveDeployment(o)],
  ];
  const checks: PreflightCheck[] = [];
  let identityFailed = false;
  for (const [check, run] of steps) {
    if (identityFailed) {
      checks.push({
        check,
        status: 'skipped',
        summary: 'Skipped: the AWS identity is not established.',
        facts: undefined,
        error: undefined,
        evidence: [],
      });
      continue;
    }
    try {
      const result = await run();
      checks.push({
        check,
        status: result.ok ? 'pass' : 'fail',
        summary: result.summary,
        facts: result.facts,
        error: undefined,
        evidence: result.evidence,
      });
    } catch (error) {
      const shape = toErrorShape(error);
      checks.push({
        check,
        status: 'error',
        summary: shape.message,
        facts: undefined,
        error: shape,
        evidence: [],
      });
      if (check === 'identity') identityFailed = true;
    }
  }
  return {
    environment: session.environment.name,
    version,
    ok: checks.every((c) => c.status === 'pass'),
    checks,
  };
}
