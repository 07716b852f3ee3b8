import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createConsole, type Console, type ConsoleOptions } from '../../src/main/core/app';
import { startBrowserHost, type BrowserHost } from '../../src/main/core/host/browser-host';
import { appRoot } from '../../src/main/core/paths';
import { builtRenderer } from './chromium';

/** Sandbox time runs this many times faster than the wall clock in e2e runs (20-minute Ready wait = 2 minutes). */
export const E2E_TIME_SCALE = Number(process.env['GREENLIGHT_E2E_TIME_SCALE'] ?? 10);

export type SandboxOptions = { scenario: string; timeScale: number };

/** The console on the embedded sandbox with a fault scenario, served to Chromium by the browser host. */
export async function startConsoleHost(
  dataDir: string,
  sandbox: SandboxOptions,
): Promise<{ app: Console; host: BrowserHost; close: () => Promise<void> }> {
  // `sandbox` is the engine's option (createConsole({ hostKind, dataDir, sandbox })).
  const options: ConsoleOptions & { sandbox: SandboxOptions } = {
    hostKind: 'browser',
    dataDir,
    sandbox,
  };
  const app = await createConsole(options);
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
  // The built CLI, matching the built renderer it serves: out/main/cli.js exports main() and bin/greenlight.mjs
  // calls it the same way (bin itself would fall back to the TypeScript sources when they are newer).
  const cli = pathToFileURL(join(appRoot(), 'out', 'main', 'cli.js')).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { main } = await import(${JSON.stringify(cli)}); process.exitCode = await main(process.argv.slice(1));`,
      'serve',
      '--data-dir',
      dataDir,
      '--scenario',
      sandbox.scenario,
      '--time-scale',
      String(sandbox.timeScale),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`greenlight serve printed no URL in ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
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
