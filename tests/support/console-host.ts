import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createConsole, type Console } from '../../src/main/core/app';
import { startBrowserHost, type BrowserHost } from '../../src/main/core/host/browser-host';
import { appRoot } from '../../src/main/core/paths';
import { builtRenderer } from './chromium';

/** Sandbox time runs this many times faster than the wall clock in e2e runs (20-minute Ready wait = 2 minutes). */
export const E2E_TIME_SCALE = Number(process.env['GREENLIGHT_E2E_TIME_SCALE'] ?? 10);

export type SandboxOptions = { scenario: string; timeScale: number };

export type ConsoleHost = { app: Console; host: BrowserHost; close: () => Promise<void> };

/**
 * The console served to Chromium by the browser host, in this process. With `sandbox`, the embedded sandbox runs
 * that fault scenario at that time scale; without it, the console keeps its defaults (GREENLIGHT_SANDBOX_* or none).
 */
export async function startConsoleHost(
  dataDir: string,
  sandbox?: SandboxOptions,
): Promise<ConsoleHost> {
  const app = await createConsole({ hostKind: 'browser', dataDir, sandbox });
  const host = await startBrowserHost({
    rendererDir: builtRenderer(),
    dispatch: app.dispatch,
    bus: app.bus,
  });
  return {
    app,
    host,
    close: async () => {
      await host.close();
      await app.close();
    },
  };
}

/**
 * The cookie a visit to `host.url` would set, for a fresh browser context that should start signed in without
 * the token in its address (the startup bench opens a new context per measurement).
 */
export function tokenCookie(host: BrowserHost): { name: string; value: string; url: string } {
  return { name: `greenlight_token_${host.port}`, value: host.token, url: host.origin };
}

/**
 * Node arguments that run `greenlight serve` from the build: out/main/cli.js exports main() and bin/greenlight.mjs
 * calls it the same way (bin itself would fall back to the TypeScript sources when they are newer).
 */
export function serveArgs(dataDir: string, sandbox?: SandboxOptions): string[] {
  const cli = pathToFileURL(join(appRoot(), 'out', 'main', 'cli.js')).href;
  return [
    '--input-type=module',
    '-e',
    `const { main } = await import(${JSON.stringify(cli)}); process.exitCode = await main(process.argv.slice(1));`,
    'serve',
    '--data-dir',
    dataDir,
    ...(sandbox === undefined
      ? []
      : ['--scenario', sandbox.scenario, '--time-scale', String(sandbox.timeScale)]),
  ];
}

export type ServedConsole = {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
};

/**
 * `greenlight serve` as its own process (the built CLI, which serves the built renderer), for tests that close
 * and relaunch the host. Resolves with the URL it prints on its first line.
 */
export async function spawnServe(
  dataDir: string,
  sandbox: SandboxOptions,
  timeoutMs = 60_000,
): Promise<ServedConsole> {
  const child = spawn(process.execPath, serveArgs(dataDir, sandbox), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Nobody will hold this process to stop it later: stop it here rather than leave it running.
      child.kill('SIGKILL');
      reject(new Error(`greenlight serve printed no URL in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`greenlight serve exited (${code}) before printing its URL: ${stderr}`));
    });
  });
  return { url, child, stderr: () => stderr, exited };
}
