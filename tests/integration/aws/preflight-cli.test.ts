import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { greenlight } from '../../support/greenlight-cli';
import { tempDir } from '../../support/temp';

describe('greenlight preflight', () => {
  it('exits 1 and names what failed for a version that is not in ECR (embedded sandbox)', async () => {
    const { code, stdout } = await greenlight([
      'preflight',
      '--env',
      'sandbox',
      '--version',
      '9.9.9',
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /FAIL\s+image\s+No image fixnado\/backend:9\.9\.9 in ECR: push it first\./,
    );
    expect(stdout).toMatch(/PASS\s+identity/);
    expect(stdout).toContain('1 of 6 checks did not pass.');
  });

  it('exits 2 with the usage for a wrong command line', async () => {
    const missing = await greenlight(['preflight', '--env', 'sandbox']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--version is required');
    const bad = await greenlight([
      'preflight',
      '--env',
      'staging',
      '--version',
      '1.5.1',
      '--scenario',
      'happy',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--scenario only applies to --env sandbox');
  });

  it('reads environments from --config, refuses an unknown one, and reports an unconfigured profile without a stack trace', async () => {
    const dir = tempDir('greenlight-preflight-');
    try {
      const config = join(dir.path, 'environments.yaml');
      writeFileSync(
        config,
        [
          'environments:',
          '  staging:',
          '    profile: gl-test-no-such-profile',
          '    region: us-east-1',
          "    accountId: '111122223333'",
          '    endpoint: http://127.0.0.1:9',
          '    validationUrl: http://127.0.0.1:9',
          '    productionUrl: http://127.0.0.1:9',
          '',
        ].join('\n'),
      );
      const env = {
        HOME: dir.path,
        AWS_CONFIG_FILE: join(dir.path, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      };
      const unknown = await greenlight(
        ['preflight', '--env', 'prod', '--version', '1.5.1', '--config', config],
        env,
      );
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(
        `No environment 'prod' in ${config}; known: sandbox, staging.`,
      );
      const run = await greenlight(
        ['preflight', '--env', 'staging', '--version', '1.5.1', '--config', config, '--json'],
        env,
      );
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        checks: { check: string; status: string; error?: { code: string } }[];
      };
      expect(report.ok).toBe(false);
      expect(report.checks[0]).toMatchObject({
        check: 'identity',
        status: 'error',
        error: { code: 'profile-missing' },
      });
      expect(run.stderr).not.toMatch(/\n\s+at /);
      const bad = join(dir.path, 'bad.yaml');
      writeFileSync(bad, 'environments:\n  staging:\n    profile: x\n');
      const invalid = await greenlight(
        ['preflight', '--env', 'staging', '--version', '1.5.1', '--config', bad],
        env,
      );
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain(
        `${bad}:2: environments.staging.region: expected an AWS region`,
      );
    } finally {
      dir.cleanup();
    }
  });
});
