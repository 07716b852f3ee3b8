import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsErrorDetail,
  createAwsSession,
  runPreflight,
  runSsoLogin,
  type AwsSessionOptions,
} from '../../../src/main/core/aws';
import { sandboxEnvironment, type Environment } from '../../../src/main/core/config';
import { AppError } from '../../../src/main/core/errors';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox';
import { tempDir } from '../../support/temp';

// Offline SSO: a temp HOME with an sso-session profile, no shared credentials file, a token cache we write, and
// the SSO portal (GetRoleCredentials) on the sandbox's loopback endpoint. The real credential providers run.
const home = tempDir('greenlight-sso-');
const configFile = join(home.path, '.aws', 'config');
const cacheFile = join(
  home.path,
  '.aws',
  'sso',
  'cache',
  `${createHash('sha1').update('fixnado').digest('hex')}.json`,
);
const saved = {
  HOME: process.env['HOME'],
  AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'],
  AWS_SHARED_CREDENTIALS_FILE: process.env['AWS_SHARED_CREDENTIALS_FILE'],
};
let sandbox: Sandbox;

function writeToken(expiresInMs: number): void {
  mkdirSync(join(home.path, '.aws', 'sso', 'cache'), { recursive: true });
  writeFileSync(
    cacheFile,
    JSON.stringify({
      startUrl: 'https://fixnado.awsapps.com/start',
      region: 'us-east-1',
      accessToken: 'sso-access-token-for-tests',
      expiresAt: new Date(Date.now() + expiresInMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }),
  );
}

function envFor(profile: string): Environment {
  return { ...sandboxEnvironment(sandbox), kind: 'aws', profile };
}

function ssoSession(profile: string, extra: AwsSessionOptions = {}) {
  return createAwsSession(envFor(profile), {
    configFile,
    credentialsFile: '/nonexistent',
    ssoEndpoint: sandbox.endpoint,
    ...extra,
  });
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  mkdirSync(join(home.path, '.aws'), { recursive: true });
  writeFileSync(
    configFile,
    [
      '[profile fixnado-sandbox]',
      'sso_session = fixnado',
      'sso_account_id = 111122223333',
      'sso_role_name = ReleaseEngineer',
      'region = us-east-1',
      '',
      '[sso-session fixnado]',
      'sso_start_url = https://fixnado.awsapps.com/start',
      'sso_region = us-east-1',
      'sso_registration_scopes = sso:account:access',
      '',
      '[profile broken-session]',
      'sso_session = nowhere',
      'sso_account_id = 111122223333',
      'sso_role_name = ReleaseEngineer',
      '',
    ].join('\n'),
  );
  process.env['HOME'] = home.path;
  process.env['AWS_CONFIG_FILE'] = configFile;
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent';
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  delete process.env['AWS_ENDPOINT_URL_SSO'];
  await sandbox.close();
  home.cleanup();
});

