import type { Locator, Page } from 'playwright-core';
import type { ConsolePage } from './console-page';

/** Communication: the Slack summary and the email notice. */
export class CommunicationPage {
  constructor(
    readonly page: Page,
    private readonly console: ConsolePage,
  ) {}

  async show(): Promise<void> {
    await this.console.openTab('Communication');
    await this.slack().waitFor();
  }

  slack(): Locator {
    return this.page.getByLabel('Slack summary text');
  }

  /** "Posted to Slack at ..." once the run posted the summary. */
  slackStatus(): Locator {
    return this.page.getByLabel('Slack status');
  }

  email(): Locator {
    return this.page.getByLabel('Email notice text');
  }
}
