import type { Locator, Page } from 'playwright-core';

export type StepInfo = { id: string; kind: string; state: string; title: string };

/** Step states after which the engine has nothing more to do for a step. */
const SETTLED = ['passed', 'failed', 'overridden', 'attested', 'skipped'];

/** The checklist and the step detail next to it. */
export class ChecklistPage {
  constructor(readonly page: Page) {}

  nav(): Locator {
    return this.page.getByRole('navigation', { name: 'Checklist' });
  }

  step(id: string): Locator {
    return this.nav().locator(`[data-step-id="${id}"]`);
  }

  detail(): Locator {
    return this.page.locator('article.step-detail');
  }

  async stepInfo(locator: Locator): Promise<StepInfo> {
    return locator.evaluate((element) => ({
      id: element.getAttribute('data-step-id') ?? '',
      kind: element.getAttribute('data-kind') ?? '',
      state: element.getAttribute('data-state') ?? '',
      title: element.querySelector('.step-title')?.firstChild?.textContent ?? '',
    }));
  }

  /** The step main marks as next, or undefined when none is (run ended, or everything waits on something). */
  async nextStep(): Promise<StepInfo | undefined> {
    const next = this.nav().locator('[data-next="true"]');
    if ((await next.count()) === 0) return undefined;
    return this.stepInfo(next.first());
  }

  async state(id: string): Promise<string> {
    return (await this.step(id).getAttribute('data-state')) ?? '';
  }

  /** Waits until the step shows one of the states. */
  async waitForState(id: string, states: string[], timeout = 120_000): Promise<string> {
    const selector = states
      .map((state) => `[data-step-id="${id}"][data-state="${state}"]`)
      .join(', ');
    await this.nav().locator(selector).first().waitFor({ timeout });
    return this.state(id);
  }

  /** The step that has keyboard focus, if one has. */
  focusedStepId(): Promise<string | null> {
    return this.page.evaluate(() => document.activeElement?.getAttribute('data-step-id') ?? null);
  }

  /** Opens a step's detail (click, as Enter would). */
  async open(id: string): Promise<void> {
    await this.step(id).click();
    await this.page.locator(`article.step-detail[data-step-id="${id}"]`).waitFor();
  }

  /** Runs (or retries) the open step and waits for it to settle; returns its final state. */
  async run(id: string, timeout = 120_000): Promise<string> {
    await this.open(id);
    await this.detail()
      .getByRole('button', { name: /^(Run|Retry) / })
      .click();
    return this.waitForState(id, SETTLED, timeout);
  }

  /** Confirms the open attestation with a note (and optionally a link) and waits until it is recorded. */
  async attest(id: string, note: string, link?: string): Promise<void> {
    await this.open(id);
    const form = this.detail().getByRole('form', { name: /^Attest / });
    await form.getByRole('textbox', { name: 'Note' }).fill(note);
    if (link !== undefined) await form.getByRole('textbox', { name: 'Link' }).fill(link);
    await form.getByRole('button', { name: 'Confirm and record' }).click();
    await this.waitForState(id, ['attested']);
  }

  /** Opens the override dialog of a step. */
  async openOverride(id: string): Promise<Locator> {
    await this.open(id);
    await this.detail()
      .getByRole('button', { name: /^Override / })
      .click();
    const dialog = this.page.getByRole('dialog', { name: /^Override / });
    await dialog.waitFor();
    return dialog;
  }

  /**
   * Works down the checklist, doing whatever the next step asks (attest, or run), until `stop` says so for the
   * next step, a step fails, or no step is next. Returns where it stopped.
   */
  async workUntil(
    stop: (next: StepInfo) => boolean,
    options: { attestationNote?: string; stepTimeout?: number; maxSteps?: number } = {},
  ): Promise<{ next?: StepInfo; failed?: StepInfo }> {
    const note = options.attestationNote ?? 'Confirmed during the release window (e2e).';
    for (let i = 0; i < (options.maxSteps ?? 80); i += 1) {
      const next = await this.waitForNextOrIdle();
      if (next === undefined) return {};
      if (stop(next)) return { next };
      if (next.kind === 'attestation') {
        await this.attest(next.id, note);
        continue;
      }
      if (next.state === 'running') {
        await this.waitForState(next.id, SETTLED, options.stepTimeout);
      } else {
        await this.run(next.id, options.stepTimeout);
      }
      const state = await this.state(next.id);
      if (state === 'failed') return { failed: { ...next, state } };
    }
    throw new Error('workUntil: too many steps');
  }

  /** The next step, once the checklist shows one or shows that nothing is running (idle). */
  private async waitForNextOrIdle(): Promise<StepInfo | undefined> {
    await this.page.waitForFunction(() => {
      const nav = document.querySelector('nav[aria-label="Checklist"]');
      if (nav === null) return false;
      return (
        nav.querySelector('[data-next="true"]') !== null ||
        nav.querySelector('[data-state="running"]') === null
      );
    });
    return this.nextStep();
  }
}
