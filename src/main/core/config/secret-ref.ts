import { spawn } from 'node:child_process';
import { AppError } from '../errors';

/**
 * Where an integration token lives. The config file only ever holds a reference: `env:NAME` (an environment
 * variable of the Greenlight process) or `keychain:service/account` (the OS keychain). A token pasted in plain
 * text is refused when the file is loaded, so a config file can be shared or committed without leaking anything.
 */
export type SecretRef =
  | { kind: 'env'; name: string; text: string }
  | { kind: 'keychain'; service: string; account: string; text: string };

const envRefPattern = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const keychainRefPattern = /^keychain:([^/\s]+)\/(\S.*)$/;

/** Parses `env:NAME` or `keychain:service/account`; undefined for anything else (a plain value included). */
export function parseSecretRef(text: string): SecretRef | undefined {
  const env = envRefPattern.exec(text);
  if (env?.[1] !== undefined) return { kind: 'env', name: env[1], text };
  const keychain = keychainRefPattern.exec(text);
  if (keychain?.[1] !== undefined && keychain[2] !== undefined) {
    return { kind: 'keychain', service: keychain[1], account: keychain[2], text };
  }
  return undefined;
}

/** Reads a secret from the OS keychain; undefined when there is no such item. */
export type KeychainReader = (service: string, account: string) => Promise<string | undefined>;

function runForOutput(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolveOutput) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    // A missing tool (ENOENT) and a missing item (non-zero exit) both mean "not found" to the caller.
    child.on('error', () => resolveOutput(undefined));
    child.on('close', (code) => resolveOutput(code === 0 ? out.replace(/\r?\n$/, '') : undefined));
  });
}

/**
 * The platform keychain through its own command-line tool (`security` on macOS, `secret-tool` from libsecret on
 * Linux), so no native module is needed. The value travels only through the pipe, never through argv.
 */
export const systemKeychain: KeychainReader = (service, account) => {
  if (process.platform === 'darwin') {
    return runForOutput('security', ['find-generic-password', '-s', service, '-a', account, '-w']);
  }
  if (process.platform === 'linux') {
    return runForOutput('secret-tool', ['lookup', 'service', service, 'account', account]);
  }
  return Promise.resolve(undefined);
};

/**
 * Resolves a reference to the secret's value at the moment it is needed. The value is returned to the caller
 * only; it is never logged, and errors name the reference, never a value.
 */
export async function resolveSecretRef(
  ref: SecretRef,
  options: { env?: NodeJS.ProcessEnv; keychain?: KeychainReader } = {},
): Promise<string> {
  if (ref.kind === 'env') {
    const value = (options.env ?? process.env)[ref.name];
    if (value === undefined || value === '') {
      throw new AppError(
        'secret-ref-unresolved',
        `The environment variable ${ref.name} (referenced as '${ref.text}') is not set in Greenlight's environment.`,
        { ref: ref.text },
      );
    }
    return value;
  }
  const value = await (options.keychain ?? systemKeychain)(ref.service, ref.account);
  if (value === undefined || value === '') {
    throw new AppError(
      'secret-ref-unresolved',
      `No keychain item for service '${ref.service}' and account '${ref.account}' (referenced as '${ref.text}').`,
      { ref: ref.text },
    );
  }
  return value;
}
