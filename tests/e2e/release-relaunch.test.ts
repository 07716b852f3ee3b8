import { describe, expect, it } from 'vitest';
import { consoleInChromium } from '../support/console-in-chromium';

describe('closing and relaunching the console host mid-deployment', () => {
  const e2e = consoleInChromium({ scenario: 'happy', host: 'spawned' });

  it('resumes the same run, re-attached to the same deployment', async () => {
    const first = await e2e.serve();
    const gl = await e2e.open({ url: first.url });
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

    const second = await e2e.serve();
    const again = await e2e.open({ url: second.url, failureScreenshot: 'failed-relaunch' });
    // The start screen loads its run list after connecting: wait for the interrupted run to be offered.
    const offered = again.start.unfinishedRuns().filter({ hasText: `sandbox ${version}` });
    await offered.first().waitFor();
    await expect(offered.count()).resolves.toBe(1);
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
