import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorSurface } from '../../../src/renderer/src/components/ErrorSurface';
import { Checklist } from '../../../src/renderer/src/features/checklist/Checklist';
import { StepDetail } from '../../../src/renderer/src/features/checklist/StepDetail';
import { CommunicationPanel } from '../../../src/renderer/src/features/communication/CommunicationPanel';
import { DeploymentPanel } from '../../../src/renderer/src/features/deployment/DeploymentPanel';
import { GatesPanel } from '../../../src/renderer/src/features/gates/GatesPanel';
import { IdentityPanel } from '../../../src/renderer/src/features/start/IdentityPanel';
import { createAppStore, type AppState, type AppStore } from '../../../src/renderer/src/store';
import { StoreProvider } from '../../../src/renderer/src/store/context';
import type { ProbeView, RunView } from '../../../src/shared/domain/run';
import { fakeApi, runView } from './fake-api';

/**
 * Components rendered to markup from a given store state (mocked transport). A server render reads the store's
 * "initial" state, so the test hands the provider a store whose initial state is the one it set up.
 */
function render(element: ReactElement, state: Partial<AppState>): string {
  const store = createAppStore(fakeApi({}).api);
  store.setState(state);
  const frozen: AppStore = { ...store, getInitialState: store.getState };
  return renderToStaticMarkup(createElement(StoreProvider, { store: frozen, children: element }));
}

const withRun = (run: RunView): Partial<AppState> => ({ runId: run.id, run });
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const probe: ProbeView = {
  passed: false,
  verdict: 'p95 612 ms is over the 450 ms limit',
  samples: 1500,
  errorRate: 0.002,
  p50Ms: 120,
  p95Ms: 612,
  p99Ms: 700,
  maxMs: 910,
  thresholdP95Ms: 450,
  thresholdErrorRate: 0.01,
  histogram: [
    { upToMs: 100, count: 400 },
    { upToMs: 200, count: 800 },
    { upToMs: 500, count: 150 },
    { upToMs: 700, count: 140 },
    { upToMs: 5000, count: 10 },
  ],
};

