import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { appRoot } from '../../src/main/core/paths';

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `greenlight <args>` as a user does: bin/greenlight.mjs in a child process (the build when it is current,
 * the TypeScript sources otherwise). GREENLIGHT_LOG defaults to silent so stderr holds only what the command says.
 */
export function greenlight(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(appRoot(), 'bin', 'greenlight.mjs'), ...args], {
      cwd: appRoot(),
      env: { ...process.env, GREENLIGHT_LOG: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
