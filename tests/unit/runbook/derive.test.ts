import { describe, expect, it } from 'vitest';
import type { DeploymentSnapshot, TargetSnapshot } from '../../../src/main/core/aws/model';
import {
  approveGuard,
  deriveRunView,
  rollbackGuard,
  stepStatuses,
  type DeriveContext,
} from '../../../src/main/core/runbook/derive';
import { sandboxEnvironment } from '../../../src/main/core/config/sandbox-environment';
import { noticeFacts } from '../../../src/main/core/notify/render';
import { foldJournal, type EntryLike } from '../../../src/main/core/runbook/facts';
import { loadRunbook } from '../../../src/main/core/runbook/load';
import type { Runbook } from '../../../src/main/core/runbook/types';

const runbook: Runbook = await loadRunbook();

/** Builds a journal the way the engine writes it. */
class Journal {
  entries: EntryLike[] = [];
  private clock = Date.parse('2026-11-02T10:00:00.000Z');
  constructor() {
    this.add('run-created', null, {
      environment: 'sandbox',
      version: '1.5.1',
      runbook: { id: runbook.id, hash: runbook.hash },
      operator: { name: 'ana' },
    });
  }
  add(kind: string, stepId: string | null, payload: unknown, actor = 'ana'): this {
    this.clock += 1000;
    this.entries.push({
      seq: this.entries.length + 1,
      time: new Date(this.clock).toISOString(),
      kind,
      stepId,
      actor,
      payload,
    });
    return this;
  }
  state(stepId: string, state: string, detail: Record<string, unknown> = {}): this {
    return this.add('step-state', stepId, { state, detail });
  }
  pass(...ids: string[]): this {
    for (const id of ids) {
      const step = runbook.steps.find((s) => s.id === id);
      if (step?.kind === 'attestation') this.add('attestation', id, { statement: step.statement });
      else this.state(id, 'running').state(id, 'passed', { summary: 'ok', data: {} });
    }
    return this;
  }
  deployment(
    status: string,
    extra: Partial<DeploymentSnapshot> = {},
    target?: Partial<TargetSnapshot>,
    role = 'release',
  ): this {
    const deployment = {
      deploymentId: role === 'rollback' ? 'd-ROLLBACK1' : 'd-RELEASE1',
      status,
      isTerminal: ['Succeeded', 'Failed', 'Stopped'].includes(status),
      isActive: !['Succeeded', 'Failed', 'Stopped'].includes(status),
      terminationWaitStarted: false,
      statusMessages: [],
      readyWait: { action: 'STOP_DEPLOYMENT', minutes: 20 },
      termination: { action: 'TERMINATE', minutes: 10 },
      ...extra,
    };
    return this.add('observation', null, {
      subject: 'deployment',
      data: {
        role,
        deployment,
        target: { targetId: 'c:s', status, lifecycleEvents: [], taskSets: [], ...target },
        awsNow: Date.parse('2026-11-02T12:00:00.000Z'),
        wallNow: Date.parse('2026-11-02T10:00:00.000Z'),
        timeScale: 600,
      },
    });
  }
  facts() {
    return foldJournal('run-1', this.entries);
  }
}

const ctx = (over: Partial<DeriveContext> = {}): DeriveContext => ({
  runbook,
  environment: undefined,
  integrations: new Set(),
  running: new Set(),
  output: new Map(),
  chain: { ok: true, entries: 0, head: '' },
  ...over,
});

const preDeploy = runbook.steps
  .filter(
    (s) =>
      ['prerequisites', 'pre-deployment'].includes(s.section) ||
      [
        'terraform-workflow',
        'deployment-group',
        'no-active-deployment',
        'last-known-good',
      ].includes(s.id),
  )
  .map((s) => s.id);

/** A journal at the moment the deployment is Ready, before any gate ran. */
const atReady = (): Journal => {
  const j = new Journal().pass(...preDeploy);
  j.state('register-task-definition', 'running').state('register-task-definition', 'passed', {
    data: { taskDefinitionArn: 'arn:td:7' },
  });
  j.state('create-deployment', 'running').state('create-deployment', 'passed', {
    data: { deploymentId: 'd-RELEASE1', role: 'release' },
  });
  j.deployment(
    'Ready',
    {},
    {
      lifecycleEvents: [
        {
          name: 'AfterAllowTestTraffic',
          status: 'Succeeded',
          startTime: '2026-11-02T11:59:00.000Z',
          endTime: '2026-11-02T11:59:30.000Z',
          diagnostics: undefined,
        },
      ],
    },
  );
  j.pass('deployment-ready');
  return j;
};

