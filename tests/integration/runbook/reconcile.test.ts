import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listDeployments } from '../../../src/main/core/aws/prechecks';
import { parseSecretRef } from '../../../src/main/core/config/secret-ref';
import { sandboxEnvironment } from '../../../src/main/core/config/sandbox-environment';
import { openEvidenceStore, type EvidenceStore } from '../../../src/main/core/evidence/store';
import { RunbookEngine } from '../../../src/main/core/runbook/engine';
import {
  releaseEnvironment,
  type EnvironmentProvider,
  type ReleaseEnvironment,
} from '../../../src/main/core/runbook/environments';
import { foldJournal } from '../../../src/main/core/runbook/facts';
import { loadRunbook } from '../../../src/main/core/runbook/load';
import { createAnnotation, findDashboard, runTag } from '../../../src/main/core/notify/grafana';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import type { IntegrationsSnapshot } from '../../../src/main/core/sandbox/integrations';

process.env['GREENLIGHT_LOG'] = 'silent';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: {
    slackWebhook?: string;
    /** A Grafana token configured for the environment (by reference) instead of the sandbox's own. */
    grafanaToken?: string;
    noIntegrations?: boolean;
    timeScale?: number;
  } = {},
): Promise<{
  sandbox: Sandbox;
  store: EvidenceStore;
  env: ReleaseEnvironment;
  provider: EnvironmentProvider;
  dataDir: string;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gl-reconcile-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const sandbox = await startSandbox({ scenario: 'happy', timeScale: options.timeScale ?? 60 });
  cleanups.push(() => sandbox.close());
  const { store } = await openEvidenceStore({ dataDir });
  cleanups.push(() => store.close());
  const base = sandboxEnvironment(sandbox);
  const ref = (text: string) =>
    parseSecretRef(text) as NonNullable<ReturnType<typeof parseSecretRef>>;
  const environment = {
    ...base,
    integrations: {
      ...(options.slackWebhook === undefined
        ? {}
        : { slack: { webhookUrl: ref('env:GL_TEST_SLACK_WEBHOOK') } }),
      ...(options.grafanaToken === undefined
        ? {}
        : {
            grafana: {
              url: sandbox.integrations.grafana.url,
              token: ref('env:GL_TEST_GRAFANA_TOKEN'),
            },
          }),
    },
  };
  const env = await releaseEnvironment(environment, {
    // Without its simulated Slack and Grafana, the sandbox environment has no integration at all.
    sandbox: options.noIntegrations === true ? { ...sandbox, integrations: undefined } : sandbox,
    vaultRoot: join(dataDir, 'vault'),
    env: {
      ...(options.slackWebhook === undefined
        ? {}
        : { GL_TEST_SLACK_WEBHOOK: options.slackWebhook }),
      ...(options.grafanaToken === undefined
        ? {}
        : { GL_TEST_GRAFANA_TOKEN: options.grafanaToken }),
    },
  });
  cleanups.push(() => env.session.close());
  const provider: EnvironmentProvider = {
    get: () => Promise.resolve(env),
    list: () => Promise.resolve({ environments: [], problems: [] }),
    close: () => Promise.resolve(),
  };
  return { sandbox, store, env, provider, dataDir };
}

/** An engine on the store and provider with the default runbook, closed after the test. */
async function openEngine(
  store: EvidenceStore,
  provider: EnvironmentProvider,
): Promise<RunbookEngine> {
  const engine = new RunbookEngine({ store, environments: provider, runbook: await loadRunbook() });
  cleanups.push(() => engine.close());
  return engine;
}

