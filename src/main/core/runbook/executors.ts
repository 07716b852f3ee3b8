import { isTerminalStatus, type DeploymentSnapshot } from '../aws/model';
import type { CheckArtifact } from '../checks/evidence';
import type { ProbeResult } from '../checks/probe-result';
import type { SmokeResult } from '../checks/smoke';
import { AppError } from '../errors';
import type { ProbeView, SmokeView } from '../../../shared/domain/run';
import type { ReleaseEnvironment } from './environments';
import type { RunFacts } from './facts';
import type { OperationName, ThresholdName } from './operations';
import type { RunbookStep } from './types';

/** What a step's executor returns; the engine journals it (state, summary, data, artifacts). */
export type ExecResult = {
  status: 'passed' | 'failed' | 'skipped';
  summary: string;
  data?: Record<string, unknown>;
  artifacts?: CheckArtifact[];
};

/** Everything an executor may use. The engine builds one per attempt. */
export type ExecContext = {
  runId: string;
  version: string;
  step: RunbookStep;
  params: Record<string, unknown>;
  thresholds: Partial<Record<ThresholdName, number>>;
  env: ReleaseEnvironment;
  isRehearsal: boolean;
  actor: string;
  signal: AbortSignal;
  facts(): RunFacts;
  output(line: string): void;
  progress(done: number, total: number, label?: string): void;
  /** Journal the intent, make the call, journal the outcome (whatever happens). */
  mutate<T>(
    action: string,
    request: Record<string, unknown>,
    call: () => Promise<T>,
    describe: (result: T) => Record<string, unknown>,
  ): Promise<T>;
  /** Resolves with the first non-undefined value of `test` over the run's facts (re-evaluated on every change). */
  waitFor<T>(test: (facts: RunFacts) => T | undefined): Promise<T>;
  /** Starts (or keeps) following a deployment with the watcher; its observations are journaled. */
  follow(deploymentId: string, role: 'release' | 'rollback' | 'redeploy'): void;
  /** Tells the watcher an action of ours is coming, so its effect is not reported as out-of-band. */
  expect(action: 'continue-ready' | 'continue-termination' | 'stop'): void;
  /** The rendered notices (Slack text, email text, template source). */
  notices(): Promise<{ slack: string; email: string; templateSource: string }>;
  /** Where the bundle of this run will be exported. */
  bundleHint(): string;
};

export type Executor = (ctx: ExecContext) => Promise<ExecResult>;

