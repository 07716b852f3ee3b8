import { describe, expect, it } from 'vitest';
import { consoleInChromium } from '../support/console-in-chromium';

describe('a release on the sandbox, from launch to a verified evidence bundle', () => {
  const e2e = consoleInChromium({ scenario: 'happy' });

  it('walks the checklist, approves on green, finishes, exports and verifies the bundle', async () => {
    const gl = await e2e.open({ failureScreenshot: 'failed-happy-path' });

    // Start: the sandbox first, identity and VPN checked, versions offered from ECR.
    await expect(gl.start.environment().inputValue()).resolves.toBe('sandbox');
    await gl.start.waitForStatus();
    await expect(gl.start.identity().textContent()).resolves.toContain('Signed in');
    await expect(gl.start.vpn().textContent()).resolves.toContain('VPN connected');
    await gl.start.version().fill('1.5');
    await expect(gl.start.startButton().isDisabled()).resolves.toBe(true);
    await expect(gl.page.getByText('is not a semantic version').isVisible()).resolves.toBe(true);
    await gl.start.version().fill('');
    await gl.screenshot('01-start');
    const version = await gl.start.startRelease();
    await expect(gl.page.getByLabel('Run version').textContent()).resolves.toBe(version);
    await gl.screenshot('02-checklist');
    await gl.screenshot('02-checklist', 'dark');

    // Keyboard: j/k and the arrow keys move between steps, Enter opens the focused one.
    await gl.checklist.step('vpn-connected').focus();
    await gl.page.keyboard.press('j');
    await gl.page.keyboard.press('ArrowDown');
    await expect(gl.checklist.focusedStepId()).resolves.toBe('image-in-ecr');
    await gl.page.keyboard.press('k');
    await expect(gl.checklist.focusedStepId()).resolves.toBe('aws-signed-in');
    await gl.page.keyboard.press('Enter');
    await gl.page.locator('article.step-detail[data-step-id="aws-signed-in"]').waitFor();
    await expect(gl.checklist.detail().getByLabel('Command').textContent()).resolves.toContain(
      'aws',
    );

    // Work down the checklist until the traffic shift waits for approval.
    const atApprove = await gl.checklist.workUntil((next) => next.id === 'approve-traffic-shift');
    expect(atApprove.failed).toBeUndefined();
    expect(atApprove.next?.id).toBe('approve-traffic-shift');

    await gl.gates.show();
    await expect(gl.gates.smokeVerdict().textContent()).resolves.toContain('Passed');
    await expect(gl.gates.probeChart().getAttribute('aria-label')).resolves.toContain(
      'limit 450 ms',
    );
    await gl.screenshot('04-gates');

    await gl.deployment.show();
    await expect(gl.deployment.status().textContent()).resolves.toBe('Ready');
    await expect(gl.deployment.traffic().getAttribute('aria-label')).resolves.toMatch(/Blue 100 %/);
    await expect(gl.deployment.readyWindow().isVisible()).resolves.toBe(true);
    await expect(gl.deployment.approveButton().isEnabled()).resolves.toBe(true);
    await expect(gl.deployment.rollbackButton().isVisible()).resolves.toBe(true);
    await gl.screenshot('03-deployment-ready');
    await gl.screenshot('03-deployment-ready', 'dark');
    await gl.deployment.approveButton().click();
    await gl.checklist.waitForState('approve-traffic-shift', ['passed']);

    // Production moves to green; during the termination wait, remove blue now rather than wait it out.
    await gl.page.getByRole('button', { name: 'Terminate blue now' }).waitFor({ timeout: 120_000 });
    await expect(gl.deployment.traffic().getAttribute('aria-label')).resolves.toMatch(
      /Green 100 %/,
    );
    await gl.screenshot('05-deployment-shifted');
    await gl.deployment.terminateBlueNow();
    await gl.deployment.waitForStatus(['Succeeded']);

    // The rest of the checklist: post-deployment checks, vault, notices, attestations.
    const end = await gl.checklist.workUntil(() => false);
    expect(end.failed).toBeUndefined();
    await expect(gl.waitForOutcome()).resolves.toBe('released');

    // The sandbox's simulated Grafana and Slack: the dashboard was annotated, the summary posted.
    await expect(gl.checklist.state('grafana-annotation')).resolves.toBe('passed');
    await gl.communication.show();
    await expect(gl.communication.slackStatus().textContent()).resolves.toMatch(
      /^Posted to Slack at /,
    );
    await expect(gl.communication.slack().textContent()).resolves.toContain(version);
    await expect(gl.communication.email().textContent()).resolves.toContain(version);
    await gl.screenshot('07-communication');

    await gl.evidence.show();
    await expect(gl.evidence.chain().getAttribute('data-chain-ok')).resolves.toBe('true');
    await gl.evidence.journalEntries().first().waitFor();
    const folder = await gl.evidence.exportBundle();
    expect(folder).toContain(`sandbox`);
    expect(folder).toContain(version);
    const verified = await gl.evidence.verifyBundle();
    expect(verified.ok).toBe(true);
    await gl.screenshot('06-evidence');
    await gl.screenshot('06-evidence', 'dark');
    await expect(gl.errors()).resolves.toEqual([]);
  }, 600_000);
});
