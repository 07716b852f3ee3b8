import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { rendererBuildDir } from '../../src/main/core/paths';

export const CHROMIUM_PATH = process.env['GREENLIGHT_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Debian's Chromium driven by playwright-core. The flags keep it from reaching for the network it does not
 * have here (background networking, component updates, sync) and let it run as root in a container.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (.ci/run does).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** The production build of the renderer, which the e2e tests drive; fails clearly when it was not built. */
export function builtRenderer(): string {
  const dir = rendererBuildDir();
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error('The renderer is not built: run `npm run build` first (npm test does).');
  }
  return dir;
}