describe('reconciling an intent left without an outcome', () => {
  it('adopts the deployment CreateDeployment made just before the crash, and never creates a second one', async () => {
    const { store, env, provider } = await setup();
    const runbook = await loadRunbook();
    const first = new RunbookEngine({ store, environments: provider, runbook });
    const run = await first.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
    // The crash window: the intent is journaled, CodeDeploy creates the deployment, the process dies before the outcome.
    const current = await env.driver.describeCurrentTaskDefinition();
    store.recordIntent(run.id, {
      stepId: 'create-deployment',
      action: 'codedeploy:CreateDeployment',
      request: { role: 'release', taskDefinitionArn: current.arn },
    });
    const created = await env.driver.startDeployment({
      runId: run.id,
      version: '1.5.1',
      taskDefinitionArn: current.arn,
    });
    await first.close();

    const second = new RunbookEngine({ store, environments: provider, runbook });
    cleanups.push(() => second.close());
    const view = await second.get(run.id);
    const step = view.sections.flatMap((s) => s.steps).find((s) => s.id === 'create-deployment');
    expect(step?.state).toBe('passed');
    expect(step?.summary).toContain(`Adopted deployment ${created.deploymentId}`);
    expect(view.deployment?.deploymentId).toBe(created.deploymentId);
    expect(view.deployment?.canRollback).toBe(true);
    const facts = foldJournal(run.id, store.listJournal(run.id, { limit: 10_000 }));
    expect(facts.pendingIntents.size).toBe(0);
    expect(facts.outcomes.find((o) => o.action === 'codedeploy:CreateDeployment')).toMatchObject({
      status: 'succeeded',
      response: { deploymentId: created.deploymentId, how: 'reconciled' },
    });
    expect(facts.lives.map((l) => l.reason)).toEqual(['start', 'resume']);
    const { deployments } = await listDeployments(env.session, {});
    expect(deployments.filter((d) => d.description?.includes(run.id))).toHaveLength(1);
  });

  it('leaves the step to be run again when CodeDeploy shows nothing was created', async () => {
    const { store, provider } = await setup();
    const runbook = await loadRunbook();
    const first = new RunbookEngine({ store, environments: provider, runbook });
    const run = await first.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
    store.recordIntent(run.id, {
      stepId: 'create-deployment',
      action: 'codedeploy:CreateDeployment',
      request: { role: 'release' },
    });
    await first.close();
    const second = new RunbookEngine({ store, environments: provider, runbook });
    cleanups.push(() => second.close());
    const view = await second.get(run.id);
    expect(view.deployment).toBeUndefined();
    const facts = foldJournal(run.id, store.listJournal(run.id, { limit: 10_000 }));
    expect(facts.outcomes.at(-1)).toMatchObject({
      action: 'codedeploy:CreateDeployment',
      status: 'failed',
    });
    expect(
      view.sections.flatMap((s) => s.steps).find((s) => s.id === 'create-deployment')?.state,
    ).toBe('pending');
  });
});

/** The annotations the sandbox's Grafana holds for a run (by its greenlight-run tag), as GET /_sandbox shows them. */
async function annotationsOf(sandbox: Sandbox, runId: string) {
  const state = (await (await fetch(sandbox.controlUrl)).json()) as {
    integrations: IntegrationsSnapshot;
  };
  return state.integrations.grafana.annotations.filter((a) => a.tags.includes(runTag(runId)));
}

/** Grafana's side of the crash window: the intent is journaled and the annotation may or may not be made. */
async function grafanaIntent(
  store: EvidenceStore,
  env: ReleaseEnvironment,
  runId: string,
  options: { made: boolean },
) {
  const grafana = await env.grafana();
  if (grafana === undefined) throw new Error('the sandbox environment has no Grafana');
  const dashboard = await findDashboard(grafana, 'Fixnado / Platform Health');
  const tags = ['greenlight', 'deploy', runTag(runId)];
  const text = 'Greenlight: 1.5.1 deployed to sandbox (made just before the crash)';
  const { intentId } = store.recordIntent(runId, {
    stepId: 'grafana-annotation',
    action: 'grafana:CreateAnnotation',
    request: { dashboard: 'Fixnado / Platform Health', dashboardUID: dashboard.uid, tags, text },
  });
  const made = options.made
    ? await createAnnotation(grafana, { dashboardUID: dashboard.uid, time: Date.now(), tags, text })
    : undefined;
  return { intentId, made };
}

