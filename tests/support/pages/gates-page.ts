import type { Locator, Page } from 'playwright-core';
import type { ConsolePage } from './console-page';

/** The gates: the smoke table and the load probe chart. */
export class GatesPage {
  constructor(
    readonly page: Page,
    private readonly console: ConsolePage,
  ) {}

  async show(): Promise<void> {
    await this.console.openTab('Gates');
  }

  smokeRows(): Locator {
    return this.page.getByRole('table', { name: 'Smoke results' }).locator('tbody tr');
  }

  /** Result of each smoke row in the order shown ("failed" / "passed"). */
  async smokeResults(): Promise<string[]> {
    return this.smokeRows().evaluateAll((rows) =>
      rows.map((row) => row.getAttribute('data-result') ?? ''),
    );
  }

  smokeVerdict(): Locator {
    return this.page.getByLabel('Smoke verdict');
  }

  probeChart(): Locator {
    return this.page.getByRole('img', { name: /^Latency histogram/ });
  }

  probeResults(): Locator {
    return this.page.getByLabel('Probe results');
  }
}
