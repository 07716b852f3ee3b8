import { readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { isTerminalStatus } from '../aws/model';
import type { DeploymentWatch } from '../aws/watch';
import type { EvidenceStore } from '../evidence/store';
import type { JournalEntry } from '../evidence/types';
import { AppError, toErrorShape } from '../errors';
import type { EventBus } from '../events/event-bus';
import { createLogger } from '../log';
import type {
  JournalEntryView,
  Notice,
  RunOutcome,
  RunSummary,
  RunView,
} from '../../../shared/domain/run';
import {
  approveGuard,
  deriveRunView,
  derailment,
  isSatisfied,
  rollbackGuard,
  stepStatuses,
  templateContext,
  terminateBlueGuard,
  ancestorsOf,
} from './derive';
import type { EnvironmentProvider, ReleaseEnvironment } from './environments';
import { executors, type ExecContext, type ExecResult } from './executors';
import {
  foldJournal,
  storeOutcome,
  subjects,
  type DeploymentObservation,
  type RunFacts,
} from './facts';
import { summarizeEntry, toEntryView } from './journal-view';
import { operations, thresholdNames, type ThresholdName } from './operations';
import { resolveValue } from './template';
import type { Runbook, RunbookStep } from './types';

const log = createLogger('runbook');

export type EngineOptions = {
  store: EvidenceStore;
  environments: EnvironmentProvider;
  runbook: Runbook;
  bus?: EventBus | undefined;
  /** Who acts when no identity is known (the OS user by default). */
  localOperator?: () => string;
  /** Throttle for run.updated events (ms). */
  updateIntervalMs?: number;
};

export type ExportSummary = { path: string; files: number; bytes: number; zipPath?: string };

export type StartInput = { environment: string; version: string; rehearsal?: boolean };

export type AutoRunOptions = {
  signal?: AbortSignal;
  /** Called for every step state change the walk causes or sees (for printing). */
  onStep?: (event: {
    stepId: string;
    title: string;
    state: string;
    summary: string | undefined;
  }) => void;
};

/** One run in memory: its journal (mirrored), what runs now, the watchers, and who waits for a change. */
class RunController {
  entries: JournalEntry[] = [];
  private cached: { length: number; facts: RunFacts } | undefined;
  readonly running = new Map<string, AbortController>();
  readonly tasks = new Set<Promise<void>>();
  readonly output = new Map<string, string[]>();
  readonly watchers = new Map<
    string,
    { watch: DeploymentWatch; role: 'release' | 'rollback' | 'redeploy' }
  >();
  readonly waiters = new Set<() => void>();
  /** The automatic export of a released run's bundle, while it runs. */
  exporting: Promise<ExportSummary | undefined> | undefined;
  env: ReleaseEnvironment | undefined;
  bundlePath: string | undefined;
  pendingJournal: JournalEntryView[] = [];
  updateTimer: NodeJS.Timeout | undefined;
  attached: Promise<void> | undefined;
  closed = false;
  readySince = new Map<string, number>();
  terminationSince = new Map<string, number>();

  constructor(readonly runId: string) {}

  facts(): RunFacts {
    if (this.cached?.length !== this.entries.length) {
      this.cached = { length: this.entries.length, facts: foldJournal(this.runId, this.entries) };
    }
    return this.cached.facts;
  }

  poke(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves on the next change (an entry, a step ending) or after `ms`. */
  changed(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'operator';
  }
}

/** The name an STS ARN gives a person (`.../AWSReservedSSO_Role_x/ana@corp` -> `ana@corp`). */
function nameOfArn(arn: string): string {
  const last = arn.split('/').at(-1);
  return last !== undefined && last !== '' ? last : arn;
}

/**
 * The runbook engine: walks runs through the runbook, with every fact journaled in the evidence store and every
 * state derived from that journal (derive.ts), so a restart is a replay. Mutating AWS calls are intent -> call ->
 * outcome; on resume, intents without outcomes are reconciled with AWS before anything is sent again, and a
 * deployment in flight is watched again. Emits `run.updated`, `journal.appended` and `app.progress` on the bus.
 */
export class RunbookEngine {
  private readonly runs = new Map<string, RunController>();
  private readonly unsubscribe: () => void;
  private readonly exportsFile: string;
  private readonly exports: Record<string, string>;
  private closing = false;

  constructor(private readonly options: EngineOptions) {
    this.unsubscribe = options.store.onEntry((entry) => this.onEntry(entry));
    this.exportsFile = join(options.store.dataDir, 'exports.json');
    this.exports = readExports(this.exportsFile);
  }

  get runbook(): Runbook {
    return this.options.runbook;
  }

  private get store(): EvidenceStore {
    return this.options.store;
  }

  /** Starts a run: operator identity, run-created, the run's settings and the engine's first life. */
  async start(input: StartInput): Promise<RunView> {
    const open = this.store
      .listRuns({ environment: input.environment })
      .find((r) => r.outcome === null);
    if (open !== undefined) {
      throw new AppError(
        'run-in-progress',
        `Run ${open.id} (${open.environment} ${open.version}) is still in progress: finish or resume it before starting another in ${input.environment}.`,
        { runId: open.id },
      );
    }
    const env = await this.options.environments.get(input.environment);
    let operator: { name: string; arn?: string; accountId?: string } = {
      name: (this.options.localOperator ?? localUser)(),
    };
    try {
      const id = await env.session.identity();
      operator = { name: nameOfArn(id.arn), arn: id.arn, accountId: id.account };
    } catch (error) {
      log.warn('identity unknown at run start; the local user name is recorded', {
        code: toErrorShape(error).code,
      });
    }
    const run = this.store.createRun({
      environment: input.environment,
      version: input.version,
      runbook: { id: this.runbook.id, hash: this.runbook.hash },
      operator,
    });
    const c = new RunController(run.id);
    c.env = this.registeringSecrets(env);
    this.runs.set(run.id, c);
    c.entries = this.loadEntries(run.id);
    c.attached = Promise.resolve();
    this.store.recordObservation(run.id, {
      subject: subjects.settings,
      data: {
        rehearsal: input.rehearsal === true,
        timeScale: env.timeScale,
        environmentKind: env.environment.kind,
        runbookTitle: this.runbook.title,
        runbookSource: this.runbook.source,
      },
    });
    this.store.recordObservation(run.id, {
      subject: subjects.life,
      data: { life: 1, pid: process.pid, host: hostname(), reason: 'start' },
    });
    return this.view(c);
  }

  /** Re-attaches every unfinished run (after a restart): reconcile, watch again. Errors are journaled, not thrown. */
  async resumeAll(): Promise<void> {
    const open = this.store.listRuns({ limit: 50 }).filter((r) => r.outcome === null);
    for (const run of open) {
      try {
        await this.controller(run.id);
      } catch (error) {
        log.warn('could not resume a run', { runId: run.id, error: toErrorShape(error).message });
      }
    }
  }

  /** The run's snapshot (attaching it first if this process has not yet). */
  async get(runId: string): Promise<RunView> {
    return this.view(await this.controller(runId));
  }

  /** Runs, unfinished ones first, newest first within each. */
  list(): RunSummary[] {
    const runs = this.store.listRuns({ limit: 100 });
    const summaries = runs.map((r): RunSummary => {
      const c = this.runs.get(r.id);
      const facts = c?.facts() ?? foldJournal(r.id, this.loadEntries(r.id));
      const view = deriveRunView(facts, this.deriveContext(c, facts));
      return {
        id: r.id,
        environment: r.environment,
        version: r.version,
        startedAt: r.startedAt,
        ...(view.endedAt === undefined ? {} : { endedAt: view.endedAt }),
        ...(view.outcome === undefined ? {} : { outcome: view.outcome }),
        headline: view.headline,
      };
    });
    return [
      ...summaries.filter((s) => s.outcome === undefined),
      ...summaries.filter((s) => s.outcome !== undefined),
    ];
  }

  /** Runs a check, action or gate step (or retries a failed one). Returns at once; progress comes as events. */
  async runStep(runId: string, stepId: string, options: { actor?: string } = {}): Promise<RunView> {
    const step = this.step(stepId);
    // The approve and rollback steps have their own requests: approve re-checks its guard, a rollback needs a reason.
    if (step.operation === 'codedeploy.approve') return this.approve(runId, options);
    if (
      step.operation === 'codedeploy.stop-with-rollback' ||
      step.operation === 'codedeploy.redeploy-last-known-good'
    ) {
      throw new AppError(
        'rollback-needs-reason',
        `'${step.title}' is started with Roll back, which records your reason.`,
        { stepId },
      );
    }
    const c = await this.controller(runId);
    const status = stepStatuses(this.runbook, c.facts(), this.statusContext(c)).get(stepId);
    if (status === undefined || !status.canRun) {
      throw new AppError(
        'step-not-runnable',
        `'${step.title}' cannot run now: ${status?.blockedReason ?? status?.state ?? 'unknown step'}.`,
        {
          stepId,
          state: status?.state,
        },
      );
    }
    this.launch(c, step, options.actor);
    return this.view(c);
  }

  /** Cancels a running step (its executor is aborted; the step is recorded as cancelled and can run again). */
  async cancel(runId: string, stepId: string): Promise<RunView> {
    const c = await this.controller(runId);
    const running = c.running.get(stepId);
    if (running === undefined)
      throw new AppError('step-not-running', `'${this.step(stepId).title}' is not running.`, {
        stepId,
      });
    running.abort();
    return this.view(c);
  }

  /** Marks a failed gate (or overridable check) as overridden, with the written reason recorded. */
  async override(runId: string, stepId: string, reason: string, actor?: string): Promise<RunView> {
    const c = await this.controller(runId);
    const step = this.step(stepId);
    const status = stepStatuses(this.runbook, c.facts(), this.statusContext(c)).get(stepId);
    if (!status?.canOverride) {
      throw new AppError(
        'step-not-overridable',
        `'${step.title}' cannot be overridden (${status?.state ?? 'unknown'}: only a failed gate or overridable check can).`,
        { stepId },
      );
    }
    if (reason.trim().length < 10)
      throw new AppError(
        'override-needs-reason',
        'An override needs a written reason of at least 10 characters.',
        { stepId },
      );
    const f = c.facts().steps.get(stepId);
    this.store.recordOverride(runId, {
      stepId,
      reason: reason.trim(),
      gate: { summary: f?.summary ?? null },
      ...(actor ? { actor } : {}),
    });
    // An override can be what the run was waiting for (the last gate before its end).
    this.settle(c);
    return this.view(c);
  }

  /** Records a human fact (attestation) with identity and time, and optionally a note, a link and a file. */
  async attest(
    runId: string,
    stepId: string,
    input: {
      note?: string;
      link?: string;
      attachment?: { name: string; mediaType?: string; contentBase64: string };
      actor?: string;
    } = {},
  ): Promise<RunView> {
    const c = await this.controller(runId);
    const step = this.step(stepId);
    const status = stepStatuses(this.runbook, c.facts(), this.statusContext(c)).get(stepId);
    if (!status?.canAttest) {
      throw new AppError(
        'step-not-attestable',
        `'${step.title}' cannot be attested now: ${status?.blockedReason ?? status?.state ?? 'not an attestation'}.`,
        { stepId },
      );
    }
    const attachments: string[] = [];
    if (input.attachment !== undefined) {
      const stored = await this.store.addAttachment(runId, {
        source: { buffer: Buffer.from(input.attachment.contentBase64, 'base64') },
        name: input.attachment.name,
        stepId,
        ...(input.attachment.mediaType ? { mediaType: input.attachment.mediaType } : {}),
        ...(input.actor ? { actor: input.actor } : {}),
      });
      attachments.push(stored.sha256);
    }
    const tctx = templateContext(c.facts(), c.env?.environment);
    const statement =
      step.statement === undefined ? step.title : resolveDisplay(step.statement, tctx);
    this.store.recordAttestation(runId, {
      stepId,
      statement,
      ...(input.note === undefined ? {} : { note: input.note }),
      ...(input.link === undefined ? {} : { link: input.link }),
      ...(attachments.length > 0 ? { attachments } : {}),
      rehearsal: c.facts().settings.rehearsal,
      ...(input.actor ? { actor: input.actor } : {}),
    });
    // The last step of a run is often an attestation (Confluence updated, incident decision): it can end the run.
    this.settle(c);
    return this.view(c);
  }

  /**
   * Approve (ContinueDeployment READY_WAIT). With `overrideReason`, every failed gate before it is first overridden
   * with that reason (recorded per gate); otherwise approve is refused unless every gate passed.
   */
  async approve(
    runId: string,
    options: { overrideReason?: string; actor?: string } = {},
  ): Promise<RunView> {
    const c = await this.controller(runId);
    const approveStep = this.runbook.steps.find((s) => s.operation === 'codedeploy.approve');
    if (approveStep === undefined)
      throw new AppError('no-approve-step', 'This runbook has no approve step.');
    if (options.overrideReason !== undefined) {
      const statuses = stepStatuses(this.runbook, c.facts(), this.statusContext(c));
      for (const id of ancestorsOf(this.runbook, approveStep.id)) {
        if (statuses.get(id)?.state === 'failed' && statuses.get(id)?.canOverride) {
          await this.override(runId, id, options.overrideReason, options.actor);
        }
      }
    }
    const guard = approveGuard(
      this.runbook,
      c.facts(),
      new Set(c.running.keys()),
      c.env?.environment,
    );
    if (!guard.ok)
      throw new AppError('approve-refused', `Approve is not possible: ${guard.reason}.`, {
        reason: guard.reason,
      });
    this.launch(c, approveStep, options.actor);
    return this.view(c);
  }

  /**
   * Rollback: StopDeployment(autoRollbackEnabled) while the deployment is active (CodeDeploy starts the rollback
   * deployment, which is followed to its end), or a redeploy of the last known good once it has Succeeded.
   */
  async rollback(runId: string, reason: string, actor?: string): Promise<RunView> {
    const c = await this.controller(runId);
    const guard = rollbackGuard(c.facts());
    if (!guard.ok)
      throw new AppError('rollback-refused', `Rollback is not possible: ${guard.reason}.`, {
        reason: guard.reason,
      });
    if (reason.trim().length < 10)
      throw new AppError(
        'rollback-needs-reason',
        'A rollback needs a written reason of at least 10 characters.',
      );
    const operation =
      guard.via === 'stop'
        ? 'codedeploy.stop-with-rollback'
        : 'codedeploy.redeploy-last-known-good';
    const step = this.runbook.steps.find((s) => s.operation === operation);
    if (step === undefined)
      throw new AppError('no-rollback-step', `This runbook has no ${operation} step.`);
    this.store.recordObservation(runId, {
      subject: subjects.rollbackRequested,
      data: { reason: reason.trim(), via: guard.via ?? 'stop' },
      ...(actor ? { actor } : {}),
    });
    // What depends on the deployment no longer means anything: stop gates and waits now.
    const dependants = new Set(
      this.runbook.steps
        .filter((s) => ancestorsOf(this.runbook, s.id).has('create-deployment'))
        .map((s) => s.id),
    );
    for (const [id, controller] of c.running)
      if (dependants.has(id) && id !== step.id) controller.abort();
    this.launch(c, step, actor);
    return this.view(c);
  }

  /** ContinueDeployment(TERMINATION_WAIT): removes the blue task set now instead of at the end of the wait. */
  async terminateBlue(runId: string, actor?: string): Promise<RunView> {
    const c = await this.controller(runId);
    const guard = terminateBlueGuard(c.facts());
    if (!guard.ok)
      throw new AppError('terminate-refused', `Blue cannot be removed now: ${guard.reason}.`);
    const env = this.envOf(c);
    const id = c.facts().deploymentId as string;
    for (const w of c.watchers.values())
      if (w.role === 'release') w.watch.expectAction('continue-termination');
    const { intentId } = this.store.recordIntent(runId, {
      stepId: 'deployment-succeeded',
      action: 'codedeploy:ContinueDeployment',
      request: { deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' },
      ...(actor ? { actor } : {}),
    });
    try {
      const r = await env.driver.finishTermination(id);
      this.store.recordOutcome(intentId, {
        status: 'succeeded',
        response: { requestId: r.meta.requestId ?? null },
      });
    } catch (error) {
      this.store.recordOutcome(intentId, { status: 'failed', error: errorRecord(error) });
      throw error;
    }
    return this.view(c);
  }

  /** The journal of a run, as the evidence timeline shows it. */
  async journal(
    runId: string,
    afterSeq = 0,
    limit = 1000,
  ): Promise<{ entries: JournalEntryView[]; total: number }> {
    const c = await this.controller(runId, { attach: false });
    const entries = c.entries.filter((e) => e.seq > afterSeq).slice(0, limit);
    return { entries: entries.map(toEntryView), total: c.entries.length };
  }

  /** Name and media type of a stored artifact, from the journal entry that recorded it. */
  artifactInfo(sha256: string): { name: string; mediaType: string } | undefined {
    for (const c of this.runs.values()) {
      for (const e of c.entries) {
        const p = e.payload as { sha256?: string; name?: string; mediaType?: string } | null;
        if ((e.kind === 'artifact' || e.kind === 'attachment') && p?.sha256 === sha256) {
          return { name: p.name ?? sha256, mediaType: p.mediaType ?? 'application/octet-stream' };
        }
      }
    }
    return undefined;
  }

  /** The Slack summary and the email notice rendered from the run's evidence and the template. */
  async notices(runId: string): Promise<Notice> {
    const c = await this.controller(runId, { attach: false });
    const env = await this.ensureEnv(c);
    const rendered = await this.renderNotices(c, env);
    const facts = c.facts();
    const posted = facts.outcomes.findLast(
      (o) => o.action === 'slack:PostMessage' && o.status === 'succeeded',
    );
    const postedAt = facts.intents.find((i) => i.intentId === posted?.intentId)?.time;
    return {
      slack: rendered.slack,
      email: rendered.email,
      isSlackConfigured: env.integrations.has('slack'),
      ...(postedAt === undefined ? {} : { slackPostedAt: postedAt }),
      templateSource: rendered.templateSource,
    };
  }

  /** Posts the Slack summary where a webhook is configured; journaled either way (while the run is open). */
  async sendSlack(runId: string, actor?: string): Promise<{ sent: boolean; message: string }> {
    const c = await this.controller(runId, { attach: false });
    const env = await this.ensureEnv(c);
    const { slack } = await this.renderNotices(c, env);
    const isOpen = c.facts().finished === undefined;
    const webhook = await env.slackWebhook();
    if (webhook === undefined) {
      const message = `No Slack webhook is configured for ${env.environment.name}: nothing was sent.`;
      if (isOpen)
        this.store.recordObservation(runId, {
          subject: 'notice-not-sent',
          data: { channel: 'slack', reason: message },
          ...(actor ? { actor } : {}),
        });
      return { sent: false, message };
    }
    const { postToSlack } = await import('../notify/slack');
    const intent = isOpen
      ? this.store.recordIntent(runId, {
          action: 'slack:PostMessage',
          request: { characters: slack.length },
          ...(actor ? { actor } : {}),
        })
      : undefined;
    try {
      const r = await postToSlack(webhook, slack);
      if (intent)
        this.store.recordOutcome(intent.intentId, {
          status: 'succeeded',
          response: { status: r.status },
        });
      return { sent: true, message: 'Posted the summary to Slack.' };
    } catch (error) {
      if (intent)
        this.store.recordOutcome(intent.intentId, { status: 'failed', error: errorRecord(error) });
      return { sent: false, message: toErrorShape(error).message };
    }
  }

  /** Writes the run's evidence bundle to the release vault (progress as app.progress events). */
  async exportBundle(
    runId: string,
    options: { zip?: boolean; vaultRoot?: string } = {},
  ): Promise<ExportSummary> {
    const c = await this.controller(runId, { attach: false });
    const env = await this.ensureEnv(c);
    const { exportBundle } = await import('../vault/export');
    const bus = this.options.bus;
    const result = await exportBundle(this.store, runId, {
      vaultRoot: options.vaultRoot ?? env.vaultRoot,
      ...(options.zip === undefined ? {} : { zip: options.zip }),
      onProgress: (p) =>
        bus?.emit('app.progress', {
          task: `export ${runId}`,
          done: p.bytesDone,
          total: Math.max(p.bytesTotal, p.bytesDone),
          label: p.phase,
        }),
    });
    c.bundlePath = result.dir;
    this.exports[runId] = result.dir;
    try {
      writeFileSync(this.exportsFile, JSON.stringify(this.exports, null, 2));
    } catch (error) {
      log.warn('could not remember the bundle path', { error: (error as Error).message });
    }
    this.scheduleUpdate(c);
    return {
      path: result.dir,
      files: result.files,
      bytes: result.bytes,
      ...(result.zipPath === null ? {} : { zipPath: result.zipPath }),
    };
  }

  /**
   * Walks the whole runbook unattended (rehearsal): attestations are recorded as rehearsal, checks/actions/gates
   * run as soon as they are ready, Approve happens once every gate passed, a failed gate or check after the
   * deployment exists rolls it back, a failure before any AWS change stops the run. Resolves with the final view.
   */
  async autoRun(runId: string, options: AutoRunOptions = {}): Promise<RunView> {
    const c = await this.controller(runId);
    const signal = options.signal;
    const retried = new Set<string>();
    const seen = new Map<string, string>();
    const report = (): void => {
      if (options.onStep === undefined) return;
      const view = this.view(c);
      for (const step of view.sections.flatMap((s) => s.steps)) {
        const key = `${step.state}|${step.summary ?? ''}`;
        if (seen.get(step.id) !== key && step.state !== 'pending' && step.state !== 'ready') {
          seen.set(step.id, key);
          options.onStep({
            stepId: step.id,
            title: step.title,
            state: step.state,
            summary: step.summary,
          });
        }
      }
    };
    while (signal?.aborted !== true && !this.closing) {
      report();
      const facts = c.facts();
      if (facts.outcome !== undefined) break;
      const statuses = stepStatuses(this.runbook, facts, this.statusContext(c));
      const derailed = derailment(facts);
      const isRunning = c.running.size > 0;
      const failed = this.runbook.steps.filter(
        (s) =>
          s.when === 'always' && statuses.get(s.id)?.state === 'failed' && !c.running.has(s.id),
      );
      if (failed.length > 0 && derailed === undefined) {
        const first = failed[0] as RunbookStep;
        const f = facts.steps.get(first.id);
        const thrown = f?.data['thrown'] === true && f.data['retryable'] === true;
        if (thrown && !retried.has(first.id)) {
          retried.add(first.id);
          this.launch(c, first);
          continue;
        }
        const d = facts.deployment?.deployment;
        if (facts.deploymentId !== undefined && (d === undefined || !isTerminalStatus(d.status))) {
          await this.rollback(
            runId,
            `rehearsal: '${first.title}' failed: ${f?.summary ?? 'see its evidence'}`,
          );
          continue;
        }
        if (!isRunning && facts.pendingIntents.size === 0) {
          const isRefusal = failed.some((s) => s.operation === 'codedeploy.no-active-deployment');
          const outcome: RunOutcome =
            facts.deploymentId === undefined ? (isRefusal ? 'refused' : 'stopped') : 'failed';
          const nothing = facts.intents.length === 0 ? ' Nothing was changed in AWS.' : '';
          this.finish(c, outcome, `'${first.title}' failed: ${f?.summary ?? ''}${nothing}`.trim());
          continue;
        }
      }
      let launched = false;
      for (const step of this.runbook.steps) {
        if (step.when === 'on-demand') continue;
        const st = statuses.get(step.id);
        if (st?.state !== 'ready') continue;
        if (step.kind === 'attestation') {
          await this.attest(runId, step.id, {
            note: 'Rehearsal: attested automatically, nothing real was confirmed.',
          });
          launched = true;
          break;
        }
        if (!c.running.has(step.id)) {
          this.launch(c, step);
          launched = true;
        }
      }
      if (!launched) await c.changed(500, signal);
      else await Promise.resolve();
    }
    report();
    return this.view(c);
  }

  /** Waits for the running steps of a run to end (tests, shutdown). */
  async settled(runId: string): Promise<ExportSummary | undefined> {
    const c = this.runs.get(runId);
    while (c !== undefined && c.tasks.size > 0) await Promise.allSettled([...c.tasks]);
    return c?.exporting;
  }

  /** Stops watchers and running steps (they are recorded as interrupted on the next start). */
  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    for (const c of this.runs.values()) {
      c.closed = true;
      for (const w of c.watchers.values()) w.watch.stop();
      for (const r of c.running.values()) r.abort();
      clearTimeout(c.updateTimer);
    }
    await Promise.allSettled([...this.runs.values()].flatMap((c) => [...c.tasks]));
  }

  // ---- internals

  private step(stepId: string): RunbookStep {
    const step = this.runbook.steps.find((s) => s.id === stepId);
    if (step === undefined)
      throw new AppError('step-unknown', `The runbook has no step '${stepId}'.`, { stepId });
    return step;
  }

  private loadEntries(runId: string): JournalEntry[] {
    const all: JournalEntry[] = [];
    let after = 0;
    for (;;) {
      const page = this.store.listJournal(runId, { afterSeq: after, limit: 10_000 });
      all.push(...page);
      if (page.length < 10_000) break;
      after = page.at(-1)?.seq ?? after;
    }
    return all;
  }

  /** The run's controller; attaching (reconcile, re-watch) the first time this process sees an unfinished run. */
  private async controller(
    runId: string,
    options: { attach?: boolean } = {},
  ): Promise<RunController> {
    let c = this.runs.get(runId);
    if (c === undefined) {
      this.store.getRun(runId); // run_unknown when there is no such run
      c = new RunController(runId);
      c.entries = this.loadEntries(runId);
      c.bundlePath = this.exports[runId];
      this.runs.set(runId, c);
    }
    if (options.attach !== false && c.attached === undefined && c.facts().finished === undefined) {
      const ctl = c;
      c.attached = this.attach(ctl).catch((error: unknown) => {
        ctl.attached = undefined;
        throw error;
      });
    }
    if (options.attach !== false && c.attached !== undefined) await c.attached;
    return c;
  }

  private async ensureEnv(c: RunController): Promise<ReleaseEnvironment> {
    c.env ??= this.registeringSecrets(await this.options.environments.get(c.facts().environment));
    return c.env;
  }

  /**
   * The environment with its integration secrets (the Slack webhook, the Grafana token) handed to the evidence
   * store's redactor the moment they are resolved: no step journals them, and should one ever quote one (an error
   * echoing a URL, a response body), the journal still stores it redacted.
   */
  private registeringSecrets(env: ReleaseEnvironment): ReleaseEnvironment {
    return {
      ...env,
      slackWebhook: async () => {
        const webhook = await env.slackWebhook();
        if (webhook !== undefined) this.store.addSecretValues([webhook]);
        return webhook;
      },
      grafana: async () => {
        const grafana = await env.grafana();
        if (grafana !== undefined) this.store.addSecretValues([grafana.token]);
        return grafana;
      },
    };
  }

  private envOf(c: RunController): ReleaseEnvironment {
    if (c.env === undefined)
      throw new AppError('environment-not-ready', "The run's environment is not loaded yet.");
    return c.env;
  }

  /**
   * A new life of the engine for an unfinished run: record it, mark steps that were running as interrupted,
   * reconcile intents without outcomes with AWS (adopt a deployment created just before the crash; never create a
   * second), then watch any deployment of the run again.
   */
  private async attach(c: RunController): Promise<void> {
    const env = await this.ensureEnv(c);
    const facts = c.facts();
    const life = facts.lives.length + 1;
    this.store.recordObservation(c.runId, {
      subject: subjects.life,
      data: { life, pid: process.pid, host: hostname(), reason: 'resume' },
    });
    for (const [stepId, s] of facts.steps) {
      if (s.state === 'running') {
        this.store.setStepState(c.runId, stepId, 'interrupted', {
          summary: `Greenlight stopped while this step ran (life ${life - 1}); it runs again when needed.`,
          attempt: s.attempt,
        });
      }
    }
    for (const intent of [...facts.pendingIntents.values()]) {
      try {
        await this.reconcileIntent(c, env, intent);
      } catch (error) {
        this.store.recordObservation(c.runId, {
          subject: 'reconcile-failed',
          ...(intent.stepId ? { stepId: intent.stepId } : {}),
          data: { intentId: intent.intentId, action: intent.action, error: errorRecord(error) },
        });
      }
    }
    const after = c.facts();
    if (after.deploymentId !== undefined) this.follow(c, after.deploymentId, 'release');
    const rb = after.deployment?.deployment.rollbackInfo?.rollbackDeploymentId;
    if (
      rb !== undefined &&
      (after.rollback === undefined || !isTerminalStatus(after.rollback.deployment.status))
    )
      this.follow(c, rb, 'rollback');
    if (after.redeployId !== undefined) this.follow(c, after.redeployId, 'redeploy');
    this.settle(c);
  }

  private async reconcileIntent(
    c: RunController,
    env: ReleaseEnvironment,
    intent: RunFacts['intents'][number],
  ): Promise<void> {
    const request = (intent.request ?? {}) as Record<string, unknown>;
    const note = (text: string) => `reconciled after a restart: ${text}`;
    const adoptStep = (
      stepId: string | undefined,
      summary: string,
      data: Record<string, unknown>,
    ) => {
      if (stepId !== undefined)
        this.store.setStepState(c.runId, stepId, 'passed', { summary, data });
    };
    const record = (result: string, extra: Record<string, unknown> = {}) =>
      this.store.recordObservation(c.runId, {
        subject: subjects.reconciled,
        ...(intent.stepId ? { stepId: intent.stepId } : {}),
        data: { intentId: intent.intentId, action: intent.action, result, ...extra },
      });
    switch (intent.action) {
      case 'codedeploy:CreateDeployment':
      case 'codedeploy:CreateDeployment:redeploy': {
        const role = intent.action.endsWith(':redeploy') ? 'redeploy' : 'release';
        const found = await env.driver.reconcile({
          runId: c.runId,
          since: Date.parse(intent.time),
        });
        const d = found.deployment;
        const isOther =
          role === 'redeploy' && d !== undefined && d.deploymentId === c.facts().deploymentId;
        if (d !== undefined && !isOther) {
          this.store.recordOutcome(intent.intentId, {
            status: 'succeeded',
            response: { role, deploymentId: d.deploymentId, how: 'reconciled' },
            note: note(
              `CodeDeploy has deployment ${d.deploymentId} (${d.status}) for this run; adopted, nothing sent again`,
            ),
          });
          if (role === 'release') {
            adoptStep(
              intent.stepId,
              `Adopted deployment ${d.deploymentId}, created just before Greenlight stopped: nothing was sent twice.`,
              {
                deploymentId: d.deploymentId,
                role,
                how: 'reconciled',
              },
            );
          }
          record('adopted', { deploymentId: d.deploymentId });
        } else {
          this.store.recordOutcome(intent.intentId, {
            status: 'failed',
            note: note('CodeDeploy shows no deployment for this run: it was not created'),
            error: { code: 'not-created', message: 'no deployment found for this run' },
          });
          record('not-created');
        }
        return;
      }
      case 'ecs:RegisterTaskDefinition': {
        const current = await env.driver.describeCurrentTaskDefinition();
        if (current.image === request['image'] && current.arn !== request['basedOn']) {
          this.store.recordOutcome(intent.intentId, {
            status: 'succeeded',
            response: { taskDefinitionArn: current.arn },
            note: note(`revision ${current.arn} carries the requested image`),
          });
          adoptStep(
            intent.stepId,
            `Adopted ${current.arn}, registered just before Greenlight stopped.`,
            {
              taskDefinitionArn: current.arn,
              revision: current.taskDefinition.revision,
              image: current.image,
            },
          );
          record('adopted', { taskDefinitionArn: current.arn });
        } else {
          this.store.recordOutcome(intent.intentId, {
            status: 'failed',
            note: note('no revision with the requested image was registered'),
            error: { code: 'not-registered', message: 'not registered' },
          });
          record('not-registered');
        }
        return;
      }
      case 'codedeploy:ContinueDeployment': {
        const id = typeof request['deploymentId'] === 'string' ? request['deploymentId'] : '';
        const { deployment } = await env.driver.getDeployment(id);
        const waitType = request['deploymentWaitType'];
        const applied =
          waitType === 'READY_WAIT'
            ? deployment.status !== 'Ready' &&
              (deployment.terminationWaitStarted ||
                deployment.status === 'InProgress' ||
                deployment.status === 'Succeeded')
            : deployment.status === 'Succeeded';
        if (applied) {
          this.store.recordOutcome(intent.intentId, {
            status: 'succeeded',
            response: { deploymentId: id, status: deployment.status },
            note: note(`the deployment moved on (${deployment.status})`),
          });
          if (waitType === 'READY_WAIT')
            adoptStep(
              intent.stepId,
              `Approved before Greenlight stopped: the deployment moved on to ${deployment.status}.`,
              { deploymentId: id },
            );
          record('applied', { status: deployment.status });
        } else {
          this.store.recordOutcome(intent.intentId, {
            status: 'failed',
            note: note(`the deployment is ${deployment.status}: the call did not take effect`),
            error: { code: 'not-applied', message: deployment.status },
          });
          record('not-applied', { status: deployment.status });
        }
        return;
      }
      case 'codedeploy:StopDeployment': {
        const id = typeof request['deploymentId'] === 'string' ? request['deploymentId'] : '';
        const { deployment } = await env.driver.getDeployment(id);
        const stopped = deployment.status === 'Stopped';
        this.store.recordOutcome(intent.intentId, {
          status: stopped ? 'succeeded' : 'unknown',
          response: { deploymentId: id, status: deployment.status },
          note: note(
            stopped ? 'the deployment is Stopped' : `the deployment is ${deployment.status}`,
          ),
        });
        record(stopped ? 'applied' : 'unknown', { status: deployment.status });
        return;
      }
      case 'grafana:CreateAnnotation': {
        // Grafana has no idempotency key: the annotation carries this run's tag, so look for it before the step
        // may post again.
        const grafana = await env.grafana();
        const uid = typeof request['dashboardUID'] === 'string' ? request['dashboardUID'] : '';
        const dashboard = typeof request['dashboard'] === 'string' ? request['dashboard'] : uid;
        if (grafana === undefined || uid === '') {
          this.store.recordOutcome(intent.intentId, {
            status: 'unknown',
            note: note(
              'no Grafana integration to look in; check the dashboard before running the step again',
            ),
          });
          record('unknown');
          return;
        }
        const { findAnnotations, runTag } = await import('../notify/grafana');
        const [found] = await findAnnotations(grafana, {
          dashboardUID: uid,
          tags: [runTag(c.runId)],
        });
        if (found !== undefined) {
          this.store.recordOutcome(intent.intentId, {
            status: 'succeeded',
            response: { annotationId: found.id, dashboardUID: uid, how: 'reconciled' },
            note: note(
              `Grafana has annotation ${found.id} for this run; adopted, nothing sent again`,
            ),
          });
          adoptStep(
            intent.stepId,
            `Adopted annotation ${found.id} on "${dashboard}", made just before Greenlight stopped: nothing was annotated twice.`,
            { annotationId: found.id, dashboardUID: uid, how: 'reconciled' },
          );
          record('adopted', { annotationId: found.id });
        } else {
          this.store.recordOutcome(intent.intentId, {
            status: 'failed',
            note: note('Grafana shows no annotation for this run: it was not made'),
            error: { code: 'not-created', message: 'no annotation found for this run' },
          });
          record('not-created');
        }
        return;
      }
      default:
        this.store.recordOutcome(intent.intentId, {
          status: 'unknown',
          note: note(
            'Greenlight stopped before recording the result; run the step again if needed',
          ),
        });
        record('unknown');
    }
  }

  /** Follows a deployment with the driver's watcher; observations are journaled; a rollback is followed too. */
  private follow(
    c: RunController,
    deploymentId: string,
    role: 'release' | 'rollback' | 'redeploy',
    attempt = 0,
  ): void {
    if (c.watchers.has(deploymentId) || c.closed) return;
    const env = this.envOf(c);
    let pollErrors = 0;
    let lastPollError: string | undefined;
    const watch = env.driver.watch(deploymentId, {
      ...(env.timeScale > 1 ? { pacing: scaledPacing(env.timeScale) } : {}),
      onObservation: (o) => {
        if (c.closed || c.facts().finished !== undefined) return;
        if (o.kind === 'heartbeat') return;
        if (o.kind === 'poll-error') {
          // A failed poll (throttling, a 5xx) is retried by the watcher; it is not a fact about the deployment.
          // Counted and reported with the next observation instead of an fsync'd entry per failure.
          pollErrors += 1;
          lastPollError = o.error?.code;
          return;
        }
        const awsNow = env.session.awsNow();
        if (o.deployment.status === 'Ready' && !c.readySince.has(deploymentId))
          c.readySince.set(deploymentId, awsNow);
        if (o.deployment.terminationWaitStarted && !c.terminationSince.has(deploymentId))
          c.terminationSince.set(deploymentId, awsNow);
        const data: DeploymentObservation & { changes: string[]; outOfBand: unknown[] } = {
          role,
          deployment: o.deployment,
          target: o.target,
          awsNow,
          wallNow: Date.now(),
          timeScale: env.timeScale,
          ...(c.readySince.has(deploymentId) ? { readySince: c.readySince.get(deploymentId) } : {}),
          ...(c.terminationSince.has(deploymentId)
            ? { terminationSince: c.terminationSince.get(deploymentId) }
            : {}),
          changes: o.changes,
          outOfBand: o.outOfBand,
          ...(pollErrors > 0
            ? { pollErrorsSinceLast: pollErrors, lastPollError: lastPollError ?? null }
            : {}),
        };
        pollErrors = 0;
        this.safely(() =>
          this.store.recordObservation(c.runId, { subject: subjects.deployment, data }),
        );
        for (const oob of o.outOfBand) {
          this.safely(() =>
            this.store.recordObservation(c.runId, {
              subject: 'out-of-band',
              data: { deploymentId, ...oob },
            }),
          );
        }
        const rb = o.deployment.rollbackInfo?.rollbackDeploymentId;
        if (role === 'release' && rb !== undefined) this.follow(c, rb, 'rollback');
      },
    });
    c.watchers.set(deploymentId, { watch, role });
    watch.done
      .then((outcome) => {
        c.watchers.delete(deploymentId);
        const rb = outcome.deployment?.rollbackInfo?.rollbackDeploymentId;
        if (role === 'release' && rb !== undefined) this.follow(c, rb, 'rollback');
        this.settle(c);
      })
      .catch((error: unknown) => {
        c.watchers.delete(deploymentId);
        if (c.closed || c.facts().finished !== undefined) return;
        this.safely(() =>
          this.store.recordObservation(c.runId, {
            subject: 'watch-error',
            data: { deploymentId, role, error: errorRecord(error) },
          }),
        );
        // The deployment goes on in AWS whatever our poller does: watch again, a little later.
        if (attempt < 50)
          setTimeout(
            () => this.follow(c, deploymentId, role, attempt + 1),
            Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)),
          ).unref();
      });
  }

  /** Starts a step's executor; the step's state, artifacts and outcome are journaled as it goes. */
  private launch(c: RunController, step: RunbookStep, actor?: string): void {
    if (c.running.has(step.id)) return;
    const env = this.envOf(c);
    if (step.operation === undefined)
      throw new AppError('step-not-runnable', `'${step.title}' is an attestation: attest it.`);
    const controller = new AbortController();
    c.running.set(step.id, controller);
    c.output.set(step.id, []);
    const facts = c.facts();
    const attempt = (facts.steps.get(step.id)?.attempt ?? 0) + 1;
    this.store.setStepState(c.runId, step.id, 'running', { attempt });
    const executor = executors[step.operation];
    const holder: { task?: Promise<void> } = {};
    holder.task = (async () => {
      await Promise.resolve(); // so `holder.task` is assigned before the body can finish
      let result: ExecResult;
      try {
        const ctx = this.execContext(c, env, step, controller.signal, actor);
        result = await executor(ctx);
        for (const artifact of result.artifacts ?? []) {
          await this.store.addArtifact(c.runId, {
            name: artifact.name,
            mediaType: artifact.mediaType,
            source: { buffer: artifact.content },
            stepId: step.id,
          });
        }
        this.store.setStepState(c.runId, step.id, result.status, {
          attempt,
          summary: result.summary,
          data: result.data ?? {},
        });
      } catch (error) {
        if (controller.signal.aborted) {
          this.safely(() =>
            this.store.setStepState(c.runId, step.id, 'cancelled', {
              attempt,
              summary: 'Cancelled.',
            }),
          );
        } else {
          const shape = toErrorShape(error);
          if (shape.code === 'internal')
            log.error('a step failed unexpectedly', { step: step.id, message: shape.message });
          const retryable =
            (shape.detail as { retryable?: unknown } | undefined)?.retryable === true;
          this.safely(() =>
            this.store.setStepState(c.runId, step.id, 'failed', {
              attempt,
              summary: shape.message,
              error: { code: shape.code, message: shape.message },
              data: { thrown: true, retryable },
            }),
          );
        }
      } finally {
        c.running.delete(step.id);
        if (holder.task !== undefined) c.tasks.delete(holder.task);
        c.poke();
        this.settle(c);
        this.scheduleUpdate(c);
      }
    })();
    c.tasks.add(holder.task);
  }

  private execContext(
    c: RunController,
    env: ReleaseEnvironment,
    step: RunbookStep,
    signal: AbortSignal,
    actor: string | undefined,
  ): ExecContext {
    const facts = c.facts();
    const tctx = templateContext(facts, env.environment);
    const spec = step.operation === undefined ? undefined : operations[step.operation];
    const params: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(step.params)) {
      const resolved = resolveValue(value, tctx);
      if (resolved.ok) params[name] = resolved.value;
      else if ((spec?.required as readonly string[] | undefined)?.includes(name)) {
        throw new AppError(
          'runbook-param-missing',
          `'${step.title}': parameter ${name} needs ${resolved.missing}, which is not known yet.`,
          { step: step.id, param: name },
        );
      }
    }
    const thresholds: Partial<Record<ThresholdName, number>> = {};
    for (const [name, value] of Object.entries(step.thresholds)) {
      const resolved = resolveValue(value, tctx);
      if (
        resolved.ok &&
        (thresholdNames as string[]).includes(name) &&
        Number.isFinite(Number(resolved.value))
      ) {
        thresholds[name as ThresholdName] = Number(resolved.value);
      }
    }
    const who = actor ?? facts.operator;
    return {
      runId: c.runId,
      version: facts.version,
      step,
      params,
      thresholds,
      env,
      isRehearsal: facts.settings.rehearsal,
      actor: who,
      signal,
      facts: () => c.facts(),
      output: (line) => {
        const lines = c.output.get(step.id) ?? [];
        lines.push(line);
        if (lines.length > 200) lines.splice(0, lines.length - 200);
        c.output.set(step.id, lines);
        this.scheduleUpdate(c);
      },
      progress: (done, total, label) => {
        this.options.bus?.emit('app.progress', {
          task: `${c.runId}:${step.id}`,
          done: Math.max(0, done),
          total: Math.max(0, total),
          ...(label === undefined ? {} : { label }),
        });
      },
      mutate: async (action, request, call, describe) => {
        const { intentId } = this.store.recordIntent(c.runId, {
          stepId: step.id,
          action,
          request,
          ...(actor ? { actor } : {}),
        });
        try {
          const result = await call();
          this.store.recordOutcome(intentId, { status: 'succeeded', response: describe(result) });
          return result;
        } catch (error) {
          const shape = toErrorShape(error);
          const unclear = [
            'connection-reset',
            'timeout',
            'create-deployment-unconfirmed',
            'malformed-response',
          ].includes(shape.code);
          this.safely(() =>
            this.store.recordOutcome(intentId, {
              status: unclear ? 'unknown' : 'failed',
              error: errorRecord(error),
            }),
          );
          throw error;
        }
      },
      waitFor: (test) =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            if (signal.aborted) {
              c.waiters.delete(check);
              reject(new AppError('step-cancelled', 'Cancelled.'));
              return;
            }
            let value;
            try {
              value = test(c.facts());
            } catch (error) {
              c.waiters.delete(check);
              reject(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            if (value !== undefined) {
              c.waiters.delete(check);
              signal.removeEventListener('abort', check);
              resolve(value);
            }
          };
          c.waiters.add(check);
          signal.addEventListener('abort', check, { once: true });
          check();
        }),
      follow: (deploymentId, role) => this.follow(c, deploymentId, role),
      expect: (action) => {
        for (const w of c.watchers.values()) if (w.role === 'release') w.watch.expectAction(action);
      },
      notices: () => this.renderNotices(c, env),
      bundleHint: () =>
        join(env.vaultRoot, 'governance', 'release_vault', env.environment.name, facts.version),
    };
  }

  private async renderNotices(
    c: RunController,
    env: ReleaseEnvironment,
  ): Promise<{ slack: string; email: string; templateSource: string }> {
    const [{ noticeFacts, renderSlack, renderTemplate }, { loadNoticeTemplate }] =
      await Promise.all([import('../notify/render'), import('../notify/template')]);
    const facts = c.facts();
    const view = this.view(c);
    const last = c.entries.at(-1);
    const image = facts.steps.get('image-in-ecr')?.data ?? {};
    const registered =
      [...facts.steps.values()].find(
        (s) => typeof s.data['taskDefinitionArn'] === 'string' && s.data['revision'] !== undefined,
      )?.data ?? {};
    const nf = noticeFacts(view, {
      ...(typeof image['imageUri'] === 'string' ? { imageUri: image['imageUri'] } : {}),
      ...(typeof image['digest'] === 'string' ? { imageDigest: image['digest'] } : {}),
      ...(typeof registered['taskDefinitionArn'] === 'string'
        ? { taskDefinitionArn: registered['taskDefinitionArn'] }
        : {}),
      evidencePath:
        c.bundlePath ??
        join(env.vaultRoot, 'governance', 'release_vault', env.environment.name, facts.version),
      ...(last === undefined ? {} : { lastEntry: { seq: last.seq, hash: last.hash } }),
    });
    const template = await loadNoticeTemplate(env.vaultRoot);
    return {
      slack: renderSlack(nf),
      email: renderTemplate(template.text, nf).text,
      templateSource: template.source,
    };
  }

  /** Decides whether the run is over (released, rolled back, failed) from its facts; writes the outcome once. */
  private settle(c: RunController): void {
    queueMicrotask(() => {
      if (c.closed) return;
      const facts = c.facts();
      if (facts.outcome !== undefined || c.running.size > 0 || facts.pendingIntents.size > 0)
        return;
      const statuses = stepStatuses(this.runbook, facts, this.statusContext(c));
      const walk = this.runbook.steps.filter((s) => s.when === 'always');
      if (walk.every((s) => isSatisfied(statuses.get(s.id)?.state))) {
        const d = facts.deployment?.deployment;
        this.finish(
          c,
          'released',
          `Production serves ${facts.version} (deployment ${d?.deploymentId ?? facts.deploymentId ?? '?'} Succeeded).`,
        );
        return;
      }
      const derailed = derailment(facts);
      if (derailed === undefined) return;
      const d = facts.deployment?.deployment;
      if (d !== undefined && !isTerminalStatus(d.status)) return;
      const rbId = d?.rollbackInfo?.rollbackDeploymentId;
      if (
        rbId !== undefined &&
        (facts.rollback === undefined || !isTerminalStatus(facts.rollback.deployment.status))
      )
        return;
      if (
        facts.redeployId !== undefined &&
        (facts.redeploy === undefined || !isTerminalStatus(facts.redeploy.deployment.status))
      )
        return;
      if (
        facts.rollbackRequested !== undefined &&
        d?.status === 'Succeeded' &&
        facts.redeployId === undefined
      )
        return;
      const after = this.runbook.steps.filter((s) => s.when === 'after-rollback');
      if (!after.every((s) => isSatisfied(statuses.get(s.id)?.state))) return;
      const code = d?.errorInformation?.code;
      const rolledBack = facts.rollbackRequested !== undefined || code === 'ALARM_ACTIVE';
      const rb = facts.rollback?.deployment;
      const summary = [
        facts.rollbackRequested !== undefined
          ? `Rollback requested: ${facts.rollbackRequested.reason.replace(/\.+$/, '')}.`
          : '',
        d === undefined
          ? ''
          : `Deployment ${d.deploymentId} ended ${d.status}${code ? ` (${code}${d.errorInformation?.message ? `: ${d.errorInformation.message}` : ''})` : ''}.`,
        rb === undefined
          ? ''
          : `Rollback deployment ${rb.deploymentId} ${rb.status}: production is back on the previous release.`,
        facts.redeploy === undefined
          ? ''
          : `Redeploy of the last known good ${facts.redeploy.deployment.deploymentId} ${facts.redeploy.deployment.status}.`,
      ]
        .filter((s) => s !== '')
        .join(' ');
      this.finish(c, rolledBack ? 'rolled-back' : 'failed', summary);
    });
  }

  private finish(c: RunController, outcome: RunOutcome, summary: string): void {
    if (c.facts().outcome !== undefined) return;
    this.store.recordObservation(c.runId, {
      subject: subjects.outcome,
      data: { outcome, summary },
    });
    this.store.finishRun(c.runId, { outcome: storeOutcome(outcome), summary });
    for (const w of c.watchers.values()) w.watch.stop();
    c.poke();
    this.scheduleUpdate(c);
    if (outcome === 'released') {
      // Playbook section 7 / issue: a successful release ends with its bundle in the release vault. The run is
      // closed by now, so the bundle holds the complete journal, run-finished included.
      c.exporting = this.exportBundle(c.runId).catch((error: unknown) => {
        log.error('the release bundle could not be exported; export it again from the run', {
          runId: c.runId,
          message: toErrorShape(error).message,
        });
        return undefined;
      });
    }
  }

  private statusContext(c: RunController | undefined) {
    return {
      environment: c?.env?.environment,
      integrations: c?.env?.integrations ?? new Set<string>(),
      running: new Set(c?.running.keys() ?? []),
    };
  }

  private deriveContext(c: RunController | undefined, facts: RunFacts) {
    const last = c?.entries.at(-1);
    return {
      runbook: this.runbook,
      environment: c?.env?.environment,
      integrations: c?.env?.integrations ?? new Set<string>(),
      running: new Set(c?.running.keys() ?? []),
      output: c?.output ?? new Map<string, string[]>(),
      chain: { ok: true, entries: facts.entries, head: last?.hash ?? '' },
      bundlePath: c?.bundlePath ?? this.exports[facts.runId],
    };
  }

  private view(c: RunController): RunView {
    const facts = c.facts();
    return deriveRunView(facts, this.deriveContext(c, facts));
  }

  private onEntry(entry: JournalEntry): void {
    const c = this.runs.get(entry.runId);
    if (c === undefined) return;
    if ((c.entries.at(-1)?.seq ?? 0) < entry.seq) c.entries.push(entry);
    c.pendingJournal.push(toEntryView(entry));
    c.poke();
    this.scheduleUpdate(c);
  }

  private scheduleUpdate(c: RunController): void {
    const bus = this.options.bus;
    if (bus === undefined || c.updateTimer !== undefined) return;
    c.updateTimer = setTimeout(() => {
      c.updateTimer = undefined;
      const entries = c.pendingJournal.splice(0);
      try {
        if (entries.length > 0) bus.emit('journal.appended', { runId: c.runId, entries });
        bus.emit('run.updated', this.view(c));
      } catch (error) {
        log.error('could not emit a run update', { message: (error as Error).message });
      }
    }, this.options.updateIntervalMs ?? 50);
  }

  private safely(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      const shape = toErrorShape(error);
      if (shape.code !== 'run_finished' && shape.code !== 'store_closed')
        log.warn('could not journal', { code: shape.code, message: shape.message });
    }
  }
}

