import type { Locator, Page } from 'playwright-core';
import type { ConsolePage } from './console-page';

/** The deployment panel: status, traffic, countdowns, Approve, Roll back, Terminate blue now. */
export class DeploymentPage {
  constructor(
    readonly page: Page,
    private readonly console: ConsolePage,
  ) {}

  panel(): Locator {
    return this.page.getByRole('region', { name: 'Deployment' });
  }

  async show(): Promise<void> {
    await this.console.openTab('Deployment');
  }

  status(): Locator {
    return this.page.getByRole('status', { name: 'Deployment status' });
  }

  /** Waits until AWS reports one of the statuses (as shown verbatim). */
  async waitForStatus(statuses: string[], timeout = 120_000): Promise<string> {
    const selector = statuses.map((status) => `[data-deployment-status="${status}"]`).join(', ');
    await this.page.locator(selector).first().waitFor({ timeout });
    return (await this.status().textContent()) ?? '';
  }

  deploymentId(): Promise<string | null> {
    return this.panel().locator('h2 code').textContent();
  }

  approveButton(): Locator {
    return this.page.getByRole('button', { name: 'Approve traffic shift' });
  }

  approveBlockedReason(): Locator {
    return this.page.getByLabel('Approve blocked');
  }

  traffic(): Locator {
    return this.page.getByRole('img', { name: /^Production traffic/ });
  }

  readyWindow(): Locator {
    return this.page.getByRole('timer', { name: 'Ready window' });
  }

  error(): Locator {
    return this.page.getByRole('alert', { name: 'Deployment error' });
  }

  rollbackNotice(): Locator {
    return this.page.getByRole('status', { name: 'Rollback' });
  }

  /** Waits until the rollback deployment CodeDeploy created has finished (Succeeded). */
  async rollbackDone(timeout = 120_000): Promise<void> {
    await this.rollbackNotice()
      .filter({ hasText: /— Succeeded/ })
      .waitFor({ timeout });
  }

  rollbackButton(): Locator {
    // Visible in the run bar and the panel; both open the same single confirmation.
    return this.page.getByRole('button', { name: 'Roll back', exact: true }).first();
  }

  /** Opens the rollback confirmation and returns the dialog. */
  async openRollback(): Promise<Locator> {
    await this.rollbackButton().click();
    const dialog = this.page.getByRole('dialog', { name: 'Roll back this deployment?' });
    await dialog.waitFor();
    return dialog;
  }

  async rollback(reason: string): Promise<void> {
    const dialog = await this.openRollback();
    await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
    await dialog.getByRole('button', { name: 'Roll back now' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  async terminateBlueNow(): Promise<void> {
    await this.page.getByRole('button', { name: 'Terminate blue now' }).click();
    await this.page
      .getByRole('alertdialog', { name: 'Confirm terminate blue' })
      .getByRole('button', { name: 'Terminate blue' })
      .click();
  }

  lifecycleEvents(): Locator {
    return this.page.getByRole('list', { name: 'Lifecycle events' }).getByRole('listitem');
  }
}
