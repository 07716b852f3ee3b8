import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
// @ts-expect-error plain .mjs helper shared with `npm start`
import { electronBinary } from '../../scripts/electron-binary.mjs';

const binary = electronBinary() as { path: string | undefined; reason: string | undefined };

// The Electron window cannot be tested where the binary could not be downloaded: the test says so and skips,
// it never passes silently.
describe.skipIf(binary.path === undefined)(`the Electron app (skipped: ${binary.reason ?? 'binary present'})`, () => {
  it('opens the hardened window on our own page and round-trips app.info over IPC', async () => {
    const app = await electron.launch({ executablePath: binary.path, args: ['.'] });
    try {
      const window = await app.firstWindow();
      await window.locator('[data-app-state="ready"]').waitFor();
      expect(window.url()).toMatch(/^app:\/\/greenlight\//);
      await expect(window.getByLabel('Host').textContent()).resolves.toBe('Desktop');
      const hasNode = await window.evaluate(() => typeof (globalThis as { require?: unknown }).require);
      expect(hasNode).toBe('undefined');
    } finally {
      await app.close();
    }
  });
});