describe('a Grafana annotation across a restart', () => {
  it('adopts the annotation made just before the crash: the relaunched engine never annotates twice', async () => {
    const { store, env, provider, sandbox } = await setup();
    const runbook = await loadRunbook();
    const first = new RunbookEngine({ store, environments: provider, runbook });
    const run = await first.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
    const { made } = await grafanaIntent(store, env, run.id, { made: true });
    await first.close();

    const second = new RunbookEngine({ store, environments: provider, runbook });
    cleanups.push(() => second.close());
    const view = await second.get(run.id);
    const step = view.sections.flatMap((s) => s.steps).find((s) => s.id === 'grafana-annotation');
    expect(step?.state).toBe('passed');
    expect(step?.summary).toContain(`Adopted annotation ${made?.id}`);
    const facts = foldJournal(run.id, store.listJournal(run.id, { limit: 10_000 }));
    expect(facts.pendingIntents.size).toBe(0);
    expect(facts.outcomes.find((o) => o.action === 'grafana:CreateAnnotation')).toMatchObject({
      status: 'succeeded',
      response: { annotationId: made?.id, how: 'reconciled' },
    });
    expect(await annotationsOf(sandbox, run.id)).toHaveLength(1);
  });

  it('records that nothing was made when Grafana has no annotation for the run, and annotates nothing itself', async () => {
    const { store, env, provider, sandbox } = await setup();
    const runbook = await loadRunbook();
    const first = new RunbookEngine({ store, environments: provider, runbook });
    const run = await first.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
    await grafanaIntent(store, env, run.id, { made: false });
    await first.close();

    const second = new RunbookEngine({ store, environments: provider, runbook });
    cleanups.push(() => second.close());
    const view = await second.get(run.id);
    const facts = foldJournal(run.id, store.listJournal(run.id, { limit: 10_000 }));
    expect(facts.pendingIntents.size).toBe(0);
    expect(facts.outcomes.find((o) => o.action === 'grafana:CreateAnnotation')?.status).toBe(
      'failed',
    );
    expect(JSON.stringify(store.listJournal(run.id, { limit: 10_000 }))).toContain(
      'Grafana shows no annotation for this run',
    );
    // Its prerequisites are not met yet: the step waits, to run (once) when the deployment has succeeded.
    expect(
      view.sections.flatMap((s) => s.steps).find((s) => s.id === 'grafana-annotation')?.state,
    ).toBe('pending');
    expect(await annotationsOf(sandbox, run.id)).toEqual([]);
  });

  it(
    'finds the annotation an earlier attempt made (its answer lost to a timeout) instead of annotating again, and the run is released',
    { timeout: 180_000 },
    async () => {
      const { store, env, provider, sandbox } = await setup({ timeScale: 100 });
      const engine = await openEngine(store, provider);
      const run = await engine.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
      // Grafana made the annotation, but the answer never came back: the attempt is recorded as failed.
      const { intentId, made } = await grafanaIntent(store, env, run.id, { made: true });
      store.recordOutcome(intentId, {
        status: 'failed',
        error: {
          code: 'grafana-unreachable',
          message: 'Grafana could not be reached: TimeoutError.',
        },
      });

      const view = await engine.autoRun(run.id, { signal: AbortSignal.timeout(150_000) });
      await engine.settled(run.id);
      expect(view.outcome, view.headline).toBe('released');
      const step = view.sections.flatMap((s) => s.steps).find((s) => s.id === 'grafana-annotation');
      expect(step?.state).toBe('passed');
      expect(step?.summary).toContain(`Found annotation ${made?.id}`);
      const facts = foldJournal(run.id, store.listJournal(run.id, { limit: 10_000 }));
      expect(facts.intents.filter((i) => i.action === 'grafana:CreateAnnotation')).toHaveLength(1);
      expect(await annotationsOf(sandbox, run.id)).toHaveLength(1);
    },
  );
});

describe('a Grafana that refuses the token', () => {
  it(
    'fails the annotation step with the reason (never the token), and an override with a written reason lets the run be released',
    { timeout: 180_000 },
    async () => {
      const token = 'glsa_revokedTokenOfTheEnvironment_42';
      const { store, provider, sandbox } = await setup({ grafanaToken: token, timeScale: 100 });
      const engine = await openEngine(store, provider);
      const run = await engine.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true });
      // Walk unattended until the deployment has succeeded and the steps after it are launched, then stop
      // walking: an operator, not the rehearsal's policy, decides about a failed annotation.
      const stop = new AbortController();
      await engine.autoRun(run.id, {
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(150_000)]),
        onStep: (e) => {
          if (e.stepId === 'deployment-succeeded' && e.state === 'passed') stop.abort();
        },
      });
      await engine.settled(run.id);
      let view = await engine.get(run.id);
      const failed = view.sections
        .flatMap((s) => s.steps)
        .find((s) => s.id === 'grafana-annotation');
      expect(failed).toMatchObject({ state: 'failed', canOverride: true });
      expect(failed?.summary).toContain('refused the service-account token (HTTP 401');
      expect(view.outcome).toBeUndefined();

      view = await engine.override(
        run.id,
        'grafana-annotation',
        'Grafana token revoked during the release; annotated the dashboard by hand',
      );
      expect(
        view.sections.flatMap((s) => s.steps).find((s) => s.id === 'grafana-annotation')?.state,
      ).toBe('overridden');
      view = await engine.autoRun(run.id, { signal: AbortSignal.timeout(60_000) });
      await engine.settled(run.id);
      expect(view.outcome, view.headline).toBe('released');

      expect(await annotationsOf(sandbox, run.id)).toEqual([]);
      expect(JSON.stringify(store.listJournal(run.id, { limit: 10_000 }))).not.toContain(token);
    },
  );
});