describe('console components (mocked transport)', () => {
  it('keeps Approve disabled with main’s reason, and shows Roll back, traffic and the ready window', () => {
    const html = render(createElement(DeploymentPanel), withRun(runView()));
    expect(html).toMatch(
      /<button[^>]*disabled=""[^>]*aria-describedby="approve-blocked"[^>]*>Approve traffic shift<\/button>/,
    );
    expect(text(html)).toContain(
      'Smoke tests on green failed: override it with a reason or roll back',
    );
    expect(html).toContain('>Roll back</button>');
    expect(html).toContain('aria-label="Production traffic: Blue 100 %, Green 0 %"');
    expect(html).toMatch(/role="timer" aria-label="Ready window"/);
    expect(html).not.toContain('Terminate blue now');
  });

  it('shows the ready window of a stopped deployment as over, the termination wait as never started', () => {
    const base = runView();
    const html = render(
      createElement(DeploymentPanel),
      withRun({
        ...base,
        deployment: {
          ...base.deployment!,
          status: 'Stopped',
          isActive: false,
          canApprove: false,
          terminationWait: { action: 'TERMINATE', minutes: 10 },
        },
      }),
    );
    expect(text(html)).toContain('Ready window — 20 min window · over');
    expect(text(html)).toContain(
      'Blue termination 10 min not started · then AWS removes the blue task set',
    );
  });

  it('enables Approve when main says so, and shows an unknown AWS status and AWS’s error verbatim', () => {
    const base = runView();
    const html = render(
      createElement(DeploymentPanel),
      withRun({
        ...base,
        deployment: {
          ...base.deployment!,
          status: 'SomethingNew',
          canApprove: true,
          canTerminateBlue: true,
          errorInformation: {
            code: 'ALARM_ACTIVE',
            message: 'One or more alarms have been activated: fixnado-sandbox-alb-5xx',
          },
        },
      }),
    );
    expect(html).toMatch(/<button type="button" class="primary">Approve traffic shift<\/button>/);
    expect(html).toContain('>SomethingNew</span>');
    expect(text(html)).toContain(
      'ALARM_ACTIVE : One or more alarms have been activated: fixnado-sandbox-alb-5xx',
    );
    expect(html).toContain('Terminate blue now');
  });

  it('marks the next step, shows why a step is blocked, and gives every step an accessible name', () => {
    const html = render(createElement(Checklist), withRun(runView()));
    expect(html).toMatch(
      /data-step-id="smoke"[^>]*data-next="true"[^>]*tabindex="0"[^>]*aria-current="true"/,
    );
    expect(html).toContain('aria-label="Smoke tests on green — Failed, next step"');
    expect(html).toContain('aria-label="Load probe — Blocked"');
    expect(text(html)).toContain('waits for: Smoke tests on green');
    expect(html.match(/tabindex="0"/g)).toHaveLength(1);
  });

  it('shows a step’s exact command, live output, evidence and the override action', () => {
    const html = render(createElement(StepDetail), withRun(runView()));
    expect(text(html)).toContain(
      'newman run backend-smoke.json --env-var baseUrl=http://127.0.0.1:9443',
    );
    expect(html).toMatch(/role="log" aria-label="Output"/);
    expect(text(html)).toContain('500 Internal Server Error');
    expect(html).toContain('aria-label="Open smoke-tests.xml"');
    expect(html).toContain('aria-label="Override Smoke tests on green"');
    expect(html).toContain('aria-label="Retry Smoke tests on green"');
  });

  it('lists smoke failures first with their request and assertion, and draws the probe with the 450 ms line', () => {
    const html = render(createElement(GatesPanel), withRun(runView({ probe })));
    const rows = [...html.matchAll(/data-result="(\w+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['failed', 'passed', 'passed']);
    expect(text(html)).toContain('GET http://127.0.0.1:9443/api/v1/bookings');
    expect(text(html)).toContain('status is 200 : expected 500 to equal 200');
    expect(text(html)).toContain('p95 limit 450 ms');
    expect(text(html)).toContain('1,500 requests');
    expect(text(html)).toContain('0.20 %');
    expect(html).toContain('class="bar bar-over"');
  });

  it("shows AWS's words, our explanation and the sign-in command as the next thing to do", () => {
    const html = render(createElement(ErrorSurface), {
      errors: [
        {
          id: 1,
          request: 'run.step',
          code: 'sso-expired',
          message: 'Your SSO session for fixnado-staging has expired.',
          awsCode: 'ExpiredTokenException',
          awsMessage: 'The security token included in the request is expired',
          explanation: 'Sign in again; the step did not run.',
          loginCommand: 'aws sso login --profile fixnado-staging',
        },
      ],
    });
    const words = text(html);
    expect(words).toContain(
      'AWS said: ExpiredTokenException The security token included in the request is expired',
    );
    expect(words).toContain('Sign in again; the step did not run.');
    expect(words).toContain(
      'Next: Sign in with `aws sso login --profile fixnado-staging` in a terminal, then try again.',
    );
  });

  it('offers the exact sign-in command and a sign-in action when the SSO session expired', () => {
    const html = render(createElement(IdentityPanel, { environment: 'staging' }), {
      environmentStatus: {
        staging: {
          environment: 'staging',
          identity: {
            state: 'sso-expired',
            loginCommand: 'aws sso login --profile fixnado-staging',
            message: 'Token is expired',
          },
          vpn: { ok: false, message: 'egress 203.0.113.9 is outside 10.20.0.0/16' },
          versions: [],
        },
      },
    });
    expect(html).toContain(
      'aria-label="Sign-in command">aws sso login --profile fixnado-staging</code>',
    );
    expect(html).toContain('Sign in with AWS SSO');
    expect(text(html)).toContain('VPN not connected');
  });

  it('says when the run posted the Slack summary and offers to send it again; says so when no webhook is configured', () => {
    const run = runView();
    const notice = {
      slack: '*Fixnado backend 1.5.1* → *sandbox*',
      email: 'notice',
      isSlackConfigured: true,
      templateSource: 'built-in default',
    };
    const posted = text(
      render(createElement(CommunicationPanel), {
        ...withRun(run),
        notice: { ...notice, slackPostedAt: '2026-11-29T11:45:55.408Z' },
      }),
    );
    expect(posted).toContain('Posted to Slack at 11:45:55Z');
    expect(posted).toContain('Send again');
    const notYet = text(render(createElement(CommunicationPanel), { ...withRun(run), notice }));
    expect(notYet).toContain('Send to Slack');
    expect(notYet).not.toContain('Posted to Slack');
    const none = text(
      render(createElement(CommunicationPanel), {
        ...withRun(run),
        notice: { ...notice, isSlackConfigured: false },
      }),
    );
    expect(none).toContain(`No Slack webhook configured for ${run.environment}`);
    expect(none).not.toContain('Send to Slack');
  });
});
