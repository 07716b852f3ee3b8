import { parseArgs } from 'node:util';
import { createAwsSession, runPreflight, type AwsSession, type PreflightReport } from '../aws';
import { loadEnvironments, resolveEnvironment } from '../config';
import { AppError } from '../errors';
import { UsageError, type CommandModule } from './command';
import { scenarioFlag } from './flags';

const usage = `Usage: greenlight preflight --env NAME --version X [--config FILE] [--json] [--scenario NAME]

Runs every pre-check of a release before the window: the AWS identity (the environment's profile must be signed in
to the environment's account), the image tag in ECR (with its digest), the secrets and their required JSON keys
(values are never read out), the alarms (none in ALARM), the deployment group's settings (ready wait, termination
wait, alarms, auto-rollback), and that no deployment is active in the group.

Options:
  --env NAME        environment from the config file, or 'sandbox' (starts an embedded sandbox for the run)
  --version X       the release's image tag, e.g. 1.5.1
  --config FILE     environments file (default: <user config dir>/greenlight/environments.yaml)
  --json            print the report as JSON
  --scenario NAME   with --env sandbox: start the sandbox in this scenario (e.g. already-active)

Exit status: 0 when every check passes, 1 when one fails or cannot be run, 2 for a wrong command line.`;

const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function render(report: PreflightReport, header: string): string {
  const width = Math.max(...report.checks.map((c) => c.check.length));
  const label = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skipped: 'SKIP' } as const;
  const lines = report.checks.map(
    (c) => `  ${label[c.status].padEnd(5)}  ${c.check.padEnd(width)}  ${c.summary}`,
  );
  const failed = report.checks.filter((c) => c.status !== 'pass').length;
  const sso = report.checks
    .map(
      (c) => (c.error?.detail as { sso?: { kind: string; loginCommand: string } } | undefined)?.sso,
    )
    .filter((state) => state !== undefined && state.kind !== 'profile-missing')
    .map((state) => state?.loginCommand)
    .find((cmd) => cmd !== undefined);
  return [
    header,
    ...lines,
    '',
    failed === 0
      ? 'All checks passed.'
      : `${failed} of ${report.checks.length} checks did not pass.`,
    ...(sso === undefined ? [] : [`Sign in with: ${sso}`]),
  ].join('\n');
}

export const preflightCommand: CommandModule = {
  usage,
  async run(args) {
    let values: {
      env?: string;
      version?: string;
      config?: string;
      json?: boolean;
      scenario?: string;
    };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          env: { type: 'string' },
          version: { type: 'string' },
          config: { type: 'string' },
          json: { type: 'boolean', default: false },
          scenario: { type: 'string' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (values.env === undefined)
      throw new UsageError('--env is required (an environment name, or sandbox).');
    if (values.version === undefined)
      throw new UsageError('--version is required (the image tag, e.g. 1.5.1).');
    if (!tagPattern.test(values.version)) {
      throw new UsageError(
        `--version must be an image tag (letters, digits, '.', '_', '-'), got '${values.version}'.`,
      );
    }
    const version = values.version;
    if (values.scenario !== undefined && values.env !== 'sandbox') {
      throw new UsageError('--scenario only applies to --env sandbox.');
    }
    const loaded = await loadEnvironments(
      values.config === undefined ? {} : { path: values.config },
    );

    let session: AwsSession;
    let closeSandbox: (() => Promise<void>) | undefined;
    if (values.env === 'sandbox') {
      const scenario = scenarioFlag(values.scenario);
      const { startSandbox } = await import('../sandbox');
      const sandbox = await startSandbox(scenario === undefined ? {} : { scenario });
      closeSandbox = () => sandbox.close();
      const env = resolveEnvironment(loaded, 'sandbox', { sandbox });
      session = createAwsSession(env, {
        credentials: sandbox.credentials,
        awsNow: () => sandbox.clock.now(),
      });
    } else {
      session = createAwsSession(resolveEnvironment(loaded, values.env));
    }
    try {
      const report = await runPreflight(session, version);
      const env = session.environment;
      if (values.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        const who = env.profile === undefined ? 'sandbox credentials' : `profile ${env.profile}`;
        process.stdout.write(
          render(
            report,
            `Preflight of ${version} for ${env.name} (account ${env.accountId}, ${env.region}, ${who})`,
          ) + '\n',
        );
      }
      return report.ok ? 0 : 1;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('internal', error instanceof Error ? error.message : String(error));
    } finally {
      session.close();
      await closeSandbox?.();
    }
  },
};
