import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { greenlight } from '../../support/greenlight-cli';
import { tempDir } from '../../support/temp';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.cleanup();
  dir = undefined;
});

describe('greenlight rehearse (CLI, embedded sandbox, real SQLite and vault)', () => {
  it('walks a failing deployment to its rollback, exports a bundle that greenlight verify accepts, exits 0', async () => {
    dir = tempDir('greenlight-rehearse-cli-');
    const vault = join(dir.path, 'vault');
    const { code, stdout, stderr } = await greenlight([
      'rehearse',
      '--scenario',
      'hook-fails',
      '--time-scale',
      '600',
      '--data-dir',
      join(dir.path, 'data'),
      '--export',
      vault,
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // The progress lines name the steps as they end, then the outcome and the judgement.
    expect(stdout).toMatch(/^Rehearsal of scenario hook-fails at 600x/);
    expect(stdout).toMatch(/Outcome: failed — .*HOOK_EXECUTION_FAILURE/);
    expect(stdout).toContain('Expected: failure recorded, nothing left half-done — yes');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      outcome: string;
      judgement: { ok: boolean; problems: string[] };
      bundle: { path: string; files: number };
    };
    expect(summary).toMatchObject({ outcome: 'failed', judgement: { ok: true, problems: [] } });
    expect(summary.bundle.path).toBe(join(vault, 'governance', 'release_vault', 'sandbox', '1.5.1'));
    const inFolder = readdirSync(summary.bundle.path, { recursive: true, withFileTypes: true });
    expect(summary.bundle.files).toBe(inFolder.filter((entry) => entry.isFile()).length);

    const verified = await greenlight(['verify', summary.bundle.path]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/OK/);
  });

  it('refuses a wrong command line with exit 2, naming the flag and what it expects', async () => {
    const missing = await greenlight(['rehearse']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--scenario is required \(one of happy, .*sso-expired\)/);
    expect(missing.stderr).toContain('Usage: greenlight rehearse');

    const badVersion = await greenlight(['rehearse', '--scenario', 'happy', '--version', 'v1.5']);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain(
      '--version: expected a semantic version such as 1.5.1, got "v1.5"',
    );

    const badScenario = await greenlight(['rehearse', '--scenario', 'sunny']);
    expect(badScenario.code).toBe(2);
    expect(badScenario.stderr).toContain('--scenario: expected one of happy');
  });
});
