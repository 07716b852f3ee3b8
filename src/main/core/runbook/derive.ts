import { isTerminalStatus } from '../aws/model';
import type { Environment } from '../config/environment';
import type {
  DeploymentView,
  RunView,
  SectionView,
  StepState,
  StepView,
} from '../../../shared/domain/run';
import type { DeploymentObservation, RunFacts, StepFacts } from './facts';
import { operations, type OperationSpec } from './operations';
import { readPath, renderText, type TemplateContext } from './template';
import type { Runbook, RunbookStep } from './types';

/**
 * Pure derivation: runbook + facts (folded from the journal) -> what is done, ready, blocked and why, what is next,
 * whether Approve and Rollback are allowed, the countdowns, and the RunView snapshot. Nothing here touches AWS,
 * SQLite or a clock other than `nowWall`.
 */

export type DeriveContext = {
  runbook: Runbook;
  /** For rendering templates in titles, commands and guidance; may be undefined when the config lost it. */
  environment: Environment | undefined;
  /** Integrations configured for the environment (an optional step that needs a missing one is skipped). */
  integrations: ReadonlySet<string>;
  /** Steps running in this process right now (the journal says `running` too; this also covers the gap). */
  running: ReadonlySet<string>;
  /** Live output lines of the last attempt, per step (kept in memory, not journaled line by line). */
  output: ReadonlyMap<string, readonly string[]>;
  chain: RunView['chain'];
  bundlePath?: string | undefined;
};

const DONE: ReadonlySet<string> = new Set(['passed', 'attested', 'overridden', 'skipped']);
export const isSatisfied = (state: string | undefined): boolean =>
  state !== undefined && DONE.has(state);

const ROLLBACK_OPERATIONS: ReadonlySet<string> = new Set([
  'codedeploy.stop-with-rollback',
  'codedeploy.redeploy-last-known-good',
]);

/** Template values for display and for an executor's parameters. */
export function templateContext(
  facts: RunFacts,
  environment: Environment | undefined,
): TemplateContext {
  return {
    lookup(expression) {
      if (expression === 'version') return facts.version;
      if (expression === 'run.id') return facts.runId;
      if (expression === 'run.operator') return facts.operator;
      if (expression === 'deployment.id') return facts.deploymentId;
      if (expression.startsWith('env.')) {
        if (environment === undefined) return undefined;
        return readPath(environment, expression.slice(4));
      }
      const m = /^steps\.([^.]+)\.(.+)$/.exec(expression);
      if (m?.[1] !== undefined && m[2] !== undefined) {
        const s = facts.steps.get(m[1]);
        return s === undefined || !isSatisfied(s.state) ? undefined : s.data[m[2]];
      }
      return undefined;
    },
  };
}

/** Steps that (transitively) require a step creating the release deployment: they lose meaning when it fails. */
export function dependsOnDeployment(runbook: Runbook): Set<string> {
  const byId = new Map(runbook.steps.map((s) => [s.id, s]));
  const memo = new Map<string, boolean>();
  const visit = (id: string, seen: Set<string>): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return false;
    seen.add(id);
    const step = byId.get(id);
    const result =
      step !== undefined &&
      step.requires.some(
        (r) => byId.get(r)?.operation === 'codedeploy.create-deployment' || visit(r, seen),
      );
    memo.set(id, result);
    return result;
  };
  return new Set(
    runbook.steps.filter((s) => s.when === 'always' && visit(s.id, new Set())).map((s) => s.id),
  );
}

/** Every (transitive) prerequisite of a step. */
export function ancestorsOf(runbook: Runbook, id: string): Set<string> {
  const byId = new Map(runbook.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.requires ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.requires ?? []));
  }
  return seen;
}

