import type { Locator, Page } from 'playwright-core';

/** The start screen: environment, identity, VPN, version, runs to resume. */
export class StartPage {
  constructor(readonly page: Page) {}

  environment(): Locator {
    return this.page.getByRole('combobox', { name: 'Environment' });
  }

  identity(): Locator {
    return this.page.getByRole('status', { name: 'Identity' });
  }

  vpn(): Locator {
    return this.page.getByRole('status', { name: 'VPN' });
  }

  version(): Locator {
    return this.page.getByRole('textbox', { name: 'Version to release' });
  }

  startButton(): Locator {
    return this.page.getByRole('button', { name: /^Start release/ });
  }

  /** The ECR tags offered for the selected environment, newest first (waits until env.status answered). */
  async versionsInEcr(): Promise<string[]> {
    const group = this.page.getByRole('group', { name: 'Versions in ECR' });
    await group.waitFor();
    const labels = await group
      .getByRole('button')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label') ?? ''));
    return labels.map((label) => label.replace(/^Use version /, ''));
  }

  /** Waits until identity and VPN were checked for the selected environment. */
  async waitForStatus(): Promise<void> {
    await this.page.locator('.identity').waitFor();
  }

  /** Starts a release of `version` (or the newest ECR tag) and waits for its checklist. */
  async startRelease(version?: string): Promise<string> {
    await this.waitForStatus();
    const chosen = version ?? (await this.versionsInEcr())[0];
    if (chosen === undefined) throw new Error('no version offered in ECR');
    if (version === undefined)
      await this.page.getByRole('button', { name: `Use version ${chosen}` }).click();
    else await this.version().fill(chosen);
    await this.startButton().click();
    await this.page.getByRole('navigation', { name: 'Checklist' }).waitFor();
    return chosen;
  }

  unfinishedRuns(): Locator {
    return this.page.getByRole('list', { name: 'Unfinished runs' }).getByRole('listitem');
  }

  /** Resumes the unfinished run of this environment and version, and waits for its checklist. */
  async resume(environment: string, version: string): Promise<void> {
    await this.page.getByRole('button', { name: `Resume ${environment} ${version}` }).click();
    await this.page.getByRole('navigation', { name: 'Checklist' }).waitFor();
  }
}