describe('notices', () => {
  it('posts the Slack summary to the configured webhook and journals it; renders the email from the vault template', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
    const { store, provider, env } = await setup({ slackWebhook: url });
    const engine = await openEngine(store, provider);
    const run = await engine.start({ environment: 'sandbox', version: '1.5.1' });

    const before = await engine.notices(run.id);
    expect(before.isSlackConfigured).toBe(true);
    expect(before.templateSource).toContain('built-in default');
    expect(before.email).toContain('Fixnado backend **1.5.1** was deployed to **sandbox**');
    // The run's last entry so far, as `greenlight verify --witness` takes it.
    const last = store.listJournal(run.id, { limit: 1000 }).at(-1);
    expect(before.email).toContain(`Journal witness: ${last?.seq}:${last?.hash}`);

    const sent = await engine.sendSlack(run.id);
    expect(sent).toEqual({ sent: true, message: 'Posted the summary to Slack.' });
    expect(received).toHaveLength(1);
    const posted = JSON.parse(received[0] as string) as { text: string };
    expect(posted.text).toContain('*Fixnado backend 1.5.1* → *sandbox*');
    const journal = store.listJournal(run.id, { limit: 1000 });
    const kinds = journal
      .filter((e) => JSON.stringify(e.payload).includes('slack:PostMessage'))
      .map((e) => e.kind);
    expect(kinds).toEqual(['intent', 'outcome']);
    // The webhook is a credential: it never enters the journal.
    expect(JSON.stringify(journal)).not.toContain('/services/T000/B000/XXXX');
    // Once resolved it is a registered secret, so even an entry that quotes it (an error echoing the URL) is
    // stored redacted.
    store.recordObservation(run.id, { subject: 'echo', data: { message: `refused by ${url}` } });
    const echoed = store.listJournal(run.id, { limit: 1000 }).at(-1);
    expect(echoed?.kind).toBe('observation');
    expect(JSON.stringify(echoed)).not.toContain('/services/T000/B000/XXXX');

    const templates = join(env.vaultRoot, 'governance', 'templates');
    mkdirSync(templates, { recursive: true });
    writeFileSync(
      join(templates, 'deployment-notice.md'),
      'Release {{version}} of {{environment}} by {{operator}}; {{noSuchField}}\n',
    );
    const after = await engine.notices(run.id);
    expect(after.templateSource).toBe(join(templates, 'deployment-notice.md'));
    expect(after.email).toContain(
      'Release 1.5.1 of sandbox by operator@fixnado.example; {{noSuchField}}',
    );
  });

  it("posts to the sandbox's simulated Slack when the environment configures none", async () => {
    const { store, provider, sandbox } = await setup();
    const engine = await openEngine(store, provider);
    const run = await engine.start({ environment: 'sandbox', version: '1.5.1' });
    const before = await engine.notices(run.id);
    expect(before.isSlackConfigured).toBe(true);
    expect(before.slackPostedAt).toBeUndefined();
    expect(await engine.sendSlack(run.id)).toEqual({
      sent: true,
      message: 'Posted the summary to Slack.',
    });
    // The panel says it was posted (and when), so nobody posts it again unawares.
    expect((await engine.notices(run.id)).slackPostedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const state = (await (await fetch(sandbox.controlUrl)).json()) as {
      integrations: IntegrationsSnapshot;
    };
    expect(state.integrations.slack.messages.map((m) => m.text)).toEqual([
      expect.stringContaining('*Fixnado backend 1.5.1* → *sandbox*'),
    ]);
    expect(JSON.stringify(store.listJournal(run.id, { limit: 1000 }))).not.toContain(
      sandbox.integrations.slackWebhookUrl,
    );
  });

  it('says so, and journals it, when no webhook is configured', async () => {
    const { store, provider } = await setup({ noIntegrations: true });
    const engine = await openEngine(store, provider);
    const run = await engine.start({ environment: 'sandbox', version: '1.5.1' });
    const sent = await engine.sendSlack(run.id);
    expect(sent.sent).toBe(false);
    expect(sent.message).toContain('No Slack webhook is configured for sandbox');
    expect(
      store
        .listJournal(run.id, { limit: 1000 })
        .some((e) => (e.payload as { subject?: string }).subject === 'notice-not-sent'),
    ).toBe(true);
  });
});