/**
 * The watcher paces itself for AWS (1 s near transitions, 5 s in long waits). Against the sandbox, whose clock
 * runs `timeScale` times faster, the same pace would miss whole lifecycle phases (at 600x a second is ten minutes
 * of sandbox time), so the intervals shrink with the clock, down to a floor that keeps the poller cheap.
 */
function scaledPacing(timeScale: number) {
  const scale = (ms: number, floor: number): number => Math.max(floor, Math.round(ms / timeScale));
  return {
    fastMs: scale(1_000, 40),
    slowMs: scale(5_000, 80),
    normalMs: scale(2_500, 60),
    settleMs: scale(8_000, 400),
    deadlineLeadMs: scale(10_000, 200),
    throttleBaseMs: scale(2_000, 100),
    errorBaseMs: scale(1_000, 100),
    maxBackoffMs: scale(30_000, 1_000),
  };
}

function resolveDisplay(text: string, tctx: ReturnType<typeof templateContext>): string {
  const r = resolveValue(text, tctx);
  return r.ok ? String(r.value) : text;
}

function errorRecord(error: unknown): { code: string; message: string; requestId?: string } {
  const shape = toErrorShape(error);
  const requestId = (shape.detail as { requestId?: unknown } | undefined)?.requestId;
  return {
    code: shape.code,
    message: shape.message,
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}

function readExports(file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export { summarizeEntry };