/** Why the release cannot go on (rollback asked for, or the deployment ended without succeeding), or undefined. */
export function derailment(facts: RunFacts): string | undefined {
  if (facts.rollbackRequested !== undefined)
    return `a rollback was requested (${facts.rollbackRequested.reason})`;
  const d = facts.deployment?.deployment;
  if (d !== undefined && isTerminalStatus(d.status) && d.status !== 'Succeeded') {
    const why = d.errorInformation?.code ?? d.errorInformation?.message;
    return `the deployment ended ${d.status}${why ? ` (${why})` : ''}`;
  }
  if (facts.rollback !== undefined) return 'CodeDeploy rolled the deployment back';
  return undefined;
}

export type Guard = { ok: true } | { ok: false; reason: string };

/**
 * Step titles as the operator reads them in the checklist, templates filled from the run (`Image 1.5.1 pushed to
 * ECR`, not `Image ${{ version }} ...`): reasons and headlines quote them.
 */
function titleReader(
  runbook: Runbook,
  facts: RunFacts,
  environment: Environment | undefined,
): (step: RunbookStep | string) => string {
  const context = templateContext(facts, environment);
  return (step) => {
    if (typeof step !== 'string') return renderText(step.title, context);
    const found = runbook.steps.find((s) => s.id === step);
    return found === undefined ? step : renderText(found.title, context);
  };
}

/**
 * Approve = ContinueDeployment(READY_WAIT): only while the deployment is Ready (reference: otherwise
 * DeploymentIsNotInReadyStateException), nothing derailed the release, and every prerequisite of the approve
 * step — every gate among them — passed or was overridden with a reason.
 */
export function approveGuard(
  runbook: Runbook,
  facts: RunFacts,
  running: ReadonlySet<string> = new Set(),
  environment?: Environment,
): Guard {
  const approve = runbook.steps.find((s) => s.operation === 'codedeploy.approve');
  if (approve === undefined) return { ok: false, reason: 'this runbook has no approve step' };
  if (facts.outcome !== undefined) return { ok: false, reason: 'the run has ended' };
  const done = facts.steps.get(approve.id);
  if (done?.state === 'passed') return { ok: false, reason: 'already approved' };
  if (done?.state === 'running' || running.has(approve.id))
    return { ok: false, reason: 'approval is being sent' };
  const derailed = derailment(facts);
  if (derailed !== undefined) return { ok: false, reason: derailed };
  if (facts.deploymentId === undefined) return { ok: false, reason: 'no deployment exists yet' };
  const status = facts.deployment?.deployment.status;
  if (status !== 'Ready')
    return { ok: false, reason: `the deployment is ${status ?? 'not observed yet'}, not Ready` };
  const ancestors = ancestorsOf(runbook, approve.id);
  const titleOf = titleReader(runbook, facts, environment);
  const failedGates: string[] = [];
  const waiting: string[] = [];
  for (const step of runbook.steps) {
    if (!ancestors.has(step.id)) continue;
    const state = facts.steps.get(step.id)?.state;
    if (isSatisfied(state)) continue;
    if (state === 'failed') failedGates.push(titleOf(step));
    else waiting.push(titleOf(step));
  }
  if (failedGates.length > 0) {
    return {
      ok: false,
      reason: `failed: ${failedGates.join(', ')} (override with a written reason, or roll back)`,
    };
  }
  if (waiting.length > 0) return { ok: false, reason: `waits for: ${waiting.join(', ')}` };
  return { ok: true };
}

/**
 * Rollback is reachable from the moment a deployment exists: while it is active, StopDeployment with
 * auto-rollback; once it has ended Succeeded, a redeploy of the last known good. Never while a rollback
 * (or the rollback CodeDeploy started itself) is already under way.
 */
