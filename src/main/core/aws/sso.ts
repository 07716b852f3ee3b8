import { spawn } from 'node:child_process';
import { AppError } from '../errors';
import { loginCommandFor } from './errors';

export type SsoLogin = {
  /** The command being run, for display (`aws sso login --profile X`). */
  command: string;
  /** Resolves with the exit code when the CLI finishes (0 = signed in). */
  done: Promise<number>;
  /** Stops the CLI (Cancel in the UI). */
  cancel(): void;
};

/** Whether the AWS CLI can be started here (resolves false when `aws` is not on PATH). */
export function awsCliAvailable(awsBin = 'aws'): Promise<boolean> {
  return new Promise((resolveAvailable) => {
    const child = spawn(awsBin, ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolveAvailable(false));
    child.on('close', (code) => resolveAvailable(code === 0));
  });
}

/**
 * Runs `aws sso login --profile <profile>`: the CLI opens the browser for the device authorization and writes the
 * token cache the SDK reads. Only the CLI (or an app doing the SSO-OIDC device flow) can create a session; the SDK
 * never opens a browser (platform facts). Output lines (the verification URL and code) go to `onOutput`.
 * AppError `aws-cli-missing` when there is no `aws` binary: the operator then runs the command in a terminal.
 */
export async function runSsoLogin(
  profile: string,
  options: { awsBin?: string; onOutput?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<SsoLogin> {
  const awsBin = options.awsBin ?? 'aws';
  const command = loginCommandFor(profile);
  if (!(await awsCliAvailable(awsBin))) {
    throw new AppError(
      'aws-cli-missing',
      `The AWS CLI is not installed here. In a terminal, run: ${command}`,
      {
        loginCommand: command,
      },
    );
  }
  const child = spawn(awsBin, ['sso', 'login', '--profile', profile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  const forward = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split(/\r?\n/))
      if (line.trim() !== '') options.onOutput?.(line);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const done = new Promise<number>((resolveDone, rejectDone) => {
    child.on('error', (error) =>
      rejectDone(
        new AppError('sso-login-failed', `${command} could not start: ${error.message}`, {
          loginCommand: command,
        }),
      ),
    );
    child.on('close', (code, sig) => resolveDone(code ?? (sig ? 130 : 1)));
  });
  return { command, done, cancel: () => child.kill('SIGTERM') };
}
