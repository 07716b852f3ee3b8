import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunView } from '../../../shared/domain/run';
import type { ScenarioName } from '../sandbox/scenarios';
import { isTerminalStatus } from '../aws/model';
import { AppError } from '../errors';
import type { AutoRunOptions } from './engine';
import type { RunningSandbox } from './environments';
import type { RunFacts } from './facts';
import { foldJournal } from './facts';

/** What a rehearsal of a scenario must end with (issue 7), in words, and how to check it from the evidence. */
export const expectations: Record<ScenarioName, string> = {
  happy: 'released and verified on production',
  'smoke-fails': 'smoke gate failed, nothing shifted, stopped with rollback',
  'slow-green': 'load gate failed, nothing shifted, stopped with rollback',
  'alarm-rollback': "CodeDeploy's automatic rollback noticed and recorded",
  'hook-fails': 'failure recorded, nothing left half-done',
  'ready-timeout': 'failure recorded, nothing left half-done',
  throttling: 'released despite the throttling',
  'already-active': 'refused, no second deployment',
  'vpn-down': 'stopped before any AWS change',
  'sso-expired': 'stopped with the sign-in instruction, nothing changed',
};

export type Judgement = { ok: boolean; expected: string; problems: string[] };

const MUTATING = new Set([
  'ecs:RegisterTaskDefinition',
  'codedeploy:CreateDeployment',
  'codedeploy:ContinueDeployment',
  'codedeploy:StopDeployment',
]);

/**
 * Did the run end as the scenario should? Judged from the run's own evidence (its facts and view) and, for
 * "nothing left half-done", from AWS: `activeAfter` is how many deployments are still active in the group.
 */
