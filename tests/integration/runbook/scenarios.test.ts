import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import { foldJournal } from '../../../src/main/core/runbook/facts';
import { rehearse, type RehearsalResult } from '../../../src/main/core/runbook/rehearsal';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import type { IntegrationsSnapshot } from '../../../src/main/core/sandbox/integrations';
import type { ScenarioName } from '../../../src/main/core/sandbox/scenarios';
import { parseWitness, verifyBundle } from '../../../src/main/core/vault/verify';

// Every scenario end to end through the engine (real sandbox over HTTP, real SDK, real SQLite, real newman).
// Scenarios that never reach the validation gates run at 1200x. Those whose gates must fit in the (scaled) 20-minute
// Ready window run at GATES_TIME_SCALE: a 24 s window holds newman (5-7 s when the machine is loaded) and a
// 1,000-sample probe with room to spare; at 100x the 12 s window ran out now and then on a loaded machine.
const GATES_TIME_SCALE = 50;
process.env['GREENLIGHT_LOG'] = 'silent';
const dirs: string[] = [];
const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function run(
  scenario: ScenarioName,
  timeScale: number,
  sandbox?: Sandbox,
): Promise<RehearsalResult & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `gl-${scenario}-`));
  dirs.push(dataDir);
  const result = await rehearse({ scenario, timeScale, dataDir, sandbox });
  return { ...result, dataDir };
}

/** What the sandbox's simulated Slack and Grafana received, as GET /_sandbox shows it. */
async function integrationsOf(sandbox: Sandbox): Promise<IntegrationsSnapshot> {
  const state = (await (await fetch(sandbox.controlUrl)).json()) as {
    integrations: IntegrationsSnapshot;
  };
  return state.integrations;
}

/** The run's journal as the evidence store has it (opened again: what an auditor would read). */
async function journalOf(dataDir: string, runId: string) {
  const { store } = await openEvidenceStore({ dataDir });
  try {
    return store.listJournal(runId, { limit: 10_000 });
  } finally {
    store.close();
  }
}

const steps = (r: RehearsalResult) => r.view.sections.flatMap((s) => s.steps);
const stepState = (r: RehearsalResult, id: string) => steps(r).find((s) => s.id === id)?.state;

describe.concurrent('rehearsals that stop before any AWS change', () => {
  it('vpn-down: stopped before any AWS change', async () => {
    const r = await run('vpn-down', 1200);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    expect(r.view.outcome).toBe('stopped');
    expect(steps(r).find((s) => s.id === 'vpn-connected')?.summary).toContain('not reachable');
    const journal = await journalOf(r.dataDir, r.view.id);
    expect(journal.filter((e) => e.kind === 'intent')).toHaveLength(0);
    expect(journal.at(-1)?.kind).toBe('run-finished');
    expect(r.bundle?.path).toContain(join('release_vault', 'sandbox', '1.5.1'));
  });

  it('sso-expired: stopped with the sign-in instruction, nothing changed', async () => {
    const r = await run('sso-expired', 1200);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    const identity = steps(r).find((s) => s.id === 'aws-signed-in');
    expect(identity?.summary).toContain('aws sso login --profile');
    expect(r.view.headline).toContain('aws sso login');
    const journal = await journalOf(r.dataDir, r.view.id);
    expect(journal.filter((e) => e.kind === 'intent')).toHaveLength(0);
  });

  it('already-active: refused, no second deployment', async () => {
    const r = await run('already-active', 1200);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    expect(r.view.outcome).toBe('refused');
    expect(r.view.deployment).toBeUndefined();
    expect(stepState(r, 'register-task-definition')).toBe('pending');
    expect(steps(r).find((s) => s.id === 'no-active-deployment')?.summary).toMatch(
      /d-[A-Z0-9]+ \(InProgress, by user\) is active/,
    );
  });
});

describe.concurrent('rehearsals where CodeDeploy fails the deployment', () => {
  it('hook-fails: failure recorded, nothing left half-done', async () => {
    const r = await run('hook-fails', 600);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    expect(r.view.deployment).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
      isActive: false,
    });
    expect(['failed', 'pending']).toContain(stepState(r, 'deployment-ready'));
    expect(stepState(r, 'approve-traffic-shift')).toBe('pending');
    const journal = await journalOf(r.dataDir, r.view.id);
    const facts = foldJournal(r.view.id, journal);
    expect(facts.rollback?.deployment.status).toBe('Succeeded');
  });

  it('ready-timeout: failure recorded, nothing left half-done', async () => {
    const r = await run('ready-timeout', 600);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    expect(r.view.deployment).toMatchObject({ status: 'Stopped', isActive: false });
    expect(r.view.deployment?.errorInformation?.code).toBe('TIMEOUT');
    expect(stepState(r, 'approve-traffic-shift')).not.toBe('passed');
  });
});