describe('what is ready, blocked and next', () => {
  it('starts with the checks that need nothing, and says what every other step waits for', () => {
    const facts = new Journal().facts();
    const st = stepStatuses(runbook, facts, ctx());
    expect(st.get('vpn-connected')?.state).toBe('ready');
    expect(st.get('aws-signed-in')?.state).toBe('ready');
    expect(st.get('cab-approver-present')).toMatchObject({
      state: 'ready',
      canAttest: true,
      canRun: false,
    });
    expect(st.get('image-in-ecr')).toMatchObject({
      state: 'pending',
      blockedReason: expect.stringContaining('waits for: Signed in to AWS'),
    });
    expect(st.get('manual-rollback')).toMatchObject({
      state: 'pending',
      blockedReason: 'no deployment exists yet',
    });
    expect(st.get('incident-decision')?.blockedReason).toBe(
      'only after a rollback or a failed deployment',
    );
    const view = deriveRunView(facts, ctx());
    expect(view.nextStepId).toBe('vpn-connected');
    expect(view.headline).toContain('Next:');
  });

  it('blocks the dependants of a failed gate until it is overridden with a reason, which is recorded', () => {
    const j = atReady().pass('green-version', 'load-gate');
    j.state('smoke-tests', 'running').state('smoke-tests', 'failed', {
      summary: '1 of 5 requests failed',
    });
    let st = stepStatuses(runbook, j.facts(), ctx());
    expect(st.get('smoke-tests')).toMatchObject({
      state: 'failed',
      canOverride: true,
      canRun: true,
    });
    expect(st.get('approve-traffic-shift')?.blockedReason).toContain(
      "'Smoke collection on the validation listener' failed",
    );
    expect(approveGuard(runbook, j.facts())).toMatchObject({
      ok: false,
      reason: expect.stringContaining('failed: Smoke collection'),
    });

    j.add(
      'override',
      'smoke-tests',
      { reason: 'known flaky bookings route, ticket OPS-42', gate: null },
      'lead',
    );
    st = stepStatuses(runbook, j.facts(), ctx());
    expect(st.get('smoke-tests')?.state).toBe('overridden');
    expect(st.get('approve-traffic-shift')?.state).toBe('ready');
    const view = deriveRunView(j.facts(), ctx());
    const smoke = view.sections.flatMap((s) => s.steps).find((s) => s.id === 'smoke-tests');
    expect(smoke?.decision).toMatchObject({
      actor: 'lead',
      reason: 'known flaky bookings route, ticket OPS-42',
    });
    expect(view.deployment?.canApprove).toBe(true);
  });

  it('does not let checks AWS enforces be overridden', () => {
    const j = new Journal().pass('aws-signed-in');
    j.state('no-active-deployment', 'running').state('no-active-deployment', 'failed', {
      summary: 'd-OTHER is active',
    });
    expect(stepStatuses(runbook, j.facts(), ctx()).get('no-active-deployment')?.canOverride).toBe(
      false,
    );
  });

  it('quotes steps by the titles the checklist shows, templates filled from the run and environment', () => {
    const environment = sandboxEnvironment({
      endpoint: 'http://127.0.0.1:1',
      productionUrl: 'http://127.0.0.1:2',
      validationUrl: 'http://127.0.0.1:3',
      region: 'us-east-1',
      accountId: '111122223333',
    });
    const view = deriveRunView(new Journal().pass('aws-signed-in').facts(), ctx({ environment }));
    const steps = view.sections.flatMap((s) => s.steps);
    const image = steps.find((s) => s.id === 'image-in-ecr');
    expect(image?.title).toBe('Image 1.5.1 pushed to ECR');
    // A step waiting on it names it the same way, never as a raw `${{ version }}` template.
    const waiting = steps.filter((s) => s.blockedReason?.includes('Image 1.5.1 pushed to ECR'));
    expect(waiting.length).toBeGreaterThan(0);
    expect(steps.some((s) => s.blockedReason?.includes('${{'))).toBe(false);
    // Thresholds are fractions in the config and percentages on screen.
    expect(steps.find((s) => s.id === 'error-budget')?.title).toBe(
      'Error budget under 10 % in the last 60 minutes',
    );
  });

  it('skips an optional step whose integration is not configured', () => {
    const st = stepStatuses(runbook, new Journal().facts(), ctx());
    expect(st.get('grafana-annotation')).toMatchObject({
      state: 'skipped',
      blockedReason: expect.stringContaining('grafana'),
    });
    expect(
      stepStatuses(runbook, new Journal().facts(), ctx({ integrations: new Set(['grafana']) })).get(
        'grafana-annotation',
      )?.state,
    ).toBe('pending');
  });
});

