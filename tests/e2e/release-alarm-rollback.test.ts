import { describe, expect, it } from 'vitest';
import { consoleInChromium } from '../support/console-in-chromium';

describe('an alarm during the traffic shift (sandbox scenario alarm-rollback)', () => {
  const e2e = consoleInChromium({ scenario: 'alarm-rollback' });

  it("shows CodeDeploy's automatic rollback with AWS's error verbatim", async () => {
    const gl = await e2e.open({ failureScreenshot: 'failed-alarm-rollback' });
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