describe('SSO profiles, offline', () => {
  it('a valid SSO session resolves the identity through the portal', async () => {
    writeToken(60 * 60_000);
    sandbox.setScenario('happy');
    const session = ssoSession('fixnado-sandbox');
    try {
      expect(session.isSsoProfile).toBe(true);
      const id = await session.verifyAccount();
      expect(id.account).toBe('111122223333');
    } finally {
      session.close();
    }
  });

  it('honours AWS_ENDPOINT_URL_SSO for the portal', async () => {
    writeToken(60 * 60_000);
    process.env['AWS_ENDPOINT_URL_SSO'] = sandbox.endpoint;
    const session = createAwsSession(envFor('fixnado-sandbox'), {
      configFile,
      credentialsFile: '/nonexistent',
    });
    try {
      expect((await session.identity()).account).toBe('111122223333');
    } finally {
      session.close();
      delete process.env['AWS_ENDPOINT_URL_SSO'];
    }
  });

  it('an expired token is the sso-expired state with the exact login command', async () => {
    writeToken(-60_000);
    const session = ssoSession('fixnado-sandbox');
    try {
      const error = await errorOf(session.identity());
      expect(error.code).toBe('sso-expired');
      expect(error.message).toMatch(
        /^The SSO session of profile fixnado-sandbox has expired\. Run: aws sso login --profile fixnado-sandbox \(AWS /,
      );
      expect(awsErrorDetail(error)?.sso).toMatchObject({
        kind: 'sso-expired',
        loginCommand: 'aws sso login --profile fixnado-sandbox',
      });
      expect(awsErrorDetail(error)?.retryable).toBe(false);
    } finally {
      session.close();
    }
  });

  it('no token in the cache is the sso-missing state', async () => {
    rmSync(cacheFile, { force: true });
    const session = ssoSession('fixnado-sandbox');
    try {
      const error = await errorOf(session.identity());
      expect(error.code).toBe('sso-missing');
      expect(awsErrorDetail(error)?.sso?.loginCommand).toBe(
        'aws sso login --profile fixnado-sandbox',
      );
    } finally {
      session.close();
    }
  });

  it('an unknown profile (or a profile whose sso-session is missing) is profile-missing', async () => {
    const unknown = ssoSession('no-such-profile');
    const broken = ssoSession('broken-session');
    try {
      const a = await errorOf(unknown.identity());
      const b = await errorOf(broken.identity());
      expect(a.code).toBe('profile-missing');
      expect(b.code).toBe('profile-missing');
    } finally {
      unknown.close();
      broken.close();
    }
  });

  it('the portal refusing the token (sandbox sso-expired) is sso-expired, and preflight says how to sign in', async () => {
    writeToken(60 * 60_000);
    sandbox.setScenario('sso-expired');
    const session = ssoSession('fixnado-sandbox');
    try {
      const report = await runPreflight(session, '1.5.1');
      expect(report.checks[0]).toMatchObject({
        check: 'identity',
        status: 'error',
        error: { code: 'sso-expired' },
      });
      expect(report.checks.slice(1).every((c) => c.status === 'skipped')).toBe(true);
    } finally {
      session.close();
      sandbox.setScenario('happy');
    }
  });

  it('AWS rejecting an SSO session mid-release (ExpiredTokenException) is sso-expired too', async () => {
    // The session's credentials were fetched once (shared by every client); then AWS starts refusing them.
    writeToken(60 * 60_000);
    sandbox.setScenario('happy');
    const session = ssoSession('fixnado-sandbox');
    try {
      await session.verifyAccount();
      sandbox.setScenario('sso-expired');
      const error = await errorOf(
        session.call('codedeploy', 'GetDeploymentGroup', (c, sdk, abortSignal) =>
          c.send(
            new sdk.GetDeploymentGroupCommand({
              applicationName: 'fixnado-sandbox-ecs',
              deploymentGroupName: 'fixnado-sandbox-ecs',
            }),
            { abortSignal },
          ),
        ),
      );
      expect(error.code).toBe('sso-expired');
      expect(awsErrorDetail(error)).toMatchObject({
        awsCode: 'ExpiredTokenException',
        awsMessage: 'The security token included in the request is expired',
      });
    } finally {
      session.close();
      sandbox.setScenario('happy');
    }
  });

  it('runs aws sso login where the CLI exists, and names the command where it does not', async () => {
    const bin = join(home.path, 'fake-aws');
    writeFileSync(
      bin,
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo aws-cli/2; exit 0; fi\necho "Attempting to open https://device.sso.us-east-1.amazonaws.com/ code: ABCD-EFGH"; echo "args: $*"\nexit 0\n',
    );
    chmodSync(bin, 0o755);
    const lines: string[] = [];
    const login = await runSsoLogin('fixnado-sandbox', {
      awsBin: bin,
      onOutput: (l) => lines.push(l),
    });
    expect(login.command).toBe('aws sso login --profile fixnado-sandbox');
    expect(await login.done).toBe(0);
    expect(lines).toContain('args: sso login --profile fixnado-sandbox');
    const missing = await errorOf(
      runSsoLogin('fixnado-sandbox', { awsBin: join(home.path, 'no-such-aws') }),
    );
    expect(missing.code).toBe('aws-cli-missing');
    expect(missing.message).toContain('aws sso login --profile fixnado-sandbox');
  });
});
