import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { launchChromium } from '../support/chromium';
import { E2E_TIME_SCALE, spawnServe, type ServedConsole } from '../support/console-host';
import { ConsolePage } from '../support/pages/console-page';
import { tempDir } from '../support/temp';

describe('closing and relaunching the console host mid-deployment', () => {
  const dir = tempDir();
  let browser: Browser;
  const served: ServedConsole[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const { child, exited } of served) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    }
    dir.cleanup();
  });

  it('resumes the same run, re-attached to the same deployment', async () => {
    const sandbox = { scenario: 'happy', timeScale: E2E_TIME_SCALE };
    const first = await spawnServe(dir.path, sandbox);
    served.push(first);
    const gl = await new ConsolePage(await browser.newPage()).open(first.url);
    const version = await gl.start.startRelease();
    const atApprove = await gl.checklist.workUntil((next) => next.id === 'smoke-tests');
    expect(atApprove.failed).toBeUndefined();
    const runId = await gl.runId();
    await gl.deployment.show();
    await gl.deployment.waitForStatus(['Ready']);
    const deploymentId = await gl.deployment.deploymentId();
    expect(deploymentId).toMatch(/^d-/);

    // The host goes away in the middle of the deployment, the way a closed laptop lid or a crash takes it.
    first.child.kill('SIGKILL');
    await first.exited;
    await gl.page
      .getByRole('status', { name: 'Connection' })
      .filter({ hasText: 'Reconnecting' })
      .waitFor();
    await gl.page.close();

    const second = await spawnServe(dir.path, sandbox);
    served.push(second);
    const again = await new ConsolePage(await browser.newPage()).open(second.url);
    onTestFailed(async () => {
      console.log(await again.diagnose());
      await again.screenshot('failed-relaunch');
    });
    await expect(again.start.unfinishedRuns().count()).resolves.toBeGreaterThan(0);
    await again.screenshot('12-resume');
    await again.start.resume('sandbox', version);
    await expect(again.runId()).resolves.toBe(runId);
    await again.deployment.show();
    await expect(again.deployment.deploymentId()).resolves.toBe(deploymentId);
    await again.deployment.waitForStatus(['Ready']);
    // And the run goes on from where it was: the smoke step is still the next thing to do.
    await expect(again.checklist.nextStep()).resolves.toMatchObject({ id: 'smoke-tests' });
  }, 600_000);
});