describe('rehearsals through the validation gates', () => {
  it(
    'happy: released and verified on production, with every kind of evidence; Grafana annotated once, Slack posted',
    { timeout: 180_000 },
    async () => {
      // The test's own sandbox (as the embedded one would be), so its control state can be read after the run.
      const sandbox = await startSandbox({ scenario: 'happy', timeScale: GATES_TIME_SCALE });
      sandboxes.push(sandbox);
      const r = await run('happy', GATES_TIME_SCALE, sandbox);
      const received = await integrationsOf(sandbox);
      expect(r.judgement.problems, r.view.headline).toEqual([]);
      expect(r.view.outcome).toBe('released');
      expect(r.view.smoke).toMatchObject({ passed: true, failed: 0 });
      expect(r.view.probe?.passed).toBe(true);
      expect(
        steps(r)
          .filter((s) => s.kind === 'attestation' && s.state === 'attested')
          .every((s) => s.summary?.includes('rehearsal')),
      ).toBe(true);
      const journal = await journalOf(r.dataDir, r.view.id);
      const names = journal
        .filter((e) => e.kind === 'artifact')
        .map((e) => (e.payload as { name: string }).name);
      expect(names).toEqual(
        expect.arrayContaining([
          'smoke-tests.xml',
          'synthetic-load.json',
          'appspec.yaml',
          'latest-success.json',
          'slack-summary.txt',
          'deployment-notice.md',
          'grafana-annotation.json',
        ]),
      );
      const actions = journal
        .filter((e) => e.kind === 'intent')
        .map((e) => (e.payload as { action: string }).action);
      expect(actions.slice(0, 3)).toEqual([
        'ecs:RegisterTaskDefinition',
        'codedeploy:CreateDeployment',
        'codedeploy:ContinueDeployment',
      ]);
      // After the deployment succeeded the annotation and the vault record run side by side; Slack after the vault.
      expect(actions.slice(3).sort()).toEqual([
        'grafana:CreateAnnotation',
        'slack:PostMessage',
        'vault:WriteLatestSuccess',
      ]);
      const deploymentId = r.view.deployment?.deploymentId as string;
      expect(stepState(r, 'grafana-annotation')).toBe('passed');
      expect(steps(r).find((s) => s.id === 'slack-summary')?.summary).toBe(
        'Posted the summary to #release-ops.',
      );
      // Exactly one annotation, on the playbook's dashboard, carrying the deployment id and the version.
      expect(received.grafana.annotations).toHaveLength(1);
      expect(received.grafana.annotations[0]).toMatchObject({
        dashboard: 'Fixnado / Platform Health',
        tags: expect.arrayContaining([
          'greenlight',
          'version:1.5.1',
          `greenlight-run:${r.view.id}`,
        ]),
        text: expect.stringContaining(deploymentId),
      });
      expect(received.grafana.annotations[0]?.text).toContain('1.5.1');
      expect(received.slack.messages).toHaveLength(1);
      expect(received.slack.messages[0]?.text).toContain(deploymentId);
      // The summary quotes a journal entry hash: an auditor holding the Slack message can check the bundle against
      // it, which a journal rewritten together with the manifest and sums would fail.
      const quoted = /Journal witness: `(\d+:[0-9a-f]{64})`/.exec(
        received.slack.messages[0]?.text ?? '',
      )?.[1];
      const witness = parseWitness(quoted ?? '');
      if ('error' in witness) throw new Error(`no witness in the Slack summary: ${witness.error}`);
      expect(await verifyBundle(r.bundle?.path ?? '', { witnesses: [witness] })).toMatchObject({
        ok: true,
        witnesses: 1,
      });
      // The token and the webhook are credentials: never in the evidence.
      const everything = JSON.stringify(journal);
      expect(everything).not.toContain(sandbox.integrations.grafana.token);
      expect(everything).not.toContain(sandbox.integrations.slackWebhookUrl);
      const created = journal.find((e) => e.kind === 'run-created')?.payload as {
        runbook: { hash: string };
      };
      expect(created.runbook.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.bundle?.files).toBeGreaterThanOrEqual(8);
    },
  );

  // At 40x: the Ready window is then 30 s of real time. A throttled ContinueDeployment or GetDeployment waits out
  // the SDK's backoff in real seconds on top of newman and the probe. ~45 s of wall time.
  it('throttling: released despite it', { timeout: 240_000 }, async () => {
    const r = await run('throttling', 40);
    expect(r.judgement.problems, r.view.headline).toEqual([]);
    expect(r.view.outcome).toBe('released');
  });

  it(
    'smoke-fails: the smoke gate fails, nothing shifts, stopped with rollback',
    { timeout: 180_000 },
    async () => {
      const r = await run('smoke-fails', GATES_TIME_SCALE);
      expect(r.judgement.problems, r.view.headline).toEqual([]);
      expect(r.view.smoke?.passed).toBe(false);
      expect(r.view.smoke?.requests.find((q) => q.status === 500)?.url).toContain(
        '/api/v1/bookings',
      );
      expect(stepState(r, 'load-gate')).toBe('pending');
      expect(r.view.deployment?.rollback?.status).toBe('Succeeded');
    },
  );

  it(
    'slow-green: the load gate fails on p95, nothing shifts, stopped with rollback',
    { timeout: 180_000 },
    async () => {
      const r = await run('slow-green', GATES_TIME_SCALE);
      expect(r.judgement.problems, r.view.headline).toEqual([]);
      expect(r.view.probe?.passed).toBe(false);
      expect(r.view.probe?.p95Ms).toBeGreaterThanOrEqual(450);
    },
  );

  it(
    "alarm-rollback: CodeDeploy's automatic rollback is noticed and recorded",
    { timeout: 180_000 },
    async () => {
      const r = await run('alarm-rollback', GATES_TIME_SCALE);
      expect(r.judgement.problems, r.view.headline).toEqual([]);
      expect(r.view.outcome).toBe('rolled-back');
      expect(stepState(r, 'approve-traffic-shift')).toBe('passed');
      expect(stepState(r, 'deployment-succeeded')).toBe('failed');
      const journal = await journalOf(r.dataDir, r.view.id);
      const seen = journal.filter(
        (e) =>
          e.kind === 'observation' && (e.payload as { subject: string }).subject === 'deployment',
      );
      expect(seen.some((e) => JSON.stringify(e.payload).includes('ALARM_ACTIVE'))).toBe(true);
      expect(
        seen.some((e) => (e.payload as { data: { role: string } }).data.role === 'rollback'),
      ).toBe(true);
    },
  );
});
