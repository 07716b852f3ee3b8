import { execFile } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { sandboxResourcePath } from '../../../src/main/core/sandbox/world';
import { tempDir } from '../../support/temp';
import { APP, GROUP, appSpec, clients, waitStatus } from './support';

/**
 * The AWS CLI v2 binary: $GREENLIGHT_AWS_CLI, Debian's /usr/bin/aws (what .ci/run installs), else `aws` on PATH.
 * Missing is a failure, not a skip: the README promises these commands work against the sandbox.
 */
function awsCli(): string {
  const candidates = [
    process.env['GREENLIGHT_AWS_CLI'],
    '/usr/bin/aws',
    ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'aws')),
  ];
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(
    'The AWS CLI (`aws`) is not installed, so the sandbox cannot be checked against it. ' +
      'Install it (`apt-get install -y awscli`; .ci/run does) or point GREENLIGHT_AWS_CLI at it.',
  );
}

type Run = { code: number; stdout: string; stderr: string };

let sandbox: Sandbox;
let dir: ReturnType<typeof tempDir>;
let cli: string;
let env: NodeJS.ProcessEnv;

function aws(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cli,
      ['--endpoint-url', sandbox.endpoint, '--output', 'json', ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI's JSON output, as loosely typed as JSON.parse makes it. */
async function awsJson(args: string[]): Promise<ReturnType<typeof JSON.parse>> {
  const run = await aws(args);
  if (run.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim() === '' ? {} : JSON.parse(run.stdout);
}

beforeAll(async () => {
  cli = awsCli();
  dir = tempDir();
  const config = join(dir.path, 'config');
  writeFileSync(config, '');
  env = {
    PATH: process.env['PATH'],
    HOME: dir.path,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir.path, 'credentials'),
    AWS_ACCESS_KEY_ID: 'AKIASANDBOXEXAMPLE01',
    AWS_SECRET_ACCESS_KEY: 'sandbox-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  // 20x: Ready after ~5 s, a 60 s approval window and a 30 s termination wait, roomy for ~2 s per CLI call.
  sandbox = await startSandbox({ timeScale: 20 });
});
afterAll(async () => {
  await sandbox?.close();
  dir?.cleanup();
});

describe('sandbox: the AWS CLI runs the playbook commands against it', () => {
  it('describe/register task definition, create (AppSpecContent), get, list, continue and stop with rollback', async () => {
    const identity = await awsJson(['sts', 'get-caller-identity']);
    expect(identity['Account']).toBe('111122223333');

    const described = await awsJson([
      'ecs',
      'describe-task-definition',
      '--task-definition',
      'fixnado-sandbox-app',
    ]);
    expect(described['taskDefinition'].containerDefinitions[0].image).toBe(
      '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend:1.4.2',
    );
    expect(described['taskDefinition'].revision).toBe(3);

    const registered = await awsJson([
      'ecs',
      'register-task-definition',
      '--cli-input-json',
      `file://${sandboxResourcePath('backend-task-definition.json')}`,
    ]);
    const arn = registered['taskDefinition'].taskDefinitionArn as string;
    expect(arn).toBe('arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:4');
    expect(registered['taskDefinition'].containerDefinitions[0].image).toMatch(/:1\.5\.1$/);

    const spec = appSpec(arn);
    const created = await awsJson([
      'deploy',
      'create-deployment',
      '--application-name',
      APP,
      '--deployment-group-name',
      GROUP,
      '--description',
      'Fixnado backend 1.5.1',
      '--revision',
      JSON.stringify({ revisionType: 'AppSpecContent', appSpecContent: spec }),
    ]);
    const id = created['deploymentId'] as string;
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);

    const got = await awsJson(['deploy', 'get-deployment', '--deployment-id', id]);
    expect(['Created', 'InProgress', 'Ready']).toContain(got['deploymentInfo'].status);
    expect(got['deploymentInfo'].creator).toBe('user');
    expect(got['deploymentInfo'].revision.appSpecContent.sha256).toBe(spec.sha256);
    expect(got['deploymentInfo'].description).toBe('Fixnado backend 1.5.1');

    const listed = await awsJson([
      'deploy',
      'list-deployments',
      '--application-name',
      APP,
      '--deployment-group-name',
      GROUP,
      '--include-only-statuses',
      'Created',
      'InProgress',
      'Ready',
    ]);
    expect(listed['deployments']).toEqual([id]);
    const none = await awsJson(['deploy', 'list-deployments', '--include-only-statuses', 'Failed']);
    expect(none['deployments']).toEqual([]);

    const { codedeploy } = clients(sandbox);
    await waitStatus(codedeploy, id, (d) => d.status === 'Ready', 'Ready');

    const continued = await aws([
      'deploy',
      'continue-deployment',
      '--deployment-id',
      id,
      '--deployment-wait-type',
      'READY_WAIT',
    ]);
    expect(continued.code).toBe(0);
    expect(continued.stdout.trim()).toBe('');
    const again = await aws([
      'deploy',
      'continue-deployment',
      '--deployment-id',
      id,
      '--deployment-wait-type',
      'READY_WAIT',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('DeploymentIsNotInReadyStateException');

    const stopped = await awsJson([
      'deploy',
      'stop-deployment',
      '--deployment-id',
      id,
      '--auto-rollback-enabled',
    ]);
    expect(stopped['status']).toBe('Pending');

    const after = await awsJson(['deploy', 'get-deployment', '--deployment-id', id]);
    expect(after['deploymentInfo'].status).toBe('Stopped');
    const rollbackId = after['deploymentInfo'].rollbackInfo.rollbackDeploymentId as string;
    const rollback = await awsJson(['deploy', 'get-deployment', '--deployment-id', rollbackId]);
    expect(rollback['deploymentInfo'].creator).toBe('codeDeployRollback');
    expect(rollback['deploymentInfo'].rollbackInfo.rollbackTriggeringDeploymentId).toBe(id);

    const late = await aws(['deploy', 'stop-deployment', '--deployment-id', id]);
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('DeploymentAlreadyCompletedException');

    const alarms = await awsJson([
      'cloudwatch',
      'describe-alarms',
      '--alarm-names',
      'fixnado-sandbox-codedeploy-failures',
      'fixnado-sandbox-alb-5xx',
    ]);
    expect(alarms['MetricAlarms'].map((a: { AlarmName: string }) => a.AlarmName)).toEqual([
      'fixnado-sandbox-codedeploy-failures',
      'fixnado-sandbox-alb-5xx',
    ]);
  }, 150_000);
});
