import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'greenlight.mjs');

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.cleanup();
  dir = undefined;
});

describe('greenlight sandbox (CLI)', () => {
  it('prints the endpoint alone on its first line, then the fleet and AWS CLI examples, and stops cleanly on SIGTERM', async () => {
    dir = tempDir();
    const stateFile = join(dir.path, 'state.json');
    const child = spawn(
      process.execPath,
      [
        bin,
        'sandbox',
        '--port',
        '0',
        '--time-scale',
        '600',
        '--scenario',
        'smoke-fails',
        '--state',
        stateFile,
      ],
      {
        cwd: root,
        env: { ...process.env, GREENLIGHT_LOG: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 45_000;
      while (!stdout.includes('Ctrl-C')) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the sandbox CLI did not start; stdout: ${stdout}; stderr: ${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const lines = stdout.split('\n');
      const endpoint = lines[0]!;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stdout).toMatch(/validation\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/production\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/slack\s+http:\/\/127\.0\.0\.1:\d+\/slack\/services\//);
      expect(stdout).toMatch(/grafana\s+http:\/\/127\.0\.0\.1:\d+\/grafana\s+\(token glsa_/);
      expect(stdout).toContain(`aws --endpoint-url ${endpoint} deploy continue-deployment`);
      expect(stdout).toContain('--deployment-wait-type READY_WAIT');
      expect(stdout).toContain('--auto-rollback-enabled');

      const sts = new STSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAANY', secretAccessKey: 'any' },
      });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('111122223333');
      const state = (await (await fetch(`${endpoint}/_sandbox`)).json()) as {
        scenario: string;
        clock: { timeScale: number };
        integrations: { slack: { messages: unknown[] }; grafana: { dashboards: string[] } };
      };
      expect(state.scenario).toBe('smoke-fails');
      expect(state.clock.timeScale).toBe(600);
      expect(state.integrations.slack.messages).toEqual([]);
      expect(state.integrations.grafana.dashboards).toContain('Fixnado / Platform Health');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).state.scenario).toBe('smoke-fails');
  });

  it('refuses a bad flag with exit code 2 and says which', () => {
    const run = spawnSync(process.execPath, [bin, 'sandbox', '--time-scale', 'fast'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 45_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--time-scale');
    const scenario = spawnSync(process.execPath, [bin, 'sandbox', '--scenario', 'nope'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 45_000,
    });
    expect(scenario.status).toBe(2);
    expect(scenario.stderr).toContain('happy');
  });
});
