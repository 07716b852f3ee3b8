import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConsole } from '../app';
import { startBrowserHost } from '../host/browser-host';
import { defaultDataDir, rendererBuildDir } from '../paths';
import type { CommandModule } from './command';
import { portFlag, scenarioFlag, timeScaleFlag } from './flags';

function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // no system browser here: the printed URL is enough
  child.unref();
}

/** Resolves when the process is asked to stop (Ctrl-C or SIGTERM). */
export function untilSignalled(): Promise<void> {
  return new Promise((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
}

export const serveCommand: CommandModule = {
  usage: [
    'Usage: greenlight serve [--port N] [--data-dir DIR] [--config FILE] [--scenario NAME] [--time-scale N] [--open]',
    '',
    '  --port N          port on 127.0.0.1 (default: a random free port)',
    '  --data-dir DIR    where the evidence database lives (default: the per-user data directory)',
    '  --config FILE     the environments file (default: <user config dir>/greenlight/environments.yaml)',
    '  --scenario NAME   scenario of the embedded sandbox (happy, smoke-fails, slow-green, alarm-rollback,',
    '                    hook-fails, ready-timeout, throttling, already-active, vpn-down, sso-expired)',
    '  --time-scale N    sandbox clock speed (600: a 20-minute window passes in 2 s); default 1',
    '  --open            open the system browser at the printed URL',
    '',
    'GREENLIGHT_SANDBOX_SCENARIO and GREENLIGHT_TIME_SCALE set the same as the two sandbox flags.',
    '',
    'Prints the console URL, with its per-launch token, on the first line.',
  ].join('\n'),
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        scenario: { type: 'string' },
        'time-scale': { type: 'string' },
        open: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const port = portFlag(values.port) ?? 0;
    const scenario = scenarioFlag(values.scenario);
    const timeScale = timeScaleFlag(values['time-scale']);
    const rendererDir = rendererBuildDir();
    if (!existsSync(join(rendererDir, 'index.html'))) {
      process.stderr.write(
        'greenlight serve: the console is not built yet; run `npm run build` first.\n',
      );
      return 1;
    }
    const app = await createConsole({
      hostKind: 'browser',
      dataDir: values['data-dir'] ?? defaultDataDir(),
      configPath: values.config,
      sandbox: { scenario, timeScale },
    });
    const host = await startBrowserHost({
      rendererDir,
      dispatch: app.dispatch,
      bus: app.bus,
      port,
    });
    process.stdout.write(`${host.url}\n`);
    process.stderr.write(`Greenlight console served on ${host.origin} (Ctrl-C stops it)\n`);
    if (values.open) openInBrowser(host.url);
    await untilSignalled();
    await host.close();
    await app.close();
    return 0;
  },
};
