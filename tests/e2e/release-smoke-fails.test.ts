import { describe, expect, it } from 'vitest';
import { consoleInChromium } from '../support/console-in-chromium';

describe('a failing smoke collection on green (sandbox scenario smoke-fails)', () => {
  const e2e = consoleInChromium({ scenario: 'smoke-fails' });

  it('blocks Approve, asks a written reason to override, and rolls back to blue', async () => {
    const gl = await e2e.open({ failureScreenshot: 'failed-smoke-fails' });
    await gl.start.startRelease();

    const stopped = await gl.checklist.workUntil((next) => next.id === 'approve-traffic-shift');
    expect(stopped.failed?.id).toBe('smoke-tests');

    // The failing request comes first, with its request and assertion.
    await gl.gates.show();
    await expect(gl.gates.smokeVerdict().textContent()).resolves.toContain('Failed');
    const results = await gl.gates.smokeResults();
    expect(results[0]).toBe('failed');
    expect(results.indexOf('failed')).toBeLessThan(
      Math.max(0, results.indexOf('passed')) || results.length,
    );
    await expect(gl.gates.smokeRows().first().textContent()).resolves.toContain('/api/v1/bookings');
    await gl.screenshot('08-smoke-failed');

    // Approve is disabled and says why.
    await gl.deployment.show();
    await gl.deployment.waitForStatus(['Ready']);
    await expect(gl.deployment.approveButton().isDisabled()).resolves.toBe(true);
    await expect(gl.deployment.approveBlockedReason().textContent()).resolves.toMatch(/smoke/i);

    // An override needs a reason: the dialog refuses to submit without one (or with too short a one).
    const dialog = await gl.checklist.openOverride('smoke-tests');
    const confirm = dialog.getByRole('button', { name: 'Override', exact: true });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('ok');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await expect(dialog.getByText('at least 10 characters').isVisible()).resolves.toBe(true);
    await gl.screenshot('09-override-dialog');
    await dialog
      .getByRole('textbox', { name: 'Reason' })
      .fill('Bookings 500 is a known issue tracked in REL-42; CAB accepted it');
    await confirm.click();
    await gl.checklist.waitForState('smoke-tests', ['overridden']);
    await expect(gl.checklist.detail().getByLabel('Decision').textContent()).resolves.toContain(
      'REL-42',
    );

    // Instead of going ahead, roll back: one confirmation with a reason, then CodeDeploy's rollback to the end.
    await gl.deployment.show();
    const rollbackDialog = await gl.deployment.openRollback();
    await expect(
      rollbackDialog.getByRole('button', { name: 'Roll back now' }).isDisabled(),
    ).resolves.toBe(true);
    await rollbackDialog.getByRole('button', { name: 'Cancel' }).click();
    await gl.deployment.rollback('Smoke failures on bookings: not releasing today');
    await gl.deployment.rollbackDone();
    await expect(gl.deployment.status().textContent()).resolves.toBe('Stopped');
    await expect(gl.deployment.rollbackNotice().textContent()).resolves.toMatch(
      /Rollback deployment d-\w+ — Succeeded/,
    );
    await expect(gl.deployment.traffic().getAttribute('aria-label')).resolves.toMatch(/Blue 100 %/);
    // What the runbook asks after a rollback (the incident decision), then the run ends rolled back.
    await gl.screenshot('10-rolled-back');
    const after = await gl.checklist.workUntil(() => false);
    expect(after.failed).toBeUndefined();
    await expect(gl.waitForOutcome()).resolves.toBe('rolled-back');
  }, 600_000);
});
