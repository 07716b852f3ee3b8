import type { Locator, Page } from 'playwright-core';
import type { ConsolePage } from './console-page';

/** Evidence: chain status, export with progress, verify, and the journal timeline. */
export class EvidencePage {
  constructor(
    readonly page: Page,
    private readonly console: ConsolePage,
  ) {}

  async show(): Promise<void> {
    await this.console.openTab('Evidence');
  }

  chain(): Locator {
    return this.page.getByRole('status', { name: 'Journal chain' });
  }

  journalEntries(): Locator {
    return this.page.getByRole('list', { name: 'Journal entries' }).getByRole('listitem');
  }

  /** Exports the bundle and returns the folder path the console shows. */
  async exportBundle(): Promise<string> {
    await this.page.getByRole('button', { name: 'Export to release vault' }).click();
    const result = this.page.getByRole('status', { name: 'Export result' });
    await result.waitFor({ timeout: 120_000 });
    return (await this.page.getByLabel('Bundle folder', { exact: true }).textContent()) ?? '';
  }

  /** Verifies the exported bundle and returns the verdict shown ("true" when it verified). */
  async verifyBundle(): Promise<{ ok: boolean; text: string }> {
    await this.page.getByRole('button', { name: 'Verify bundle' }).click();
    const result = this.page.getByRole('status', { name: 'Verification result' });
    await result.waitFor({ timeout: 120_000 });
    return {
      ok: (await result.getAttribute('data-verified')) === 'true',
      text: (await result.textContent()) ?? '',
    };
  }
}