export function rollbackGuard(facts: RunFacts): Guard & { via?: 'stop' | 'redeploy' } {
  if (facts.deploymentId === undefined) return { ok: false, reason: 'no deployment exists yet' };
  if (facts.rollbackRequested !== undefined)
    return { ok: false, reason: 'a rollback was already requested' };
  const status = facts.deployment?.deployment.status;
  const rb = facts.rollback?.deployment;
  if (rb !== undefined && !isTerminalStatus(rb.status))
    return { ok: false, reason: `rollback deployment ${rb.deploymentId} is running` };
  if (!isTerminalStatus(status)) return { ok: true, via: 'stop' };
  if (status === 'Succeeded') {
    if (facts.redeployId !== undefined)
      return { ok: false, reason: 'the last known good was already redeployed' };
    return { ok: true, via: 'redeploy' };
  }
  return {
    ok: false,
    reason: `the deployment already ended ${status ?? ''} and CodeDeploy restored blue`.trim(),
  };
}

/** ContinueDeployment(TERMINATION_WAIT): only during the termination wait. */
export function terminateBlueGuard(facts: RunFacts): Guard {
  const d = facts.deployment?.deployment;
  if (d === undefined) return { ok: false, reason: 'no deployment observed yet' };
  if (isTerminalStatus(d.status)) return { ok: false, reason: `the deployment is ${d.status}` };
  if (!d.terminationWaitStarted)
    return { ok: false, reason: 'the termination wait has not started (traffic not shifted yet)' };
  return { ok: true };
}

type StepStatus = {
  state: StepState;
  blockedReason?: string;
  canRun: boolean;
  canOverride: boolean;
  canAttest: boolean;
};