export function judgeRehearsal(
  scenario: ScenarioName,
  view: RunView,
  facts: RunFacts,
  activeAfter: number,
): Judgement {
  const problems: string[] = [];
  const expect = (condition: boolean, problem: string): void => {
    if (!condition) problems.push(problem);
  };
  const state = (id: string): string | undefined =>
    view.sections.flatMap((s) => s.steps).find((s) => s.id === id)?.state;
  // Deployments this run made CodeDeploy create (a retried intent that found its deployment adopts it instead).
  const created = new Set(
    facts.outcomes
      .filter(
        (o) =>
          o.action === 'codedeploy:CreateDeployment' &&
          o.status === 'succeeded' &&
          typeof o.response['deploymentId'] === 'string',
      )
      .map((o) => o.response['deploymentId'] as string),
  );
  const creates = created.size;
  const awsChanges = facts.intents.filter((i) => MUTATING.has(i.action)).length;
  const d = view.deployment;
  expect(
    activeAfter === 0 || scenario === 'already-active',
    `${activeAfter} deployment(s) still active in the group`,
  );
  expect(creates <= 1, `${creates} deployments were created for one run`);
  switch (scenario) {
    case 'happy':
    case 'throttling':
      expect(
        view.outcome === 'released',
        `outcome is ${view.outcome ?? 'none'}, expected released`,
      );
      expect(
        state('production-version') === 'passed',
        'production was not verified on the new version',
      );
      expect(
        d?.status === 'Succeeded',
        `deployment is ${d?.status ?? 'absent'}, expected Succeeded`,
      );
      break;
    case 'smoke-fails':
    case 'slow-green': {
      const gate = scenario === 'smoke-fails' ? 'smoke-tests' : 'load-gate';
      expect(state(gate) === 'failed', `${gate} is ${state(gate) ?? '?'}, expected failed`);
      expect(
        state('approve-traffic-shift') !== 'passed',
        'traffic was shifted although a gate failed',
      );
      expect(
        !facts.intents.some((i) => i.action === 'codedeploy:ContinueDeployment'),
        'ContinueDeployment was sent',
      );
      expect(
        facts.intents.some((i) => i.action === 'codedeploy:StopDeployment'),
        'StopDeployment was not sent',
      );
      expect(d?.rollback !== undefined, 'no rollback deployment recorded');
      expect(
        view.outcome === 'rolled-back',
        `outcome is ${view.outcome ?? 'none'}, expected rolled-back`,
      );
      break;
    }
    case 'alarm-rollback':
      expect(
        view.outcome === 'rolled-back',
        `outcome is ${view.outcome ?? 'none'}, expected rolled-back`,
      );
      expect(
        d?.errorInformation?.code === 'ALARM_ACTIVE',
        `deployment error is ${d?.errorInformation?.code ?? 'none'}, expected ALARM_ACTIVE`,
      );
      expect(
        d?.rollback?.status === 'Succeeded',
        `rollback deployment is ${d?.rollback?.status ?? 'absent'}, expected Succeeded`,
      );
      expect(
        !facts.intents.some((i) => i.action === 'codedeploy:StopDeployment'),
        "Greenlight stopped it itself; the rollback was supposed to be CodeDeploy's",
      );
      break;
    case 'hook-fails':
    case 'ready-timeout':
      expect(view.outcome === 'failed', `outcome is ${view.outcome ?? 'none'}, expected failed`);
      expect(
        d !== undefined && ['Failed', 'Stopped'].includes(d.status),
        `deployment is ${d?.status ?? 'absent'}, expected Failed or Stopped`,
      );
      expect(
        d?.rollback === undefined || isTerminalStatus(d.rollback.status),
        'the rollback deployment did not finish',
      );
      if (scenario === 'hook-fails')
        expect(
          d?.errorInformation?.code === 'HOOK_EXECUTION_FAILURE',
          `error is ${d?.errorInformation?.code ?? 'none'}, expected HOOK_EXECUTION_FAILURE`,
        );
      break;
    case 'already-active':
      expect(view.outcome === 'refused', `outcome is ${view.outcome ?? 'none'}, expected refused`);
      expect(creates === 0 && awsChanges === 0, `${awsChanges} AWS change(s) attempted`);
      expect(facts.deploymentId === undefined, 'a deployment was created');
      expect(state('no-active-deployment') === 'failed', 'the active deployment was not detected');
      break;
    case 'vpn-down':
      expect(view.outcome === 'stopped', `outcome is ${view.outcome ?? 'none'}, expected stopped`);
      expect(awsChanges === 0, `${awsChanges} AWS change(s) attempted`);
      expect(state('vpn-connected') === 'failed', 'the VPN check did not fail');
      break;
    case 'sso-expired': {
      expect(view.outcome === 'stopped', `outcome is ${view.outcome ?? 'none'}, expected stopped`);
      expect(awsChanges === 0, `${awsChanges} AWS change(s) attempted`);
      const signIn = view.sections.flatMap((s) => s.steps).find((s) => s.id === 'aws-signed-in');
      expect(
        signIn?.state === 'failed' && /sso login/.test(signIn.summary ?? ''),
        'no sign-in instruction on the identity check',
      );
      break;
    }
  }
  return { ok: problems.length === 0, expected: expectations[scenario], problems };
}

export type RehearsalOptions = {
  scenario: ScenarioName;
  timeScale: number;
  /** Where the evidence database lives (a fresh temp dir by default in the CLI). */
  dataDir: string;
  /** The release vault folder the bundle is exported to (default `<dataDir>/vault`). */
  vaultRoot?: string;
  version?: string;
  /** Overall limit in real ms (default: enough for the group's waits at this time scale, plus margin). */
  deadlineMs?: number;
  /** As the engine's auto-run reports each step state change. */
  onStep?: AutoRunOptions['onStep'];
  /** A sandbox already running elsewhere (a benchmark keeps it in another process); it must be on `scenario`. */
  sandbox?: RunningSandbox | undefined;
};

export type RehearsalResult = {
  view: RunView;
  judgement: Judgement;
  bundle: { path: string; files: number; bytes: number } | undefined;
  bundleProblems: string[];
  wallMs: number;
  /** CPU time of this process during the rehearsal (engine, sandbox and checks share it). */
  cpuMs: { user: number; system: number };
};