function describeEnd(d: DeploymentSnapshot): string {
  const why =
    d.errorInformation === undefined
      ? ''
      : ` (${d.errorInformation.code ?? ''}${d.errorInformation.message ? `: ${d.errorInformation.message}` : ''})`;
  return `${d.status}${why}`;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;

function requireString(ctx: ExecContext, name: string): string {
  const value = str(ctx.params[name]);
  if (value === undefined)
    throw new AppError(
      'runbook-param-missing',
      `Step ${ctx.step.id}: parameter '${name}' has no value.`,
      { step: ctx.step.id, param: name },
    );
  return value;
}

/** Credential failures end in the sign-in instruction, whatever produced them. */
function signInProblem(error: unknown, loginCommand: string): string | undefined {
  if (!(error instanceof AppError)) return undefined;
  const credentialCodes = new Set([
    'sso-expired',
    'sso-missing',
    'profile-missing',
    'credentials-unavailable',
    'ExpiredTokenException',
    'ExpiredToken',
    'UnrecognizedClientException',
    'InvalidClientTokenId',
    'UnauthorizedException',
  ]);
  if (!credentialCodes.has(error.code)) return undefined;
  const detail = (error.detail ?? {}) as { sso?: { loginCommand?: string } };
  const command = detail.sso?.loginCommand ?? loginCommand;
  return `${error.message.replace(/\s*Run: .*$/, '')} Sign in again with: ${command}`;
}

/** Green's deployment, once CreateDeployment answered. */
function deploymentIdOf(ctx: ExecContext): string {
  const id = ctx.facts().deploymentId;
  if (id === undefined)
    throw new AppError('no-deployment', 'No deployment exists in this run yet.');
  return id;
}

/** Waits on the release deployment's observations until `test` decides. */
async function awaitDeployment(
  ctx: ExecContext,
  test: (d: DeploymentSnapshot, f: RunFacts) => ExecResult | undefined,
): Promise<ExecResult> {
  const id = deploymentIdOf(ctx);
  ctx.follow(id, 'release');
  return ctx.waitFor((f) => {
    const d = f.deployment?.deployment;
    return d === undefined ? undefined : test(d, f);
  });
}

/** Smoke delay and probe size for the sandbox's sped-up clock: gates must fit in the (scaled) Ready window. */
function compressedForTimeScale(ctx: ExecContext): {
  timeScale: number;
  windowLeftMs: number | undefined;
} {
  const f = ctx.facts().deployment;
  let windowLeftMs: number | undefined;
  const d = f?.deployment;
  if (f !== undefined && d?.status === 'Ready' && d.readyWait?.minutes !== undefined) {
    const since = f.target?.lifecycleEvents.find(
      (e) => e.name === 'AfterAllowTestTraffic',
    )?.endTime;
    const start = since === undefined ? f.readySince : Date.parse(since);
    if (start !== undefined) {
      const deadlineWall =
        f.wallNow + (start + d.readyWait.minutes * 60_000 - f.awsNow) / (f.timeScale || 1);
      windowLeftMs = deadlineWall - Date.now();
    }
  }
  return { timeScale: ctx.env.timeScale, windowLeftMs };
}

function smokeView(r: SmokeResult): SmokeView {
  return {
    passed: r.passed,
    total: r.total,
    failed: r.failed,
    requests: r.requests.map((q) => ({
      name: q.name,
      method: q.method,
      url: q.url,
      ...(q.status === null ? {} : { status: q.status }),
      ...(q.timeMs === null ? {} : { timeMs: q.timeMs }),
      failedAssertions: q.failedAssertions.map((a) => ({ name: a.name, message: a.message })),
    })),
  };
}

function probeView(r: ProbeResult): ProbeView {
  return {
    passed: r.passed,
    verdict: r.passed ? 'passed' : r.verdict.reasons.join('; '),
    samples: r.samples,
    errorRate: r.errorRate,
    p50Ms: r.latency.p50Ms,
    p95Ms: r.latency.p95Ms,
    p99Ms: r.latency.p99Ms,
    maxMs: r.latency.maxMs,
    thresholdP95Ms: r.verdict.thresholds.p95Ms,
    thresholdErrorRate: r.verdict.thresholds.errorRate,
    histogram: r.histogram.map((b) => ({ upToMs: b.toMs, count: b.count })),
  };
}

export const executors: Record<OperationName, Executor> = {
  async 'vpn.check'(ctx) {
    const { checkVpn } = await import('../checks/vpn');
    const cidrs = ctx.params['permittedCidrs'];
    const r = await checkVpn({
      permittedCidrs: Array.isArray(cidrs) ? cidrs.map(String) : [String(cidrs)],
      validationUrl: requireString(ctx, 'validationUrl'),
    });
    return {
      status: r.passed ? 'passed' : 'failed',
      summary: r.message,
      data: { failed: r.failed, matches: r.address.matches, listener: r.listener },
    };
  },

  async 'aws.identity'(ctx) {
    try {
      const r = await ctx.env.driver.checkIdentity({ signal: ctx.signal });
      return {
        status: 'passed',
        summary: r.summary,
        data: { account: r.facts.account, arn: r.facts.arn },
      };
    } catch (error) {
      const signIn = signInProblem(error, ctx.env.loginCommand);
      if (signIn !== undefined)
        return {
          status: 'failed',
          summary: signIn,
          data: { loginCommand: ctx.env.loginCommand, code: (error as AppError).code },
        };
      throw error;
    }
  },

  async 'ecr.image'(ctx) {
    const r = await ctx.env.driver.checkImage(requireString(ctx, 'tag'), { signal: ctx.signal });
    return {
      status: r.ok ? 'passed' : 'failed',
      summary: r.summary,
      data: {
        digest: r.facts.digest,
        imageUri: r.facts.imageUri,
        pushedAt: r.facts.pushedAt,
        repository: r.facts.repository,
      },
    };
  },

  async 'secrets.keys'(ctx) {
    const r = await ctx.env.driver.checkSecrets({ signal: ctx.signal });
    return {
      status: r.ok ? 'passed' : 'failed',
      summary: r.summary,
      data: {
        checked: r.facts.secrets.map((s) => ({
          id: s.id,
          exists: s.exists,
          requiredKeys: s.requiredKeys,
          missingKeys: s.missingKeys,
        })),
      },
    };
  },

  async 'cloudwatch.alarms'(ctx) {
    const r = await ctx.env.driver.checkAlarms({ signal: ctx.signal });
    return {
      status: r.ok ? 'passed' : 'failed',
      summary: r.summary,
      data: { alarms: r.facts.alarms, missing: r.facts.missing },
    };
  },

  async 'codedeploy.group'(ctx) {
    const r = await ctx.env.driver.readDeploymentGroup({ signal: ctx.signal });
    return {
      status: r.ok ? 'passed' : 'failed',
      summary: r.summary,
      data: {
        readyWait: r.facts.readyWait,
        termination: r.facts.termination,
        alarms: r.facts.alarms,
        autoRollback: r.facts.autoRollback,
      },
    };
  },

  async 'codedeploy.no-active-deployment'(ctx) {
    const r = await ctx.env.driver.checkNoActiveDeployment({ signal: ctx.signal });
    return {
      status: r.ok ? 'passed' : 'failed',
      summary: r.ok
        ? r.summary
        : `${r.summary} CodeDeploy allows one active deployment per group: Greenlight will not start a second one. Coordinate with its owner or wait for it to end.`,
      data: {
        active: r.facts.active.map((d) => ({
          deploymentId: d.deploymentId,
          status: d.status,
          creator: d.creator,
          description: d.description,
        })),
      },
    };
  },

  async 'codedeploy.last-known-good'(ctx) {
    try {
      const r = await ctx.env.driver.lastKnownGood({ signal: ctx.signal });
      return {
        status: 'passed',
        summary: `Last known good: deployment ${r.deploymentId}, ${r.image ?? r.taskDefinitionArn} (${r.taskDefinitionStatus ?? '?'}).`,
        data: {
          deploymentId: r.deploymentId,
          taskDefinitionArn: r.taskDefinitionArn,
          image: r.image,
        },
      };
    } catch (error) {
      if (error instanceof AppError && error.code === 'no-last-known-good') {
        return {
          status: 'passed',
          summary: `${error.message} (first release of this group: nothing to go back to)`,
          data: {},
        };
      }
      throw error;
    }
  },

  async 'ecs.current-task-definition'(ctx) {
    const r = await ctx.env.driver.describeCurrentTaskDefinition({ signal: ctx.signal });
    return {
      status: 'passed',
      summary: `Blue runs ${r.image ?? '?'} (${r.arn}).`,
      data: { arn: r.arn, image: r.image },
    };
  },

  async 'ecs.register-task-definition'(ctx) {
    const image = requireString(ctx, 'image');
    const base = await ctx.env.driver.describeCurrentTaskDefinition({ signal: ctx.signal });
    const r = await ctx.mutate(
      'ecs:RegisterTaskDefinition',
      {
        family: requireString(ctx, 'taskFamily'),
        container: requireString(ctx, 'container'),
        image,
        basedOn: base.arn,
      },
      () => ctx.env.driver.registerRevision(base, { image }, { signal: ctx.signal }),
      (x) => ({
        taskDefinitionArn: x.arn,
        revision: x.revision,
        image: x.image,
        requestId: x.meta.requestId,
      }),
    );
    return {
      status: 'passed',
      summary: `Registered ${r.arn} (only ${ctx.env.environment.resources.containerName}'s image changed, to ${r.image}).`,
      data: { taskDefinitionArn: r.arn, revision: r.revision, image: r.image },
    };
  },

  async 'codedeploy.create-deployment'(ctx) {
    const taskDefinitionArn = requireString(ctx, 'taskDefinitionArn');
    const first = ctx.facts().firstIntent.get('codedeploy:CreateDeployment');
    const { appSpecFor } = await import('../aws/deployments');
    const appSpec = appSpecFor(ctx.env.session, taskDefinitionArn);
    const r = await ctx.mutate(
      'codedeploy:CreateDeployment',
      {
        role: 'release',
        applicationName: requireString(ctx, 'application'),
        deploymentGroupName: requireString(ctx, 'deploymentGroup'),
        taskDefinitionArn,
        appSpecSha256: appSpec.sha256,
        reconcileSince: first ?? null,
      },
      () =>
        ctx.env.driver.startDeployment(
          {
            runId: ctx.runId,
            version: ctx.version,
            taskDefinitionArn,
            ...(first === undefined ? {} : { since: Date.parse(first) }),
          },
          { signal: ctx.signal },
        ),
      (x) => ({
        role: 'release',
        deploymentId: x.deploymentId,
        how: x.how,
        description: x.description,
        appSpecSha256: x.appSpecSha256,
      }),
    );
    ctx.follow(r.deploymentId, 'release');
    return {
      status: 'passed',
      summary:
        r.how === 'created'
          ? `Created deployment ${r.deploymentId}.`
          : `Found deployment ${r.deploymentId} that this run had already created: adopted, nothing sent twice.`,
      data: { deploymentId: r.deploymentId, role: 'release', how: r.how },
      artifacts: [
        { name: 'appspec.yaml', mediaType: 'application/yaml', content: appSpec.content },
      ],
    };
  },

  async 'codedeploy.await-ready'(ctx) {
    return awaitDeployment(ctx, (d, f) => {
      if (d.status === 'Ready') {
        const wait = d.readyWait;
        return {
          status: 'passed',
          summary: `Deployment ${d.deploymentId} is Ready: green serves the validation listener; ${wait?.action ?? 'STOP_DEPLOYMENT'} after ${wait?.minutes ?? '?'} min without approval.`,
          data: {
            deploymentId: d.deploymentId,
            lifecycle: (f.deployment?.target?.lifecycleEvents ?? []).map(
              (e) => `${e.name} ${e.status}`,
            ),
          },
        };
      }
      if (isTerminalStatus(d.status) || d.terminationWaitStarted) {
        return {
          status: 'failed',
          summary: `Deployment ${d.deploymentId} ended ${describeEnd(d)} before reaching Ready.`,
          data: { deploymentId: d.deploymentId },
        };
      }
      return undefined;
    });
  },

  async 'fleet.version'(ctx) {
    const { checkVersion } = await import('../checks/version');
    const r = await checkVersion({
      url: requireString(ctx, 'url'),
      expectedVersion: requireString(ctx, 'version'),
      signal: ctx.signal,
    });
    return {
      status: r.passed ? 'passed' : 'failed',
      summary: r.passed
        ? `${r.url} serves ${r.actual.version ?? '?'} (commit ${r.actual.commit ?? '?'}).`
        : (r.error ?? r.mismatches.join('; ')),
      data: { url: r.url, version: r.actual.version, commit: r.actual.commit },
      artifacts: r.evidence.artifacts.map((a) => ({ ...a, name: `${ctx.step.id}-${a.name}` })),
    };
  },

  async 'smoke.newman'(ctx) {
    const { runSmoke } = await import('../checks/smoke');
    const collection = str(ctx.params['collection']);
    if (collection === undefined) {
      throw new AppError(
        'smoke-collection-missing',
        `Environment ${ctx.env.environment.name} names no smoke collection (smokeCollection).`,
      );
    }
    const { timeScale } = compressedForTimeScale(ctx);
    const delay = Math.round((num(ctx.params['delayRequestMs']) ?? 250) / timeScale);
    const r = await runSmoke({
      collection,
      baseUrl: requireString(ctx, 'baseUrl'),
      delayRequestMs: delay,
      signal: ctx.signal,
      onProgress: (p) => {
        ctx.output(
          `${p.request.method} ${p.request.url} -> ${p.request.status ?? p.request.error ?? 'no answer'}${p.request.failedAssertions.length > 0 ? ` (${p.request.failedAssertions.map((a) => a.name).join(', ')})` : ''}`,
        );
        ctx.progress(p.completed, p.total, p.request.name);
      },
    });
    const maxFailures = ctx.thresholds.maxFailures ?? 0;
    const passed = r.error === undefined && r.total > 0 && r.failed <= maxFailures;
    const failedNames = r.requests
      .filter((q) => q.failedAssertions.length > 0 || q.status === null)
      .map((q) => q.name);
    return {
      status: passed ? 'passed' : 'failed',
      summary: passed
        ? `${r.total - r.failed}/${r.total} requests passed (${r.assertions.total} assertions).`
        : `${r.failed} of ${r.total} requests failed${failedNames.length > 0 ? `: ${failedNames.join(', ')}` : ''}${r.error ? ` (${r.error})` : ''}; at most ${maxFailures} allowed.`,
      data: { smoke: { ...smokeView(r), passed }, delayRequestMs: delay },
      artifacts:
        r.junitXml === ''
          ? []
          : [{ name: 'smoke-tests.xml', mediaType: 'application/xml', content: r.junitXml }],
    };
  },

  async 'probe.load'(ctx) {
    const { runProbe } = await import('../checks/probe');
    const minSamples = ctx.thresholds.minSamples ?? 1000;
    let rate = num(ctx.params['ratePerSec']) ?? 50;
    let duration = num(ctx.params['durationSec']) ?? 30;
    const notes: string[] = [];
    const { timeScale, windowLeftMs } = compressedForTimeScale(ctx);
    if (timeScale > 1) {
      // The sandbox's clock runs `timeScale` times faster: the Ready window is minutes / timeScale of real time.
      // Keep the sample count (a p95 needs >= 1,000) and squeeze the duration into a third of what is left.
      // The probe shares this process with the sandbox's fleet and the engine: beyond a few hundred requests a second
      // it would measure its own event loop, not green.
      const maxRate = 400;
      const budgetSec =
        windowLeftMs === undefined ? duration / timeScale : (windowLeftMs / 1000) * 0.35;
      const squeezed = Math.max((minSamples * 1.1) / maxRate, Math.min(duration, budgetSec));
      if (squeezed < duration) {
        duration = Math.ceil(squeezed * 10) / 10;
        rate = Math.min(maxRate, Math.max(rate, Math.ceil((minSamples * 1.1) / duration)));
        notes.push(`compressed for the sandbox's ${timeScale}x clock: ${rate}/s for ${duration} s`);
      }
    }
    const k6Script = str(ctx.params['k6Script']);
    const r = await runProbe({
      url: requireString(ctx, 'url'),
      ratePerSec: rate,
      durationSec: duration,
      thresholds: {
        ...(ctx.thresholds.p95Ms === undefined ? {} : { p95Ms: ctx.thresholds.p95Ms }),
        ...(ctx.thresholds.errorRate === undefined ? {} : { errorRate: ctx.thresholds.errorRate }),
        minSamples,
      },
      ...(k6Script === undefined ? {} : { k6Script }),
      signal: ctx.signal,
      onProgress: (p) => {
        ctx.output(
          `${p.elapsedSec.toFixed(1)}/${p.durationSec} s: ${p.finished} done, ${p.errors} errors, p95 so far ${p.p95SoFarMs.toFixed(0)} ms`,
        );
        ctx.progress(p.elapsedSec, p.durationSec, 'load probe');
      },
    });
    const view = probeView(r);
    const summaryJson = JSON.stringify(
      {
        engine: r.engine,
        url: r.url,
        ratePerSec: r.ratePerSec,
        durationSec: r.durationSec,
        samples: r.samples,
        requests: r.requests,
        errorRate: r.errorRate,
        latency: r.latency,
        verdict: r.verdict,
        schedule: r.schedule,
        notes: [...notes, ...r.notes],
        histogram: r.histogram,
      },
      null,
      2,
    );
    return {
      status: r.passed ? 'passed' : 'failed',
      summary: `${r.passed ? 'Passed' : 'Failed'}: p95 ${r.latency.p95Ms.toFixed(0)} ms, errors ${(r.errorRate * 100).toFixed(2)} % over ${r.samples} requests${r.passed ? '' : ` (${r.verdict.reasons.join('; ')})`}${notes.length > 0 ? ` [${notes.join('; ')}]` : ''}.`,
      data: { probe: view },
      artifacts: [
        { name: 'synthetic-load.json', mediaType: 'application/json', content: summaryJson },
      ],
    };
  },

  async 'codedeploy.approve'(ctx) {
    const id = deploymentIdOf(ctx);
    ctx.expect('continue-ready');
    const r = await ctx.mutate(
      'codedeploy:ContinueDeployment',
      { deploymentId: id, deploymentWaitType: 'READY_WAIT' },
      () => ctx.env.driver.approveTraffic(id, { signal: ctx.signal }),
      (x) => ({ deploymentId: id, requestId: x.meta.requestId }),
    );
    return {
      status: 'passed',
      summary: `Approved by ${ctx.actor}: production traffic is moving to green (request ${r.meta.requestId ?? '?'}).`,
      data: { deploymentId: id, approvedBy: ctx.actor },
    };
  },

  async 'codedeploy.await-traffic-shifted'(ctx) {
    return awaitDeployment(ctx, (d, f) => {
      if (d.terminationWaitStarted || d.status === 'Succeeded') {
        const weights = (f.deployment?.target?.taskSets ?? [])
          .map((t) => `${t.label ?? t.id} ${t.trafficWeight}%`)
          .join(', ');
        return {
          status: 'passed',
          summary: `Production traffic is on green${weights ? ` (${weights})` : ''}; blue is kept for the termination wait.`,
          data: { deploymentId: d.deploymentId },
        };
      }
      if (isTerminalStatus(d.status))
        return {
          status: 'failed',
          summary: `Deployment ${d.deploymentId} ended ${describeEnd(d)} before traffic moved.`,
          data: {},
        };
      return undefined;
    });
  },

  async 'codedeploy.await-succeeded'(ctx) {
    return awaitDeployment(ctx, (d, f) => {
      if (d.status === 'Succeeded')
        return {
          status: 'passed',
          summary: `Deployment ${d.deploymentId} Succeeded at ${d.completeTime ?? '?'}; blue was removed.`,
          data: { deploymentId: d.deploymentId, completeTime: d.completeTime },
        };
      if (isTerminalStatus(d.status)) {
        const rb = d.rollbackInfo?.rollbackDeploymentId;
        const rbStatus = f.rollback?.deployment.status;
        return {
          status: 'failed',
          summary: `Deployment ${d.deploymentId} ended ${describeEnd(d)}${rb ? `; CodeDeploy rolled back with ${rb}${rbStatus ? ` (${rbStatus})` : ''}` : ''}.`,
          data: { deploymentId: d.deploymentId, rollbackDeploymentId: rb },
        };
      }
      return undefined;
    });
  },

  async 'codedeploy.stop-with-rollback'(ctx) {
    const id = deploymentIdOf(ctx);
    ctx.follow(id, 'release');
    ctx.expect('stop');
    const { stopDeployment } = await import('../aws/deployments');
    const stop = await ctx.mutate(
      'codedeploy:StopDeployment',
      { deploymentId: id, autoRollbackEnabled: true },
      () => stopDeployment(ctx.env.session, id, { autoRollback: true, signal: ctx.signal }),
      (x) => ({
        deploymentId: id,
        stopStatus: x.stopStatus,
        statusMessage: x.statusMessage ?? null,
      }),
    );
    ctx.output(
      `StopDeployment answered ${stop.stopStatus}${stop.statusMessage ? `: ${stop.statusMessage}` : ''}`,
    );
    // CodeDeploy creates the rollback deployment itself (reference): follow it by id, never start another.
    return ctx.waitFor((f) => {
      const d = f.deployment?.deployment;
      if (d === undefined || !isTerminalStatus(d.status)) return undefined;
      const rb = d.rollbackInfo?.rollbackDeploymentId;
      if (rb === undefined) {
        return {
          status: d.status === 'Succeeded' ? 'failed' : 'passed',
          summary:
            d.status === 'Succeeded'
              ? `Deployment ${id} had already Succeeded: use "Redeploy the last known good".`
              : `Deployment ${id} is ${describeEnd(d)}; no rollback deployment was needed.`,
          data: {},
        } satisfies ExecResult;
      }
      const r = f.rollback?.deployment;
      if (r === undefined || !isTerminalStatus(r.status)) return undefined;
      return {
        status: r.status === 'Succeeded' ? 'passed' : 'failed',
        summary: `Stopped ${id}; rollback deployment ${rb} ${r.status}: ${r.status === 'Succeeded' ? 'blue serves production' : 'check CodeDeploy'}.`,
        data: { deploymentId: rb, role: 'rollback' },
      } satisfies ExecResult;
    });
  },

  async 'codedeploy.redeploy-last-known-good'(ctx) {
    const lkg = await ctx.env.driver.lastKnownGood({ signal: ctx.signal });
    const first = ctx.facts().firstIntent.get('codedeploy:CreateDeployment:redeploy');
    const r = await ctx.mutate(
      'codedeploy:CreateDeployment:redeploy',
      {
        role: 'redeploy',
        taskDefinitionArn: lkg.taskDefinitionArn,
        fromDeployment: lkg.deploymentId,
      },
      () =>
        ctx.env.driver.redeployLastKnownGood(
          {
            runId: ctx.runId,
            lastKnownGood: lkg,
            ...(first === undefined ? {} : { since: Date.parse(first) }),
          },
          { signal: ctx.signal },
        ),
      (x) => ({ role: 'redeploy', deploymentId: x.deploymentId, how: x.how }),
    );
    ctx.follow(r.deploymentId, 'redeploy');
    return ctx.waitFor((f) => {
      const d = f.redeploy?.deployment;
      if (d === undefined || !isTerminalStatus(d.status)) return undefined;
      return {
        status: d.status === 'Succeeded' ? 'passed' : 'failed',
        summary: `Redeploy of the last known good (${lkg.image ?? lkg.taskDefinitionArn}) ${describeEnd(d)}.`,
        data: { deploymentId: r.deploymentId, role: 'redeploy' },
      } satisfies ExecResult;
    });
  },

  async 'vault.latest-success'(ctx) {
    const f = ctx.facts();
    const image = f.steps.get('image-in-ecr')?.data ?? {};
    const registered =
      [...f.steps.values()].find(
        (s) => typeof s.data['taskDefinitionArn'] === 'string' && s.data['revision'] !== undefined,
      )?.data ?? {};
    const record = {
      version: ctx.version,
      taskDefinitionArn: str(registered['taskDefinitionArn']) ?? '',
      imageDigest: str(image['digest']) ?? '',
      deploymentId: f.deploymentId ?? '',
      time: f.deployment?.deployment.completeTime ?? new Date().toISOString(),
      runId: ctx.runId,
      bundle: ctx.bundleHint(),
    };
    const { writeLatestSuccess } = await import('../vault/latest-success');
    const path = await ctx.mutate(
      'vault:WriteLatestSuccess',
      { environment: ctx.env.environment.name, ...record },
      () => writeLatestSuccess(ctx.env.vaultRoot, ctx.env.environment.name, record),
      (p) => ({ path: p }),
    );
    return {
      status: 'passed',
      summary: `Wrote ${path}.`,
      data: { path },
      artifacts: [
        {
          name: 'latest-success.json',
          mediaType: 'application/json',
          content: JSON.stringify({ environment: ctx.env.environment.name, ...record }, null, 2),
        },
      ],
    };
  },

  async 'notify.slack'(ctx) {
    const { slack } = await ctx.notices();
    const channel = requireString(ctx, 'channel');
    const webhook = await ctx.env.slackWebhook();
    const artifacts: CheckArtifact[] = [
      { name: 'slack-summary.txt', mediaType: 'text/plain', content: slack },
    ];
    if (webhook === undefined) {
      return {
        status: 'passed',
        summary: `Not sent: no Slack webhook is configured for ${ctx.env.environment.name}. The summary is kept in the evidence; post it to ${channel} by hand.`,
        data: { sent: false },
        artifacts,
      };
    }
    const { postToSlack } = await import('../notify/slack');
    await ctx.mutate(
      'slack:PostMessage',
      { channel, characters: slack.length },
      () => postToSlack(webhook, slack, { signal: ctx.signal }),
      (x) => ({ status: x.status }),
    );
    return {
      status: 'passed',
      summary: `Posted the summary to ${channel}.`,
      data: { sent: true },
      artifacts,
    };
  },

  async 'notify.email'(ctx) {
    const { email, templateSource } = await ctx.notices();
    return {
      status: 'passed',
      summary: `Rendered from ${templateSource}. No mail integration is configured: send it to the ${requireString(ctx, 'audience')}.`,
      data: { templateSource, sent: false },
      artifacts: [{ name: 'deployment-notice.md', mediaType: 'text/markdown', content: email }],
    };
  },

  async 'grafana.annotate'(ctx) {
    const dashboard = requireString(ctx, 'dashboard');
    const grafana = await ctx.env.grafana();
    if (grafana === undefined) {
      return {
        status: 'skipped',
        summary: `No Grafana integration is configured for ${ctx.env.environment.name}: annotate "${dashboard}" by hand.`,
        data: { annotated: false },
      };
    }
    const { createAnnotation, findAnnotations, findDashboard, runTag } =
      await import('../notify/grafana');
    const options = { signal: ctx.signal };
    const found = await findDashboard(grafana, dashboard, options);
    const f = ctx.facts();
    const deployment = f.deployment?.deployment;
    const digest = [...f.steps.values()]
      .map((s) => str(s.data['digest']))
      .find((d) => d !== undefined);
    const environment = ctx.env.environment.name;
    const tags = [
      'greenlight',
      'deploy',
      `env:${environment}`,
      `version:${ctx.version}`,
      runTag(ctx.runId),
    ];
    const text = [
      `Greenlight: ${ctx.version} deployed to ${environment}`,
      `deployment ${f.deploymentId ?? '?'} ${deployment?.status ?? 'status unknown'}`,
      `image ${digest ?? 'digest unknown'}`,
      `run ${ctx.runId}${ctx.isRehearsal ? ' (rehearsal)' : ''}`,
    ].join('; ');
    let id: number | undefined;
    let how: 'created' | 'found' = 'created';
    let time = Date.now();
    // An earlier attempt of this run may have reached Grafana without its answer being recorded (a timeout, a
    // crash): Grafana has no idempotency key, so look for this run's tag before annotating again.
    if (f.firstIntent.has('grafana:CreateAnnotation')) {
      const earlier = await findAnnotations(
        grafana,
        { dashboardUID: found.uid, tags: [runTag(ctx.runId)] },
        options,
      );
      if (earlier[0] !== undefined) {
        ({ id, time } = earlier[0]);
        how = 'found';
      }
    }
    if (id === undefined) {
      const created = await ctx.mutate(
        'grafana:CreateAnnotation',
        {
          grafana: new URL(grafana.url).host,
          dashboard,
          dashboardUID: found.uid,
          time,
          tags,
          text,
        },
        () => createAnnotation(grafana, { dashboardUID: found.uid, time, tags, text }, options),
        (x) => ({ annotationId: x.id, dashboardUID: found.uid, message: x.message }),
      );
      id = created.id;
    }
    const title = found.folderTitle ? `${found.folderTitle} / ${found.title}` : found.title;
    return {
      status: 'passed',
      summary:
        how === 'created'
          ? `Annotated "${title}" with ${ctx.version} (deployment ${f.deploymentId ?? '?'}): annotation ${id}.`
          : `Found annotation ${id} on "${title}", made by an earlier attempt of this run: nothing annotated twice.`,
      data: {
        annotationId: id,
        dashboardUID: found.uid,
        dashboard: title,
        ...(found.url === undefined ? {} : { dashboardUrl: found.url }),
        how,
      },
      artifacts: [
        {
          name: 'grafana-annotation.json',
          mediaType: 'application/json',
          content: JSON.stringify(
            { id, dashboard: title, dashboardUID: found.uid, time, tags, text },
            null,
            2,
          ),
        },
      ],
    };
  },
};