/** The state of every step, with reasons: the heart of "what is next". */
export function stepStatuses(
  runbook: Runbook,
  facts: RunFacts,
  ctx: Pick<DeriveContext, 'integrations' | 'running'> & { environment?: Environment | undefined },
): Map<string, StepStatus> {
  const result = new Map<string, StepStatus>();
  const titleOf = titleReader(runbook, facts, ctx.environment);
  const derailed = derailment(facts);
  const needsDeployment = dependsOnDeployment(runbook);
  const finished = facts.outcome !== undefined;
  const rolledBackOrFailed =
    derailed !== undefined ||
    facts.outcome?.outcome === 'rolled-back' ||
    facts.outcome?.outcome === 'failed';
  const pendingByStep = new Set(
    [...facts.pendingIntents.values()]
      .map((p) => p.stepId)
      .filter((s): s is string => s !== undefined),
  );
  const stateOf = (id: string): string | undefined =>
    result.get(id)?.state ?? facts.steps.get(id)?.state;

  const blockedByPrereqs = (step: RunbookStep): string | undefined => {
    const failed = step.requires.filter((r) => stateOf(r) === 'failed');
    if (failed.length > 0) {
      return `blocked: ${failed.map((r) => `'${titleOf(r)}'`).join(', ')} failed (retry, override with a reason, or roll back)`;
    }
    const waiting = step.requires.filter((r) => !isSatisfied(stateOf(r)));
    return waiting.length > 0
      ? `waits for: ${waiting.map((r) => titleOf(r)).join(', ')}`
      : undefined;
  };

  const guardFor = (step: RunbookStep): string | undefined => {
    if (pendingByStep.has(step.id))
      return 'an earlier call of this step has no recorded outcome yet: reconciling with AWS';
    if (step.operation === 'codedeploy.approve') {
      const g = approveGuard(runbook, facts, ctx.running, ctx.environment);
      return g.ok ? undefined : g.reason;
    }
    return undefined;
  };

  // Runbook order is a valid topological order for display; iterate until stable so prerequisites declared later
  // in the file are still resolved first.
  const order = topological(runbook);
  for (const step of order) {
    const f: StepFacts | undefined = facts.steps.get(step.id);
    const spec: OperationSpec | undefined =
      step.operation === undefined ? undefined : operations[step.operation];
    const overridable = step.kind === 'gate' || spec?.overridable === true;
    const isRunning = ctx.running.has(step.id) || f?.state === 'running';
    const base = { canRun: false, canOverride: false, canAttest: false };
    if (isRunning) {
      result.set(step.id, { ...base, state: 'running' });
      continue;
    }
    const recorded = f?.state;
    if (
      recorded === 'passed' ||
      recorded === 'attested' ||
      recorded === 'overridden' ||
      recorded === 'skipped'
    ) {
      result.set(step.id, { ...base, state: recorded });
      continue;
    }
    if (
      spec?.integration !== undefined &&
      !ctx.integrations.has(spec.integration) &&
      step.optional
    ) {
      result.set(step.id, {
        ...base,
        state: 'skipped',
        blockedReason: `no ${spec.integration} integration is configured for this environment`,
      });
      continue;
    }
    if (finished) {
      result.set(step.id, {
        ...base,
        state: recorded === 'failed' ? 'failed' : 'pending',
        ...(recorded === 'failed'
          ? {}
          : { blockedReason: `the run has ended (${facts.outcome?.outcome ?? ''})` }),
      });
      continue;
    }
    let reason: string | undefined;
    if (step.when === 'on-demand') {
      if (step.operation === 'codedeploy.stop-with-rollback') {
        const g = rollbackGuard(facts);
        reason = g.ok
          ? g.via === 'stop'
            ? undefined
            : 'the deployment has ended: use "Redeploy the last known good"'
          : g.reason;
      } else if (step.operation === 'codedeploy.redeploy-last-known-good') {
        const g = rollbackGuard(facts);
        reason =
          blockedByPrereqs(step) ??
          (facts.deploymentId === undefined
            ? undefined
            : g.ok && g.via === 'redeploy'
              ? undefined
              : g.ok
                ? 'the deployment is still active: stop it with rollback instead'
                : g.reason);
      } else {
        reason = blockedByPrereqs(step);
      }
    } else if (step.when === 'after-rollback') {
      reason = rolledBackOrFailed
        ? blockedByPrereqs(step)
        : 'only after a rollback or a failed deployment';
    } else {
      if (derailed !== undefined && needsDeployment.has(step.id))
        reason = `not possible: ${derailed}`;
      reason ??= blockedByPrereqs(step) ?? guardFor(step);
    }
    const canProceed = reason === undefined;
    if (recorded === 'failed') {
      result.set(step.id, {
        state: 'failed',
        ...(canProceed ? {} : { blockedReason: reason }),
        canRun:
          canProceed &&
          step.kind !== 'attestation' &&
          !ROLLBACK_OPERATIONS.has(step.operation ?? ''),
        canOverride: overridable && (derailed === undefined || !needsDeployment.has(step.id)),
        canAttest: false,
      });
      continue;
    }
    if (!canProceed) {
      result.set(step.id, { ...base, state: 'pending', blockedReason: reason });
      continue;
    }
    result.set(step.id, {
      state: 'ready',
      // Rollback steps start through Roll back (deployment.canRollback), which records a reason.
      canRun: step.kind !== 'attestation' && !ROLLBACK_OPERATIONS.has(step.operation ?? ''),
      canOverride: false,
      canAttest: step.kind === 'attestation',
    });
  }
  return result;
}

/** Steps ordered so each comes after its prerequisites (file order among equals). The loader refused cycles. */
export function topological(runbook: Runbook): RunbookStep[] {
  const out: RunbookStep[] = [];
  const placed = new Set<string>();
  const byId = new Map(runbook.steps.map((s) => [s.id, s]));
  const place = (step: RunbookStep, guard: Set<string>): void => {
    if (placed.has(step.id) || guard.has(step.id)) return;
    guard.add(step.id);
    for (const r of step.requires) {
      const dep = byId.get(r);
      if (dep !== undefined) place(dep, guard);
    }
    placed.add(step.id);
    out.push(step);
  };
  for (const s of runbook.steps) place(s, new Set());
  return out;
}

