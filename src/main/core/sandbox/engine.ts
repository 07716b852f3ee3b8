import { randomInt } from 'node:crypto';
import type { SandboxClock } from './clock';
import type { ScenarioName } from './scenarios';
import {
  activeStatuses,
  deployEvents,
  rollbackEvents,
  taskSetId,
  type DeploymentRecord,
  type LifecycleEventRecord,
  type SandboxState,
  type StoredTaskDefinition,
} from './state';
import { AwsFault } from './wire';
import { arns, type WorldFixture } from './world';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Sandbox-time durations of each lifecycle event (hooks included); Install waits for green tasks to be healthy. */
const deployEventMs: Record<string, number> = {
  BeforeInstall: 3 * SECOND,
  Install: 60 * SECOND,
  AfterInstall: 3 * SECOND,
  AllowTestTraffic: 10 * SECOND,
  AfterAllowTestTraffic: 15 * SECOND,
  BeforeAllowTraffic: 3 * SECOND,
  AllowTraffic: 10 * SECOND,
  AfterAllowTraffic: 5 * SECOND,
};
const rollbackEventMs: Record<string, number> = {
  BeforeAllowTraffic: 2 * SECOND,
  AllowTraffic: 10 * SECOND,
  AfterAllowTraffic: 2 * SECOND,
};
/** Created -> InProgress. */
const START_DELAY_MS = 2 * SECOND;
const ROLLBACK_START_DELAY_MS = 1 * SECOND;
/** In `alarm-rollback`, the ALB 5xx alarm fires this long after production traffic reaches green. */
export const ALARM_AFTER_SHIFT_MS = 60 * SECOND;

type Transition = { at: number; apply: () => void };

export type CreateDeploymentInput = {
  applicationName: string;
  groupName: string;
  description?: string;
  revisionSha: string;
  content: string;
  taskDefinitionArn: string;
  hookAfterAllowTestTraffic?: string;
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures: boolean;
  autoRollback?: { enabled: boolean; events: string[] };
};

/**
 * The CodeDeploy blue/green state machine for ECS. Every transition has an exact sandbox time computed from the
 * recorded facts (stage start, group settings, scenario, alarms); `advance(now)` applies, in time order, all
 * transitions due by `now`. Readers call it first, so what they see is a pure function of the clock and the
 * actions taken, however rarely anyone polls.
 */
export class Engine {
  private readonly ids = new Set<string>();

  constructor(
    readonly world: WorldFixture,
    readonly state: SandboxState,
    readonly clock: SandboxClock,
    private readonly onChange: () => void,
  ) {
    for (const d of state.deployments) this.ids.add(d.id);
  }

  get scenario(): ScenarioName {
    return this.state.scenario;
  }

