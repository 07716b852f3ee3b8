import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, onTestFailed } from 'vitest';
import type { BrowserHost } from '../../src/main/core/host/browser-host';
import { launchChromium } from './chromium';
import {
  E2E_TIME_SCALE,
  spawnServe,
  startConsoleHost,
  type ConsoleHost,
  type SandboxOptions,
  type ServedConsole,
} from './console-host';
import { ConsolePage } from './pages/console-page';
import { tempDir } from './temp';

export type ConsoleInChromiumOptions = {
  /** The embedded sandbox's fault scenario; without one the console keeps its defaults (nothing is deployed). */
  scenario?: string;
  /** Sandbox seconds per wall-clock second, with a scenario (default E2E_TIME_SCALE). */
  timeScale?: number;
  /**
   * 'in-process' (default): one console and browser host in this process, started before the file's tests.
   * 'spawned': none; the test starts `greenlight serve` processes with serve(), e.g. to kill one and relaunch.
   */
  host?: 'in-process' | 'spawned';
};

export type ConsoleInChromium = {
  /** The Chromium the file's pages open in. */
  readonly browser: Browser;
  /** The in-process browser host (not with host 'spawned'). */
  readonly host: BrowserHost;
  /**
   * A new page on the console (the in-process host, or `url`), at the laptop viewport, once the app is ready.
   * Inside a test, `failureScreenshot` names the screenshot (and prints the page's diagnosis) if the test fails.
   */
  open(options?: { url?: string; failureScreenshot?: string }): Promise<ConsolePage>;
  /** `greenlight serve` on the file's data dir and scenario, as its own process; stopped after the file. */
  serve(): Promise<ServedConsole>;
};

/**
 * What every e2e file needs, registered as beforeAll/afterAll of the calling describe: a fresh data dir, the console
 * on the sandbox scenario, Chromium, and after the tests all of them closed again (each step even when the one
 * before failed, so a failing test leaves no Chromium or child process behind).
 */
export function consoleInChromium(options: ConsoleInChromiumOptions = {}): ConsoleInChromium {
  const { scenario, timeScale = E2E_TIME_SCALE, host: hostKind = 'in-process' } = options;
  const sandbox: SandboxOptions | undefined =
    scenario === undefined ? undefined : { scenario, timeScale };
  let dir: ReturnType<typeof tempDir> | undefined;
  let started: ConsoleHost | undefined;
  let browser: Browser | undefined;
  const served: ServedConsole[] = [];

  beforeAll(async () => {
    dir = tempDir();
    if (hostKind === 'in-process') started = await startConsoleHost(dir.path, sandbox);
    browser = await launchChromium();
  });
  afterAll(async () => {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    };
    await attempt(async () => browser?.close());
    await attempt(async () => started?.close());
    for (const { child, exited } of served) {
      await attempt(async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      });
    }
    await attempt(async () => dir?.cleanup());
    if (failures.length > 0) throw new AggregateError(failures, 'closing the e2e console failed');
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`${what} is not started yet: use it in a test or hook`);
    return value;
  };
  const self: ConsoleInChromium = {
    get browser() {
      return ready(browser, 'Chromium');
    },
    get host() {
      if (hostKind === 'spawned') throw new Error("host 'spawned' starts no in-process host");
      return ready(started, 'The console host').host;
    },
    async open({ url, failureScreenshot } = {}) {
      const gl = await new ConsolePage(await self.browser.newPage()).open(url ?? self.host.url);
      if (failureScreenshot !== undefined) {
        onTestFailed(async () => {
          console.log(await gl.diagnose());
          await gl.screenshot(failureScreenshot);
        });
      }
      return gl;
    },
    async serve() {
      if (sandbox === undefined) throw new Error('serve() needs consoleInChromium({ scenario })');
      const next = await spawnServe(ready(dir, 'The data dir').path, sandbox);
      served.push(next);
      return next;
    },
  };
  return self;
}
