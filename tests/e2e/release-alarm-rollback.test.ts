import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { launchChromium } from '../support/chromium';
import { E2E_TIME_SCALE, startConsoleHost } from '../support/console-host';
import { ConsolePage } from '../support/pages/console-page';
import { tempDir } from '../support/temp';

describe('an alarm during the traffic shift (sandbox scenario alarm-rollback)', () => {
  const dir = tempDir();
  let browser: Browser;
  let stop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const started = await startConsoleHost(dir.path, {
      scenario: 'alarm-rollback',
      timeScale: E2E_TIME_SCALE,
    });
    stop = started.close;
    url = started.host.url;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stop?.();
    dir.cleanup();
  });

  it("shows CodeDeploy's automatic rollback with AWS's error verbatim", async () => {
    const gl = await new ConsolePage(await browser.newPage()).open(url);
    onTestFailed(async () => {
      console.log(await gl.diagnose());
      await gl.screenshot('failed-alarm-rollback');
    });
    await gl.start.startRelease();
    const atApprove = await gl.checklist.workUntil((next) => next.id === 'approve-traffic-shift');
    expect(atApprove.failed).toBeUndefined();

    await gl.deployment.show();
    await gl.deployment.approveButton().click();

    // The ALB 5xx alarm fires after the shift: CodeDeploy stops the deployment and rolls back by itself.
    await gl.deployment.waitForStatus(['Stopped', 'Failed'], 180_000);
    await expect(gl.deployment.error().textContent()).resolves.toContain('ALARM_ACTIVE');
    await gl.deployment.rollbackDone(180_000);
    await expect(gl.deployment.rollbackNotice().textContent()).resolves.toMatch(
      /Rollback deployment d-\w+ — Succeeded/,
    );
    await expect(gl.deployment.traffic().getAttribute('aria-label')).resolves.toMatch(/Blue 100 %/);
    await expect(gl.headline().textContent()).resolves.toMatch(/roll/i);
    // Nobody pressed Roll back: the journal shows CodeDeploy did it, and the run ends rolled back after the
    // incident decision the runbook asks for.
    await gl.screenshot('11-alarm-rollback');
    const after = await gl.checklist.workUntil(() => false);
    expect(after.failed).toBeUndefined();
    await expect(gl.waitForOutcome()).resolves.toBe('rolled-back');
  }, 600_000);
});
