import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { appRoot } from '../../../src/main/core/paths';
import { ChecklistPage } from './checklist-page';
import { CommunicationPage } from './communication-page';
import { DeploymentPage } from './deployment-page';
import { EvidencePage } from './evidence-page';
import { GatesPage } from './gates-page';
import { StartPage } from './start-page';

/** Where the e2e run leaves its screenshots (gitignored); the README's come from here. */
export const SCREENSHOT_DIR = join(appRoot(), 'test-results', 'screenshots');

/** The laptop the console is designed for: a 13-inch screen. */
export const LAPTOP_VIEWPORT = { width: 1280, height: 800 };

/**
 * The console as a release engineer sees it, one module per screen. Tests speak in these terms; locators live
 * here (by role and label), so a markup change is fixed in one place.
 */
export class ConsolePage {
  readonly start: StartPage;
  readonly checklist: ChecklistPage;
  readonly deployment: DeploymentPage;
  readonly gates: GatesPage;
  readonly evidence: EvidencePage;
  readonly communication: CommunicationPage;

  constructor(readonly page: Page) {
    this.start = new StartPage(page);
    this.checklist = new ChecklistPage(page);
    this.deployment = new DeploymentPage(page, this);
    this.gates = new GatesPage(page, this);
    this.evidence = new EvidencePage(page, this);
    this.communication = new CommunicationPage(page, this);
  }

  /** Opens the console at the host's URL and waits for the app's ready signal. */
  async open(url: string): Promise<this> {
    await this.page.setViewportSize(LAPTOP_VIEWPORT);
    await this.page.goto(url);
    await this.waitReady();
    return this;
  }

  async waitReady(): Promise<void> {
    await this.page.locator('[data-app-state="ready"]').waitFor();
  }

  /** The run on screen, from the run bar. */
  runId(): Promise<string | null> {
    return this.page.locator('.run-bar').getAttribute('data-run-id');
  }

  /** Waits until the run has an outcome (released, rolled-back, ...) and returns it. */
  async waitForOutcome(timeout = 120_000): Promise<string> {
    await this.page.locator('.run-bar:not([data-outcome="open"])').waitFor({ timeout });
    return (await this.page.locator('.run-bar').getAttribute('data-outcome')) ?? '';
  }

  headline(): Locator {
    return this.page.getByRole('status', { name: 'Headline' });
  }

  tab(name: 'Step' | 'Deployment' | 'Gates' | 'Evidence' | 'Communication'): Locator {
    return this.page.getByRole('tab', { name: new RegExp(`^${name}`) });
  }

  async openTab(
    name: 'Step' | 'Deployment' | 'Gates' | 'Evidence' | 'Communication',
  ): Promise<void> {
    await this.tab(name).click();
    await this.page.locator(`[role="tab"][aria-selected="true"]`, { hasText: name }).waitFor();
  }

  /** The error surface's entries, as text (empty when nothing failed). */
  async errors(): Promise<string[]> {
    return this.page.locator('.errors .error').allTextContents();
  }

  /** What a failing test should print: the headline, every step's state, the deployment and the errors shown. */
  async diagnose(): Promise<string> {
    return this.page.evaluate(() => {
      const text = (selector: string) => document.querySelector(selector)?.textContent ?? '—';
      const steps = [
        ...document.querySelectorAll('nav[aria-label="Checklist"] [data-step-id]'),
      ].map(
        (step) =>
          `${step.getAttribute('data-step-id')}=${step.getAttribute('data-state')}${step.getAttribute('data-next') ? '*' : ''}`,
      );
      return [
        `view: ${document.querySelector('.app')?.getAttribute('data-view') ?? '?'}`,
        `headline: ${text('.headline')}`,
        `outcome: ${document.querySelector('.run-bar')?.getAttribute('data-outcome') ?? '—'}`,
        `deployment: ${text('.run-bar-deployment')}`,
        `steps: ${steps.join(' ')}`,
        `errors: ${[...document.querySelectorAll('.errors .error')].map((e) => e.textContent).join(' | ')}`,
      ].join('\n');
    });
  }

  async screenshot(name: string, colorScheme: 'light' | 'dark' = 'light'): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}${colorScheme === 'dark' ? '-dark' : ''}.png`);
    await this.page.emulateMedia({ colorScheme });
    await this.page.screenshot({ path });
    if (colorScheme === 'dark') await this.page.emulateMedia({ colorScheme: 'light' });
    return path;
  }
}