/** The step the operator should do next: the first ready step of the walk, else the first running one. */
export function nextStep(
  runbook: Runbook,
  statuses: ReadonlyMap<string, StepStatus>,
): RunbookStep | undefined {
  const walk = runbook.steps.filter((s) => s.when !== 'on-demand');
  return (
    walk.find((s) => statuses.get(s.id)?.state === 'ready') ??
    walk.find((s) => statuses.get(s.id)?.state === 'running')
  );
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

type WaitSetting = { action?: string | undefined; minutes?: number | undefined } | undefined;

/**
 * The ready-window and termination countdowns: the wait's length from the deployment's own blue/green
 * configuration (else the group settings read by the runbook), its start from AWS's lifecycle event times.
 */
function countdowns(
  obs: DeploymentObservation,
  group: { readyWait: WaitSetting; termination: WaitSetting },
): Pick<DeploymentView, 'readyWait' | 'terminationWait'> {
  const d = {
    ...obs.deployment,
    readyWait:
      obs.deployment.readyWait?.minutes === undefined ? group.readyWait : obs.deployment.readyWait,
    termination:
      obs.deployment.termination?.minutes === undefined
        ? group.termination
        : obs.deployment.termination,
  };
  const events = obs.target?.lifecycleEvents ?? [];
  const endOf = (name: string): number | undefined => {
    const e = events.find((x) => x.name === name && x.endTime !== undefined);
    return e?.endTime === undefined ? undefined : Date.parse(e.endTime);
  };
  // AWS time -> local wall time, through the observation's pair of clocks (the sandbox's clock runs faster).
  const toWall = (aws: number): string =>
    isoOf(obs.wallNow + (aws - obs.awsNow) / (obs.timeScale || 1));
  const out: Pick<DeploymentView, 'readyWait' | 'terminationWait'> = {};
  // A window has a deadline once it has started, also after the deployment moved on or ended (the panel then says
  // it is over); without one the panel says it has not started, which a stopped deployment's window had.
  if (d.readyWait?.minutes !== undefined) {
    const start =
      endOf('AfterAllowTestTraffic') ??
      endOf('AllowTestTraffic') ??
      (d.status === 'Ready' ? obs.readySince : undefined);
    out.readyWait = {
      action: d.readyWait.action ?? 'STOP_DEPLOYMENT',
      minutes: d.readyWait.minutes,
      ...(start === undefined ? {} : { deadline: toWall(start + d.readyWait.minutes * 60_000) }),
    };
  }
  if (d.termination?.minutes !== undefined) {
    const start =
      endOf('AfterAllowTraffic') ??
      (d.terminationWaitStarted && !isTerminalStatus(d.status) ? obs.terminationSince : undefined);
    out.terminationWait = {
      action: d.termination.action ?? 'TERMINATE',
      minutes: d.termination.minutes,
      ...(start === undefined ? {} : { deadline: toWall(start + d.termination.minutes * 60_000) }),
    };
  }
  return out;
}

/** The waits the runbook read from the deployment group (GetDeploymentGroup), if it did. */
function groupWaits(facts: RunFacts): { readyWait: WaitSetting; termination: WaitSetting } {
  const data = [...facts.steps.values()].find(
    (s) => s.data['readyWait'] !== undefined && s.data['termination'] !== undefined,
  )?.data;
  return {
    readyWait: data?.['readyWait'] as WaitSetting,
    termination: data?.['termination'] as WaitSetting,
  };
}

/**
 * Where production traffic is now: once a rollback (or a redeploy of the last known good) is under way, its task
 * sets are the live ones; the stopped deployment's last picture would still show green at 100 %.
 */
function currentTaskSets(facts: RunFacts) {
  const newestFirst = [facts.redeploy, facts.rollback, facts.deployment];
  return newestFirst.find((o) => (o?.target?.taskSets.length ?? 0) > 0)?.target?.taskSets ?? [];
}

/** The deployment panel: AWS's view plus what the operator may do now. */
export function deploymentView(
  runbook: Runbook,
  facts: RunFacts,
  running: ReadonlySet<string> = new Set(),
  environment?: Environment,
): DeploymentView | undefined {
  const id = facts.deploymentId;
  if (id === undefined) return undefined;
  const obs = facts.deployment;
  const d = obs?.deployment;
  const approve = approveGuard(runbook, facts, running, environment);
  const rollback = rollbackGuard(facts);
  const terminate = terminateBlueGuard(facts);
  const rb = facts.rollback?.deployment;
  const rollbackId = rb?.deploymentId ?? d?.rollbackInfo?.rollbackDeploymentId;
  const view: DeploymentView = {
    deploymentId: id,
    status: d?.status ?? 'Created',
    ...(d?.creator === undefined ? {} : { creator: d.creator }),
    ...(d?.createTime === undefined ? {} : { createTime: d.createTime }),
    ...(d?.completeTime === undefined ? {} : { completeTime: d.completeTime }),
    lifecycleEvents: (obs?.target?.lifecycleEvents ?? []).map((e) => ({
      name: e.name,
      status: e.status,
      ...(e.startTime === undefined ? {} : { startTime: e.startTime }),
      ...(e.endTime === undefined ? {} : { endTime: e.endTime }),
    })),
    taskSets: currentTaskSets(facts).map((t) => ({
      label: t.label ?? t.id,
      trafficWeight: t.trafficWeight,
      status: t.status ?? 'UNKNOWN',
      ...(t.desiredCount === undefined ? {} : { desiredCount: t.desiredCount }),
      ...(t.runningCount === undefined ? {} : { runningCount: t.runningCount }),
    })),
    ...(obs === undefined ? {} : countdowns(obs, groupWaits(facts))),
    ...(d?.errorInformation === undefined
      ? {}
      : {
          errorInformation: {
            code: d.errorInformation.code ?? 'UNKNOWN',
            message: d.errorInformation.message ?? '',
          },
        }),
    ...(rollbackId === undefined
      ? {}
      : {
          rollback: {
            deploymentId: rollbackId,
            ...(rb?.status === undefined ? {} : { status: rb.status }),
            ...(d?.rollbackInfo?.rollbackMessage === undefined
              ? {}
              : { message: d.rollbackInfo.rollbackMessage }),
          },
        }),
    canApprove: approve.ok,
    ...(approve.ok ? {} : { approveBlockedReason: approve.reason }),
    canRollback: rollback.ok && facts.outcome === undefined,
    canTerminateBlue: terminate.ok && facts.outcome === undefined,
    isActive: d === undefined ? true : !isTerminalStatus(d.status),
  };
  return view;
}

function headline(
  runbook: Runbook,
  facts: RunFacts,
  statuses: ReadonlyMap<string, StepStatus>,
  deployment: DeploymentView | undefined,
  titleOf: (step: RunbookStep) => string,
): string {
  const target = `${facts.version} to ${facts.environment}`;
  if (facts.outcome !== undefined) {
    // A step after the traffic shift (the vault record, Grafana, Slack) can fail a run whose deployment succeeded:
    // production then serves the new version, and "not released" would send the operator the wrong way.
    const failedAfterRelease =
      facts.deployment?.deployment.status === 'Succeeded' &&
      facts.redeploy?.deployment.status !== 'Succeeded';
    const what = {
      released: `Released ${target}`,
      'rolled-back': `Rolled back: ${target} is not released`,
      failed: failedAfterRelease
        ? `Failed after the release: production serves ${facts.version} on ${facts.environment}, but the run did not complete`
        : `Failed: ${target} is not released`,
      stopped: `Stopped: ${target} is not released`,
      refused: `Refused: ${target} was not started`,
      abandoned: `Abandoned: ${target}`,
    }[facts.outcome.outcome];
    return facts.outcome.summary ? `${what}. ${facts.outcome.summary}` : `${what}.`;
  }
  const rb = facts.rollback?.deployment;
  if (rb !== undefined && !isTerminalStatus(rb.status))
    return `Rolling back: following rollback deployment ${rb.deploymentId} (${rb.status}).`;
  if (facts.rollbackRequested !== undefined && (rb === undefined || !isTerminalStatus(rb.status)))
    return 'Rolling back: stop requested, waiting for CodeDeploy.';
  const running = runbook.steps.filter((s) => statuses.get(s.id)?.state === 'running').map(titleOf);
  if (deployment?.canApprove) {
    const until = deployment.readyWait?.deadline;
    return `Every gate passed: approve the traffic shift${until ? ` before ${until.slice(11, 19)}Z (then ${deployment.readyWait?.action ?? 'STOP_DEPLOYMENT'})` : ''}.`;
  }
  const next = nextStep(runbook, statuses);
  if (running.length > 0) return `Running: ${running.join(', ')}.`;
  if (next !== undefined && statuses.get(next.id)?.state === 'ready')
    return `Next: ${titleOf(next)}.`;
  const blocked = runbook.steps.find(
    (s) => s.when === 'always' && statuses.get(s.id)?.state === 'failed',
  );
  if (blocked !== undefined) return `Blocked: '${titleOf(blocked)}' failed.`;
  return 'Waiting.';
}

/** The RunView snapshot: sections of steps with their states and reasons, the deployment panel, gates, chain. */
export function deriveRunView(facts: RunFacts, ctx: DeriveContext): RunView {
  const { runbook } = ctx;
  const statuses = stepStatuses(runbook, facts, ctx);
  const tctx = templateContext(facts, ctx.environment);
  const titleOf = titleReader(runbook, facts, ctx.environment);
  const sections: SectionView[] = runbook.sections.map((section) => ({
    id: section.id,
    title: section.title,
    steps: runbook.steps
      .filter((s) => s.section === section.id)
      .map((s): StepView => {
        const st = statuses.get(s.id) ?? {
          state: 'pending' as const,
          canRun: false,
          canOverride: false,
          canAttest: false,
        };
        const f = facts.steps.get(s.id);
        const summary = f?.summary ?? (st.state === 'skipped' ? st.blockedReason : undefined);
        return {
          id: s.id,
          sectionId: s.section,
          title: titleOf(s),
          kind: s.kind,
          state: st.state,
          ...(st.blockedReason === undefined || st.state === 'skipped'
            ? {}
            : { blockedReason: st.blockedReason }),
          guidance: renderText(s.guidance, tctx),
          ...(s.command === undefined ? {} : { command: renderText(s.command, tctx) }),
          ...(f?.startedAt === undefined ? {} : { startedAt: f.startedAt }),
          ...(f?.endedAt === undefined || st.state === 'running' ? {} : { endedAt: f.endedAt }),
          ...(summary === undefined ? {} : { summary }),
          output: [...(ctx.output.get(s.id) ?? [])].slice(-200),
          evidence: f?.evidence ?? [],
          ...(f?.decision === undefined ? {} : { decision: f.decision }),
          canRun: st.canRun,
          canOverride: st.canOverride,
          canAttest: st.canAttest,
        };
      }),
  }));
  const deployment = deploymentView(runbook, facts, ctx.running, ctx.environment);
  const next = nextStep(runbook, statuses);
  return {
    id: facts.runId,
    environment: facts.environment,
    version: facts.version,
    runbookId: facts.runbook.id,
    runbookHash: facts.runbook.hash,
    operator: facts.operator,
    startedAt: facts.startedAt,
    ...(facts.outcome === undefined
      ? {}
      : { endedAt: facts.finished?.at ?? facts.outcome.at, outcome: facts.outcome.outcome }),
    headline: headline(runbook, facts, statuses, deployment, titleOf),
    sections,
    ...(next === undefined || facts.outcome !== undefined ? {} : { nextStepId: next.id }),
    ...(deployment === undefined ? {} : { deployment }),
    ...(facts.smoke === undefined ? {} : { smoke: facts.smoke }),
    ...(facts.probe === undefined ? {} : { probe: facts.probe }),
    chain: ctx.chain,
    ...(ctx.bundlePath === undefined ? {} : { bundlePath: ctx.bundlePath }),
    isRehearsal: facts.settings.rehearsal,
  };
}