  /** The group's settings as GetDeploymentGroup reports them now (`ready-timeout` shortens the Ready wait). */
  groupConfig(): Pick<DeploymentRecord, 'readyWait' | 'termination'> {
    const g = this.world.deploymentGroup;
    return {
      readyWait:
        this.state.scenario === 'ready-timeout'
          ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 1 }
          : { ...g.readyWait },
      termination: { ...g.termination },
    };
  }

  find(id: string): DeploymentRecord | undefined {
    return this.state.deployments.find((d) => d.id === id);
  }

  active(groupName: string): DeploymentRecord | undefined {
    return this.state.deployments.find(
      (d) => d.groupName === groupName && activeStatuses.includes(d.status),
    );
  }

  /** Applies every transition due by `now`; returns whether anything changed. */
  advance(now: number = this.clock.now()): boolean {
    let changed = false;
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.earliest();
      if (next === undefined || next.at > now) break;
      next.apply();
      changed = true;
    }
    if (changed) this.onChange();
    return changed;
  }

  /** Sandbox time of the next automatic transition (Infinity when nothing is pending). */
  nextTransitionAt(): number {
    return this.earliest()?.at ?? Infinity;
  }

  private earliest(): Transition | undefined {
    let best: Transition | undefined;
    const consider = (t: Transition | undefined): void => {
      if (t !== undefined && Number.isFinite(t.at) && (best === undefined || t.at < best.at))
        best = t;
    };
    consider(this.scenarioAlarm());
    for (const d of this.state.deployments) {
      if (d.stage !== 'done') consider(this.nextFor(d));
    }
    return best;
  }

  private alarmName5xx(): string {
    const alb = this.world.alarms.find((a) => a.namespace === 'AWS/ApplicationELB');
    return (alb ?? this.world.alarms[this.world.alarms.length - 1])?.name ?? '';
  }

  /** `alarm-rollback`: the ALB 5xx alarm fires a minute after production traffic reached green. */
  private scenarioAlarm(): Transition | undefined {
    if (this.state.scenario !== 'alarm-rollback') return undefined;
    const name = this.alarmName5xx();
    if (this.state.alarms[name]?.state === 'ALARM') return undefined;
    const shifted = this.state.deployments.find(
      (d) => d.kind === 'deploy' && d.stage === 'termination-wait' && d.shiftedAt !== undefined,
    );
    if (shifted?.shiftedAt === undefined) return undefined;
    const at = Math.max(shifted.shiftedAt + ALARM_AFTER_SHIFT_MS, this.state.scenarioSince);
    return {
      at,
      apply: () => {
        this.setAlarmAt(
          name,
          'ALARM',
          'Threshold Crossed: 1 datapoint [27.0] was greater than or equal to the threshold (5.0).',
          at,
        );
        if (!this.state.scenarioAlarms.includes(name)) this.state.scenarioAlarms.push(name);
      },
    };
  }

  private nextFor(d: DeploymentRecord): Transition | undefined {
    let next: Transition | undefined;
    switch (d.stage) {
      case 'created': {
        const at =
          d.createTime + (d.kind === 'rollback' ? ROLLBACK_START_DELAY_MS : START_DELAY_MS);
        next = { at, apply: () => this.start(d, at) };
        break;
      }
      case 'event': {
        const name = d.events[d.eventIndex]?.name ?? '';
        const table = d.kind === 'rollback' ? rollbackEventMs : deployEventMs;
        let at = d.stageStartedAt + (table[name] ?? SECOND);
        if (d.hold !== undefined && name === 'Install') {
          at = d.releasedAt === undefined ? Infinity : Math.max(at, d.releasedAt);
        }
        next = { at, apply: () => this.endEvent(d, at) };
        break;
      }
      case 'ready': {
        if (d.readyWait.actionOnTimeout !== 'STOP_DEPLOYMENT') break;
        const at = d.stageStartedAt + d.readyWait.waitTimeInMinutes * MINUTE;
        next = {
          at,
          apply: () =>
            this.finish(d, at, 'Stopped', {
              code: 'TIMEOUT',
              message:
                `The deployment was stopped because traffic was not rerouted to the replacement task set within ` +
                `the ${d.readyWait.waitTimeInMinutes} minute wait (deploymentReadyOption actionOnTimeout STOP_DEPLOYMENT).`,
            }),
        };
        break;
      }
      case 'termination-wait': {
        const at = d.stageStartedAt + d.termination.terminationWaitTimeInMinutes * MINUTE;
        next = { at, apply: () => this.succeed(d, at) };
        break;
      }
      case 'done':
        return undefined;
    }
    // CodeDeploy watches the group's alarms for the whole deployment: one in ALARM stops it.
    if (d.kind === 'deploy' && d.alarms.enabled && d.stage !== 'created') {
      const firing = d.alarms.names.filter((n) => this.state.alarms[n]?.state === 'ALARM');
      if (firing.length > 0) {
        const since = Math.min(...firing.map((n) => this.state.alarms[n]?.updatedAt ?? 0));
        const at = Math.max(since, d.stageStartedAt);
        if (next === undefined || at <= next.at) {
          next = { at, apply: () => this.alarmStop(d, at, firing) };
        }
      }
    }
    return next;
  }

  private start(d: DeploymentRecord, at: number): void {
    d.status = 'InProgress';
    d.startTime = at;
    this.startEvent(d, 0, at);
  }

  private startEvent(d: DeploymentRecord, index: number, at: number): void {
    const event = d.events[index];
    if (event === undefined) return;
    d.stage = 'event';
    d.eventIndex = index;
    d.stageStartedAt = at;
    d.targetLastUpdatedAt = at;
    event.status = 'InProgress';
    event.startTime = at;
    if (d.kind === 'deploy' && event.name === 'Install') {
      // ECS creates the replacement (green) task set; its tasks start during Install.
      this.state.service.green = {
        id: d.greenTaskSetId,
        taskDefinitionArn: d.taskDefinitionArn,
        createdAt: at,
        updatedAt: at,
        deploymentId: d.id,
        running: false,
      };
    }
  }

  private endEvent(d: DeploymentRecord, at: number): void {
    const event = d.events[d.eventIndex];
    if (event === undefined) return;
    const service = this.state.service;
    if (d.kind === 'deploy') {
      if (event.name === 'Install' && !this.imageExists(this.imageOf(d.taskDefinitionArn))) {
        const image = this.imageOf(d.taskDefinitionArn) ?? '(none)';
        this.finish(
          d,
          at,
          'Failed',
          {
            code: 'ECS_UPDATE_ERROR',
            message: `The ECS service could not start the replacement task set: CannotPullContainerError: ${image} not found.`,
          },
          {
            errorCode: 'UnknownError',
            scriptName: '',
            message: `CannotPullContainerError: pull image manifest has been retried 5 time(s): ${image}: not found`,
            logTail: '',
          },
        );
        return;
      }
      if (event.name === 'Install' && service.green?.deploymentId === d.id) {
        service.green.running = true;
        service.green.updatedAt = at;
      }
      if (event.name === 'AllowTestTraffic') service.testRoutesGreen = true;
      if (event.name === 'AfterAllowTestTraffic' && this.state.scenario === 'hook-fails') {
        this.finish(
          d,
          at,
          'Failed',
          {
            code: 'HOOK_EXECUTION_FAILURE',
            message:
              'The deployment failed because one or more of the lifecycle event hooks failed: the AfterAllowTestTraffic hook reported Failed.',
          },
          {
            errorCode: 'ScriptFailed',
            scriptName: 'AfterAllowTestTraffic',
            message: 'The AfterAllowTestTraffic hook (Lambda) reported status Failed.',
            logTail: 'smoke check: GET /health/info on the test listener returned 503',
          },
        );
        return;
      }
      if (event.name === 'AllowTraffic') {
        service.prodWeightGreen = 100;
        d.shiftedAt = at;
        if (service.green !== undefined) service.green.updatedAt = at;
      }
    } else if (event.name === 'AllowTraffic') {
      service.prodWeightGreen = 0;
      service.testRoutesGreen = false;
    }
    event.status = 'Succeeded';
    event.endTime = at;
    d.targetLastUpdatedAt = at;

    if (d.kind === 'deploy' && event.name === 'AfterAllowTestTraffic') {
      if (d.readyWait.actionOnTimeout === 'CONTINUE_DEPLOYMENT') {
        this.startEvent(d, d.eventIndex + 1, at);
      } else {
        d.stage = 'ready';
        d.status = 'Ready';
        d.stageStartedAt = at;
      }
      return;
    }
    if (d.eventIndex + 1 < d.events.length) {
      this.startEvent(d, d.eventIndex + 1, at);
      return;
    }
    if (d.kind === 'rollback') {
      this.finishRollback(d, at);
      return;
    }
    if (d.termination.action === 'KEEP_ALIVE') {
      this.succeed(d, at);
      return;
    }
    d.stage = 'termination-wait';
    d.stageStartedAt = at;
    d.instanceTerminationWaitTimeStarted = true;
  }

  /** Termination wait over (or cut short): blue is removed, green becomes the service's primary. */
  private succeed(d: DeploymentRecord, at: number): void {
    const service = this.state.service;
    if (service.green?.deploymentId === d.id) {
      service.blue = {
        id: service.green.id,
        taskDefinitionArn: service.green.taskDefinitionArn,
        createdAt: service.green.createdAt,
        updatedAt: at,
        deploymentId: d.id,
      };
      service.taskDefinitionArn = d.taskDefinitionArn;
    }
    this.complete(d, at);
  }

  private finishRollback(d: DeploymentRecord, at: number): void {
    // A successful rollback is the group's last successful deployment (its revision is the old one).
    this.complete(d, at);
    this.clearScenarioAlarms(at, 'Threshold Crossed: 5xx responses stopped after the rollback.');
  }

  /**
   * What every successful end shares (a release or a rollback): no green task set or test route is left, the
   * deployment is Succeeded and becomes the group's last successful one, and its revision was last used now.
   */
  private complete(d: DeploymentRecord, at: number): void {
    const service = this.state.service;
    service.green = undefined;
    service.testRoutesGreen = false;
    service.prodWeightGreen = 0;
    d.status = 'Succeeded';
    d.stage = 'done';
    d.completeTime = at;
    d.targetLastUpdatedAt = at;
    this.state.lastSuccessfulDeploymentId = d.id;
    this.touchRevision(d.revisionSha, at);
  }

  private alarmStop(d: DeploymentRecord, at: number, firing: string[]): void {
    this.finish(
      d,
      at,
      'Stopped',
      {
        code: 'ALARM_ACTIVE',
        message:
          'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and ' +
          `the affected deployments have been stopped. Activated alarms: <${firing.join(', ')}>`,
      },
      undefined,
      d.autoRollback.enabled && d.autoRollback.events.includes('DEPLOYMENT_STOP_ON_ALARM'),
    );
  }

  /**
   * Ends a deployment Stopped or Failed. With `rollback` CodeDeploy starts a rollback deployment (creator
   * codeDeployRollback) that reroutes traffic to blue and removes green; without, green is removed unless
   * production traffic already reached it (then it stays, as nothing rerouted it back).
   */
  private finish(
    d: DeploymentRecord,
    at: number,
    status: 'Stopped' | 'Failed',
    error: { code: string; message: string },
    diagnostics?: LifecycleEventRecord['diagnostics'],
    rollback: boolean = status === 'Failed' &&
      d.autoRollback.enabled &&
      d.autoRollback.events.includes('DEPLOYMENT_FAILURE'),
  ): void {
    for (const event of d.events) {
      if (event.status === 'InProgress') {
        event.status = 'Failed';
        event.endTime = at;
        if (diagnostics !== undefined) event.diagnostics = diagnostics;
      } else if (event.status === 'Pending') {
        event.status = 'Skipped';
      }
    }
    d.status = status;
    d.stage = 'done';
    d.completeTime = at;
    d.targetLastUpdatedAt = at;
    d.errorInformation = error;
    const service = this.state.service;
    if (rollback && d.kind === 'deploy') {
      const r = this.createRollback(d, at, error.code);
      d.rollbackInfo = {
        rollbackDeploymentId: r.id,
        rollbackMessage: `Deployment ${d.id} was rolled back by deployment ${r.id} (${error.code}).`,
      };
      return;
    }
    if (service.green?.deploymentId !== d.id) return;
    if (d.kind === 'deploy' && service.prodWeightGreen === 100) {
      this.succeedTraffic(d, at);
      return;
    }
    service.green = undefined;
    service.testRoutesGreen = false;
    service.prodWeightGreen = 0;
  }

  /** Stopped without rollback after traffic reached green: green stays and becomes the primary task set. */
  private succeedTraffic(d: DeploymentRecord, at: number): void {
    const service = this.state.service;
    if (service.green === undefined) return;
    service.blue = { ...service.green, updatedAt: at };
    service.taskDefinitionArn = d.taskDefinitionArn;
    service.green = undefined;
    service.testRoutesGreen = false;
    service.prodWeightGreen = 0;
  }

  private createRollback(d: DeploymentRecord, at: number, reason: string): DeploymentRecord {
    const r: DeploymentRecord = {
      id: this.newId(),
      kind: 'rollback',
      applicationName: d.applicationName,
      groupName: d.groupName,
      creator: 'codeDeployRollback',
      revisionSha: d.previousRevisionSha ?? d.revisionSha,
      previousRevisionSha: d.revisionSha,
      taskDefinitionArn: d.blueTaskDefinitionArn,
      blueTaskDefinitionArn: d.blueTaskDefinitionArn,
      status: 'Created',
      stage: 'created',
      eventIndex: 0,
      stageStartedAt: at,
      createTime: at,
      events: rollbackEvents.map((name) => ({ name, status: 'Pending' })),
      readyWait: { ...d.readyWait },
      termination: { ...d.termination },
      autoRollback: { ...d.autoRollback, events: [...d.autoRollback.events] },
      alarms: { enabled: false, names: [...d.alarms.names] },
      rollbackInfo: {
        rollbackTriggeringDeploymentId: d.id,
        rollbackMessage: `Rollback of deployment ${d.id}, triggered by ${reason}.`,
      },
      instanceTerminationWaitTimeStarted: false,
      statusMessages: [],
      targetLastUpdatedAt: at,
      greenTaskSetId: d.greenTaskSetId,
      blueTaskSetId: d.blueTaskSetId,
      ignoreApplicationStopFailures: false,
    };
    this.state.deployments.push(r);
    return r;
  }

  private newId(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (;;) {
      let id = 'd-';
      for (let i = 0; i < 9; i++) id += alphabet[randomInt(alphabet.length)];
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  private touchRevision(sha: string, at: number): void {
    const revision = this.state.revisions.find((r) => r.sha256 === sha);
    if (revision !== undefined) revision.lastUsedTime = Math.max(revision.lastUsedTime, at);
  }

  private clearScenarioAlarms(at: number, reason: string): void {
    for (const name of this.state.scenarioAlarms) this.setAlarmAt(name, 'OK', reason, at);
    this.state.scenarioAlarms = [];
  }

  private setAlarmAt(
    name: string,
    value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
    reason: string,
    at: number,
  ): void {
    const alarm = this.state.alarms[name];
    if (alarm === undefined || alarm.state === value) return;
    this.state.alarms[name] = { state: value, reason, updatedAt: at };
  }

  // ---- actions (callers have validated input and called advance() first) ----

  /** CreateDeployment after validation; DeploymentLimitExceededException while another is active. */
  createDeployment(
    input: CreateDeploymentInput,
    now: number,
    hold?: ScenarioName,
  ): DeploymentRecord {
    const running = this.active(input.groupName);
    if (running !== undefined) {
      throw new AwsFault(
        'DeploymentLimitExceededException',
        `The deployment group ${input.groupName} already has an active deployment: ${running.id}`,
      );
    }
    const g = this.world.deploymentGroup;
    const last = this.state.deployments.find((d) => d.id === this.state.lastSuccessfulDeploymentId);
    const id = this.newId();
    const config = this.groupConfig();
    const existing = this.state.revisions.find((r) => r.sha256 === input.revisionSha);
    if (existing === undefined) {
      this.state.revisions.push({
        sha256: input.revisionSha,
        content: input.content,
        registerTime: now,
        firstUsedTime: now,
        lastUsedTime: now,
        description: input.description,
        groups: [input.groupName],
      });
    } else {
      existing.lastUsedTime = now;
      if (!existing.groups.includes(input.groupName)) existing.groups.push(input.groupName);
    }
    const d: DeploymentRecord = {
      id,
      kind: 'deploy',
      applicationName: input.applicationName,
      groupName: input.groupName,
      creator: 'user',
      description: input.description,
      revisionSha: input.revisionSha,
      previousRevisionSha: last?.revisionSha,
      taskDefinitionArn: input.taskDefinitionArn,
      blueTaskDefinitionArn: this.state.service.taskDefinitionArn,
      status: 'Created',
      stage: 'created',
      eventIndex: 0,
      stageStartedAt: now,
      createTime: now,
      events: deployEvents.map((name) => ({ name, status: 'Pending' })),
      readyWait: config.readyWait,
      termination: config.termination,
      autoRollback: input.autoRollback ?? { enabled: true, events: [...g.autoRollbackEvents] },
      alarms: { enabled: g.alarms.length > 0, names: [...g.alarms] },
      instanceTerminationWaitTimeStarted: false,
      statusMessages: [],
      targetLastUpdatedAt: now,
      greenTaskSetId: taskSetId(`green:${id}`),
      blueTaskSetId: this.state.service.blue.id,
      hold,
      fileExistsBehavior: input.fileExistsBehavior,
      ignoreApplicationStopFailures: input.ignoreApplicationStopFailures,
    };
    this.state.deployments.push(d);
    this.onChange();
    return d;
  }

  /** ContinueDeployment: READY_WAIT reroutes production traffic; TERMINATION_WAIT removes blue now. */
  continueDeployment(
    d: DeploymentRecord,
    waitType: 'READY_WAIT' | 'TERMINATION_WAIT',
    now: number,
  ): void {
    if (d.stage === 'done') {
      throw new AwsFault(
        'DeploymentAlreadyCompletedException',
        `The deployment ${d.id} has already completed.`,
      );
    }
    if (waitType === 'READY_WAIT') {
      if (d.stage !== 'ready') {
        throw new AwsFault(
          'DeploymentIsNotInReadyStateException',
          `The deployment ${d.id} is not in the Ready state (it is ${d.status}); only a deployment waiting for traffic to be rerouted can be continued with READY_WAIT.`,
        );
      }
      d.status = 'InProgress';
      this.startEvent(d, d.eventIndex + 1, now);
    } else {
      if (d.stage !== 'termination-wait') {
        throw new AwsFault(
          'DeploymentIsNotInReadyStateException',
          `The deployment ${d.id} is not waiting to terminate the original task set (it is ${d.status}); TERMINATION_WAIT applies only after traffic has shifted.`,
        );
      }
      this.succeed(d, now);
    }
    this.onChange();
  }

  /** StopDeployment; with rollback the reply is Pending and the rollback deployment's id is on the original. */
  stopDeployment(
    d: DeploymentRecord,
    autoRollbackEnabled: boolean | undefined,
    now: number,
  ): { status: 'Pending' | 'Succeeded'; statusMessage: string } {
    if (d.stage === 'done') {
      throw new AwsFault(
        'DeploymentAlreadyCompletedException',
        `The deployment ${d.id} has already completed.`,
      );
    }
    const rollback =
      d.kind === 'deploy' &&
      (autoRollbackEnabled ??
        (d.autoRollback.enabled && d.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST')));
    this.finish(
      d,
      now,
      'Stopped',
      { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user.' },
      undefined,
      rollback,
    );
    this.onChange();
    return rollback
      ? {
          status: 'Pending',
          statusMessage: 'Stop request pending; a rollback deployment was started.',
        }
      : { status: 'Succeeded', statusMessage: 'Deployment stopped.' };
  }

  /** Switches the scenario; `already-active` starts another operator's deployment if the group is idle. */
  setScenario(name: ScenarioName, now: number): void {
    const previous = this.state.scenario;
    for (const d of this.state.deployments) {
      if (d.hold !== undefined && d.hold !== name && d.releasedAt === undefined) d.releasedAt = now;
    }
    if (previous === 'alarm-rollback' && name !== previous) {
      this.clearScenarioAlarms(now, 'Threshold Crossed: the scenario was switched off.');
    }
    this.state.scenario = name;
    this.state.scenarioSince = now;
    if (name === 'already-active' && this.active(this.world.deploymentGroup.name) === undefined) {
      const blue = this.state.service.taskDefinitionArn;
      const revision = this.state.revisions.find((r) => r.content.includes(blue));
      this.createDeployment(
        {
          applicationName: this.world.application.name,
          groupName: this.world.deploymentGroup.name,
          description: 'Redeploy started by dana@fixnado.example from the AWS console',
          revisionSha: revision?.sha256 ?? '',
          content: revision?.content ?? '',
          taskDefinitionArn: blue,
          ignoreApplicationStopFailures: false,
        },
        now,
        'already-active',
      );
    }
    this.onChange();
  }

  /** Sets an alarm's state (control endpoint); an active deployment of a group watching it stops on ALARM. */
  setAlarm(
    name: string,
    value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
    reason: string,
    now: number,
  ): void {
    this.setAlarmAt(name, value, reason, now);
    this.onChange();
  }

  registerTaskDefinition(
    family: string,
    body: Record<string, unknown>,
    tags: StoredTaskDefinition['tags'],
    now: number,
  ) {
    const revision =
      Math.max(
        0,
        ...this.state.taskDefinitions.filter((t) => t.family === family).map((t) => t.revision),
      ) + 1;
    const stored: StoredTaskDefinition = {
      arn: arns(this.world).taskDefinition(family, revision),
      family,
      revision,
      status: 'ACTIVE',
      registeredAt: now,
      registeredBy: this.world.caller.arn,
      tags,
      body,
    };
    this.state.taskDefinitions.push(stored);
    this.onChange();
    return stored;
  }

  taskDefinition(arn: string): StoredTaskDefinition | undefined {
    return this.state.taskDefinitions.find((t) => t.arn === arn);
  }

  /** The image of the task definition's load-balanced container. */
  imageOf(taskDefinitionArn: string): string | undefined {
    const td = this.taskDefinition(taskDefinitionArn);
    const containers = (td?.body['containerDefinitions'] ?? []) as Record<string, unknown>[];
    const app =
      containers.find((c) => c['name'] === this.world.service.containerName) ?? containers[0];
    const image = app?.['image'];
    return typeof image === 'string' ? image : undefined;
  }

  /** The ECR image a reference points at (`repo:tag` or `repo@sha256:...`), when it is in the fixture's repo. */
  resolveImage(image: string | undefined): { tag?: string; digest: string } | undefined {
    if (image === undefined) return undefined;
    const repo = `${arns(this.world).registry}/${this.world.ecr.repositoryName}`;
    if (image.startsWith(`${repo}@`)) {
      const digest = image.slice(repo.length + 1);
      const found = this.world.ecr.images.find((i) => i.digest === digest);
      return found === undefined ? undefined : { tag: found.tag, digest };
    }
    if (image.startsWith(`${repo}:`)) {
      const tag = image.slice(repo.length + 1);
      const found = this.world.ecr.images.find((i) => i.tag === tag);
      return found === undefined ? undefined : { tag, digest: found.digest };
    }
    return undefined;
  }

  imageExists(image: string | undefined): boolean {
    return this.resolveImage(image) !== undefined;
  }
}
