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
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';

process.env['GREENLIGHT_LOG'] = 'silent';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { slackWebhook?: string } = {}): Promise<{
  sandbox: Sandbox;
  store: EvidenceStore;
  env: ReleaseEnvironment;
  provider: EnvironmentProvider;
  dataDir: string;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gl-reconcile-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const sandbox = await startSandbox({ scenario: 'happy', timeScale: 60 });
  cleanups.push(() => sandbox.close());
  const { store } = await openEvidenceStore({ dataDir });
  cleanups.push(() => store.close());
  const base = sandboxEnvironment(sandbox);
  const environment =
    options.slackWebhook === undefined
      ? base
      : {
          ...base,
          integrations: {
            slack: {
              webhookUrl: parseSecretRef('env:GL_TEST_SLACK_WEBHOOK') as NonNullable<
                ReturnType<typeof parseSecretRef>
              >,
            },
          },
        };
  const env = await releaseEnvironment(environment, {
    sandbox,
    vaultRoot: join(dataDir, 'vault'),
    env: options.slackWebhook === undefined ? {} : { GL_TEST_SLACK_WEBHOOK: options.slackWebhook },
  });
  cleanups.push(() => env.session.close());
  const provider: EnvironmentProvider = {
    get: () => Promise.resolve(env),
    list: () => Promise.resolve({ environments: [], problems: [] }),
    close: () => Promise.resolve(),
  };
  return { sandbox, store, env, provider, dataDir };
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
    const engine = new RunbookEngine({
      store,
      environments: provider,
      runbook: await loadRunbook(),
    });
    cleanups.push(() => engine.close());
    const run = await engine.start({ environment: 'sandbox', version: '1.5.1' });

    const before = await engine.notices(run.id);
    expect(before.isSlackConfigured).toBe(true);
    expect(before.templateSource).toContain('built-in default');
    expect(before.email).toContain('Fixnado backend **1.5.1** was deployed to **sandbox**');

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

  it('says so, and journals it, when no webhook is configured', async () => {
    const { store, provider } = await setup();
    const engine = new RunbookEngine({
      store,
      environments: provider,
      runbook: await loadRunbook(),
    });
    cleanups.push(() => engine.close());
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