/**
 * Headless rehearsal: starts an embedded sandbox on the scenario, opens an evidence store, walks the whole
 * runbook unattended, exports and verifies the bundle, and judges the run against the scenario's expectation.
 */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalResult> {
  const [
    { startSandbox },
    { openEvidenceStore },
    { loadRunbook },
    { RunbookEngine },
    { createEnvironmentProvider },
    { verifyBundle },
  ] = await Promise.all([
    import('../sandbox/index'),
    import('../evidence/store'),
    import('./load'),
    import('./engine'),
    import('./environments'),
    import('../vault/verify'),
  ]);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await mkdir(options.dataDir, { recursive: true });
  const own =
    options.sandbox === undefined
      ? await startSandbox({
          scenario: options.scenario,
          timeScale: options.timeScale,
          stateFile: join(options.dataDir, 'sandbox-state.json'),
        })
      : undefined;
  const sandbox: RunningSandbox = own ?? (options.sandbox as RunningSandbox);
  const { store } = await openEvidenceStore({ dataDir: options.dataDir });
  const environments = createEnvironmentProvider({
    dataDir: options.dataDir,
    sandboxInstance: sandbox,
    sandboxVaultRoot: options.vaultRoot ?? join(options.dataDir, 'vault'),
  });
  const engine = new RunbookEngine({ store, environments, runbook: await loadRunbook() });
  try {
    const started = await engine.start({
      environment: 'sandbox',
      version: options.version ?? '1.5.1',
      rehearsal: true,
    });
    // Ready wait + termination wait + lifecycle, scaled, plus real time for the gates and AWS retries.
    const deadlineMs =
      options.deadlineMs ?? Math.ceil(((20 + 10 + 10) * 60_000) / options.timeScale) + 90_000;
    const signal = AbortSignal.timeout(deadlineMs);
    const view = await engine.autoRun(started.id, {
      signal,
      ...(options.onStep ? { onStep: options.onStep } : {}),
    });
    const autoExported = await engine.settled(started.id);
    if (view.outcome === undefined) {
      throw new AppError(
        'rehearsal-timeout',
        `The rehearsal did not finish within ${Math.round(deadlineMs / 1000)} s (headline: ${view.headline}).`,
        { runId: started.id },
      );
    }
    const env = await environments.get('sandbox');
    // Under sso-expired every AWS call is refused: look at the group as a signed-in operator would afterwards.
    if (options.scenario === 'sso-expired') own?.setScenario('happy');
    const active = await env.driver
      .checkNoActiveDeployment()
      .then((r) => r.facts.active.length)
      .catch(() => -1);
    const facts = foldJournal(started.id, store.listJournal(started.id, { limit: 10_000 }));
    let bundle: RehearsalResult['bundle'];
    const bundleProblems: string[] = [];
    try {
      // A released run exported itself when it finished; any other outcome is exported here (a rehearsal keeps all).
      const exported = autoExported ?? (await engine.exportBundle(started.id));
      bundle = { path: exported.path, files: exported.files, bytes: exported.bytes };
      const report = await verifyBundle(exported.path);
      if (!report.ok) bundleProblems.push(...report.problems.map((p) => p.message));
    } catch (error) {
      bundleProblems.push(error instanceof Error ? error.message : String(error));
    }
    const final = await engine.get(started.id);
    const judgement = judgeRehearsal(options.scenario, final, facts, Math.max(0, active));
    if (active < 0) judgement.problems.push('could not list the active deployments after the run');
    if (bundleProblems.length > 0)
      judgement.problems.push(...bundleProblems.map((p) => `bundle: ${p}`));
    judgement.ok = judgement.problems.length === 0;
    const cpu = process.cpuUsage(cpu0);
    return {
      view: final,
      judgement,
      bundle,
      bundleProblems,
      wallMs: performance.now() - t0,
      cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    };
  } finally {
    await engine.close();
    store.close();
    await environments.close();
    await own?.close();
  }
}