describe('approve', () => {
  it('is refused before the deployment is Ready, even with every gate passed', () => {
    const j = atReady().pass('green-version', 'smoke-tests', 'load-gate');
    j.deployment('InProgress');
    expect(approveGuard(runbook, j.facts())).toEqual({
      ok: false,
      reason: 'the deployment is InProgress, not Ready',
    });
  });

  it('waits for gates that have not run yet', () => {
    const g = approveGuard(runbook, atReady().facts());
    expect(g).toMatchObject({ ok: false });
    expect(!g.ok && g.reason).toContain('waits for:');
  });

  it('is allowed while Ready with every gate passed, and shows the ready-window countdown from AWS times', () => {
    const j = atReady().pass('green-version', 'smoke-tests', 'load-gate');
    expect(approveGuard(runbook, j.facts())).toEqual({ ok: true });
    const view = deriveRunView(j.facts(), ctx());
    expect(view.deployment).toMatchObject({
      canApprove: true,
      status: 'Ready',
      isActive: true,
      canRollback: true,
    });
    // Ready since 11:59:30 AWS time + 20 min = 12:19:30; observed at 12:00:00 AWS = 10:00:00 wall; x600 -> +1.95 s.
    expect(view.deployment?.readyWait).toEqual({
      action: 'STOP_DEPLOYMENT',
      minutes: 20,
      deadline: '2026-11-02T10:00:01.950Z',
    });
    expect(view.headline).toContain('approve the traffic shift');
  });

  it('keeps the ready window as started when the deployment is stopped in Ready, instead of "not started"', () => {
    const j = atReady();
    j.deployment(
      'Stopped',
      {
        errorInformation: { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user.' },
      },
      {
        lifecycleEvents: [
          {
            name: 'AfterAllowTestTraffic',
            status: 'Succeeded',
            startTime: '2026-11-02T11:59:00.000Z',
            endTime: '2026-11-02T11:59:30.000Z',
            diagnostics: undefined,
          },
        ],
      },
    );
    const view = deriveRunView(j.facts(), ctx());
    // The same deadline as while it was Ready; the panel shows the window as over, the deployment as Stopped.
    expect(view.deployment?.readyWait?.deadline).toBe('2026-11-02T10:00:01.950Z');
    expect(view.deployment?.terminationWait?.deadline).toBeUndefined();
  });

  it('is refused once it was sent, and once a rollback was requested', () => {
    const j = atReady().pass('green-version', 'smoke-tests', 'load-gate');
    expect(approveGuard(runbook, j.facts(), new Set(['approve-traffic-shift']))).toMatchObject({
      ok: false,
      reason: 'approval is being sent',
    });
    j.add('observation', null, {
      subject: 'rollback-requested',
      data: { reason: 'bookings look wrong' },
    });
    expect(approveGuard(runbook, j.facts())).toMatchObject({
      ok: false,
      reason: expect.stringContaining('a rollback was requested'),
    });
  });
});

describe('rollback', () => {
  it('is reachable from the moment a deployment exists, through StopDeployment while it is active', () => {
    expect(rollbackGuard(new Journal().facts()).ok).toBe(false);
    const j = new Journal().pass(...preDeploy);
    j.state('create-deployment', 'running').state('create-deployment', 'passed', {
      data: { deploymentId: 'd-RELEASE1', role: 'release' },
    });
    expect(rollbackGuard(j.facts())).toEqual({ ok: true, via: 'stop' });
    expect(stepStatuses(runbook, j.facts(), ctx()).get('manual-rollback')?.state).toBe('ready');
  });

  it('after success goes through a redeploy of the last known good', () => {
    const j = atReady().deployment('Succeeded');
    expect(rollbackGuard(j.facts())).toEqual({ ok: true, via: 'redeploy' });
    expect(stepStatuses(runbook, j.facts(), ctx()).get('redeploy-last-known-good')?.state).toBe(
      'ready',
    );
  });

  it('after an alarm rollback: the release steps become impossible and the incident decision comes due', () => {
    const j = atReady().pass('green-version', 'smoke-tests', 'load-gate', 'approve-traffic-shift');
    j.deployment('Stopped', {
      errorInformation: { code: 'ALARM_ACTIVE', message: 'alarm fixnado-sandbox-alb-5xx' },
      rollbackInfo: {
        rollbackDeploymentId: 'd-ROLLBACK1',
        rollbackTriggeringDeploymentId: undefined,
        rollbackMessage: 'rolled back',
      },
    });
    j.deployment('Succeeded', { creator: 'codeDeployRollback' }, {}, 'rollback');
    const st = stepStatuses(runbook, j.facts(), ctx());
    expect(st.get('production-version')?.blockedReason).toContain(
      'not possible: the deployment ended Stopped (ALARM_ACTIVE)',
    );
    expect(st.get('incident-decision')?.state).toBe('ready');
    expect(rollbackGuard(j.facts())).toMatchObject({ ok: false });
    const view = deriveRunView(j.facts(), ctx());
    expect(view.deployment).toMatchObject({
      status: 'Stopped',
      isActive: false,
      errorInformation: { code: 'ALARM_ACTIVE' },
      rollback: { deploymentId: 'd-ROLLBACK1', status: 'Succeeded' },
    });
  });
});

describe('state is the journal replayed', () => {
  it('a step that was running when the process died shows running until the engine marks it interrupted', () => {
    const j = new Journal().state('vpn-connected', 'running');
    expect(stepStatuses(runbook, j.facts(), ctx()).get('vpn-connected')?.state).toBe('running');
    j.state('vpn-connected', 'interrupted', { summary: 'the app stopped while this step ran' });
    expect(stepStatuses(runbook, j.facts(), ctx()).get('vpn-connected')?.state).toBe('ready');
  });

  it('an intent without an outcome holds its step until it is reconciled', () => {
    const j = new Journal().pass(...preDeploy).pass('register-task-definition');
    j.state('create-deployment', 'running');
    j.add('intent', 'create-deployment', {
      intentId: 'i-1',
      action: 'codedeploy:CreateDeployment',
      request: {},
    });
    j.state('create-deployment', 'interrupted');
    const facts = j.facts();
    expect([...facts.pendingIntents.keys()]).toEqual(['i-1']);
    expect(stepStatuses(runbook, facts, ctx()).get('create-deployment')?.blockedReason).toContain(
      'reconciling',
    );
    j.add('outcome', 'create-deployment', {
      intentId: 'i-1',
      status: 'succeeded',
      response: { deploymentId: 'd-ADOPTED', role: 'release' },
    });
    expect(j.facts().deploymentId).toBe('d-ADOPTED');
  });

  it('a finished run ends every remaining step and shows its outcome', () => {
    const j = new Journal().pass('aws-signed-in');
    j.state('vpn-connected', 'running').state('vpn-connected', 'failed', {
      summary: 'not on the VPN',
    });
    j.add('observation', null, {
      subject: 'run-outcome',
      data: { outcome: 'stopped', summary: 'not on the VPN: nothing was changed in AWS.' },
    });
    j.add('run-finished', null, { outcome: 'cancelled' });
    const view = deriveRunView(j.facts(), ctx());
    expect(view.outcome).toBe('stopped');
    expect(view.headline).toBe(
      'Stopped: 1.5.1 to sandbox is not released. not on the VPN: nothing was changed in AWS.',
    );
    expect(view.nextStepId).toBeUndefined();
    const steps = view.sections.flatMap((s) => s.steps);
    expect(steps.every((s) => !s.canRun && !s.canAttest)).toBe(true);
  });

  it('says production serves the new version when a step after a successful deployment failed the run', () => {
    const j = atReady();
    j.deployment('Succeeded');
    j.state('grafana-annotation', 'running').state('grafana-annotation', 'failed', {
      summary: 'Grafana refused the token',
    });
    j.add('observation', null, {
      subject: 'run-outcome',
      data: { outcome: 'failed', summary: "'Grafana dashboard annotated' failed" },
    });
    const view = deriveRunView(j.facts(), ctx());
    expect(view.outcome).toBe('failed');
    expect(view.headline).toBe(
      "Failed after the release: production serves 1.5.1 on sandbox, but the run did not complete. 'Grafana dashboard annotated' failed",
    );
    // The notices say the same, not "production stayed on the previous release".
    const facts = noticeFacts(view, { evidencePath: '/vault/sandbox/1.5.1' });
    expect(facts.outcomeWords).toBe(
      'released, but the run failed before it completed (production serves the new version)',
    );
    expect(facts.customerImpact).toBe('none expected (zero-downtime cutover)');
  });
});
