import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsole, type Console } from '../../../src/main/core/app';
import type { EventName } from '../../../src/shared/contract-names';
import type { AppInfo } from '../../../src/shared/contract';
import type { RunView } from '../../../src/shared/domain/run';
import type { Result } from '../../../src/shared/result';

process.env['GREENLIGHT_LOG'] = 'silent';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: { scenario?: string; timeScale?: number; configPath?: string } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gl-console-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const app: Console = await createConsole({
    hostKind: 'browser',
    dataDir,
    configPath: options.configPath,
    sandbox: { scenario: options.scenario, timeScale: options.timeScale },
  });
  cleanups.push(() => app.close());
  const events: { name: EventName; payload: unknown }[] = [];
  app.bus.subscribe((name, payload) => events.push({ name, payload }));
  const call = async <T>(name: string, payload: unknown): Promise<T> => {
    const result = (await app.dispatch(name, payload)) as Result<T>;
    if (!result.ok)
      throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value;
  };
  const raw = (name: string, payload: unknown) => app.dispatch(name, payload);
  /** Waits until a run.updated event satisfies `test` (bounded). */
  const updated = (test: (run: RunView) => boolean, ms = 30_000): Promise<RunView> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such run.updated event')), ms);
      const check = (): void => {
        const found = events
          .filter((e) => e.name === 'run.updated')
          .map((e) => e.payload as RunView)
          .find(test);
        if (found !== undefined) {
          clearTimeout(timer);
          stop();
          resolve(found);
        }
      };
      const stop = app.bus.subscribe(() => check());
      check();
    });
  return { app, call, raw, events, updated, dataDir };
}

const step = (run: RunView, id: string) =>
  run.sections.flatMap((s) => s.steps).find((s) => s.id === id);

describe('the console over the contract', () => {
  it('lists the environments of the config file with the built-in sandbox, and reports a broken file as a problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-config-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const good = join(dir, 'environments.yaml');
    writeFileSync(
      good,
      `environments:\n  staging:\n    profile: fixnado-staging\n    region: eu-west-2\n    accountId: '123456789012'\n    validationUrl: https://app.staging.fixnado.com:8443\n    productionUrl: https://app.staging.fixnado.com\n`,
    );
    const { call } = await open({ configPath: good });
    const info = await call<AppInfo>('app.info', {});
    expect(info.environments.map((e) => [e.name, e.target])).toEqual([
      ['sandbox', 'sandbox'],
      ['staging', 'aws'],
    ]);
    expect(info.configProblems).toEqual([]);

    const bad = join(dir, 'broken.yaml');
    writeFileSync(
      bad,
      `environments:\n  staging:\n    profile: fixnado-staging\n    region: london\n`,
    );
    const broken = await open({ configPath: bad });
    const brokenInfo = await broken.call<AppInfo>('app.info', {});
    expect(brokenInfo.environments.map((e) => e.name)).toEqual(['sandbox']);
    expect(brokenInfo.configProblems[0]).toMatch(/broken\.yaml:4: .*region/);
  });

  it('starts a run on the embedded sandbox, runs a check, attests, refuses an empty override, and pushes events', async () => {
    const { call, raw, events, updated } = await open({ scenario: 'vpn-down', timeScale: 1200 });
    const run = await call<RunView>('run.start', { environment: 'sandbox', version: '1.5.1' });
    expect(run.runbookHash).toMatch(/^sha256:/);
    expect(run.isRehearsal).toBe(false);
    expect(run.nextStepId).toBe('vpn-connected');
    expect(step(run, 'register-task-definition')?.blockedReason).toContain('waits for:');

    await call<RunView>('run.step', { runId: run.id, stepId: 'vpn-connected' });
    const failed = await updated((r) => step(r, 'vpn-connected')?.state === 'failed');
    expect(step(failed, 'vpn-connected')).toMatchObject({ canOverride: true, canRun: true });
    expect(step(failed, 'vpn-connected')?.summary).toContain('not reachable');

    const tooShort = await raw('run.override', {
      runId: run.id,
      stepId: 'vpn-connected',
      reason: 'ok',
    });
    expect(tooShort).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const overridden = await call<RunView>('run.override', {
      runId: run.id,
      stepId: 'vpn-connected',
      reason: 'VPN client reports connected; listener check blocked by a proxy',
    });
    expect(step(overridden, 'vpn-connected')?.state).toBe('overridden');

    const attested = await call<RunView>('run.attest', {
      runId: run.id,
      stepId: 'cab-approver-present',
      note: 'Dana (CAB) on #release-ops',
      link: 'https://slack.example/archives/C1/p1',
    });
    expect(step(attested, 'cab-approver-present')).toMatchObject({
      state: 'attested',
      decision: { note: 'Dana (CAB) on #release-ops' },
    });

    const notAttestation = await raw('run.attest', { runId: run.id, stepId: 'vpn-connected' });
    expect(notAttestation).toMatchObject({ ok: false, error: { code: 'step-not-attestable' } });
    const noDeployment = await raw('run.approve', { runId: run.id });
    expect(noDeployment).toMatchObject({
      ok: false,
      error: {
        code: 'approve-refused',
        message: expect.stringContaining('no deployment exists yet'),
      },
    });
    const noRollback = await raw('run.rollback', {
      runId: run.id,
      reason: 'nothing to roll back yet, surely',
    });
    expect(noRollback).toMatchObject({ ok: false, error: { code: 'rollback-refused' } });

    const journal = await call<{ entries: { kind: string; summary: string }[]; total: number }>(
      'journal.list',
      { runId: run.id },
    );
    expect(journal.entries.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['run-created', 'step-state', 'override', 'attestation']),
    );
    expect(journal.entries.find((e) => e.kind === 'override')?.summary).toContain(
      'VPN client reports connected',
    );
    expect(events.some((e) => e.name === 'journal.appended')).toBe(true);

    const notice = await call<{ slack: string; email: string; isSlackConfigured: boolean }>(
      'notify.preview',
      { runId: run.id },
    );
    // The embedded sandbox comes with its simulated Slack webhook.
    expect(notice.isSlackConfigured).toBe(true);
    expect(notice.email).toContain('1.5.1');

    const second = await raw('run.start', { environment: 'sandbox', version: '1.5.1' });
    expect(second).toMatchObject({ ok: false, error: { code: 'run-in-progress' } });
    const listed = await call<{ id: string; outcome?: string }[]>('run.list', {});
    expect(listed[0]?.id).toBe(run.id);
  });
});

describe('closing and relaunching the console mid-deployment', () => {
  it(
    'resumes the same run on the same deployment (the embedded sandbox keeps its state in the data directory)',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gl-relaunch-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const launch = async () => {
        const app = await createConsole({
          hostKind: 'browser',
          dataDir,
          sandbox: { scenario: 'happy', timeScale: 60 },
        });
        const call = async <T>(name: string, payload: unknown): Promise<T> => {
          const result = (await app.dispatch(name, payload)) as Result<T>;
          if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
          return result.value;
        };
        return { app, call };
      };
      const first = await launch();
      let run = await first.call<RunView>('run.start', {
        environment: 'sandbox',
        version: '1.5.1',
      });
      // Walk by hand, as an operator would, until CodeDeploy has the deployment.
      const deadline = Date.now() + 60_000;
      while (run.deployment === undefined && Date.now() < deadline) {
        for (const s of run.sections.flatMap((x) => x.steps)) {
          if (s.canAttest)
            run = await first.call<RunView>('run.attest', {
              runId: run.id,
              stepId: s.id,
              note: 'test operator',
            });
          else if (
            s.canRun &&
            s.state === 'ready' &&
            !['manual-rollback', 'redeploy-last-known-good'].includes(s.id)
          )
            run = await first.call<RunView>('run.step', { runId: run.id, stepId: s.id });
        }
        await new Promise((r) => setTimeout(r, 100));
        run = await first.call<RunView>('run.get', { runId: run.id });
      }
      const deploymentId = run.deployment?.deploymentId;
      expect(deploymentId).toMatch(/^d-/);
      await first.app.close();

      const second = await launch();
      cleanups.push(() => second.app.close());
      const listed = await second.call<{ id: string; outcome?: string }[]>('run.list', {});
      expect(listed[0]?.id).toBe(run.id);
      expect(listed[0]?.outcome).toBeUndefined();
      let resumed = await second.call<RunView>('run.get', { runId: run.id });
      expect(resumed.deployment?.deploymentId).toBe(deploymentId);
      const until = Date.now() + 30_000;
      while (resumed.deployment?.status !== 'Ready' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        resumed = await second.call<RunView>('run.get', { runId: run.id });
      }
      expect(resumed.deployment?.status).toBe('Ready');
      expect(resumed.deployment?.readyWait).toMatchObject({
        action: 'STOP_DEPLOYMENT',
        minutes: 20,
      });
      expect(resumed.deployment?.readyWait?.deadline).toBeDefined();
      const journal = await second.call<{ entries: { kind: string; summary: string }[] }>(
        'journal.list',
        { runId: run.id },
      );
      expect(
        journal.entries
          .filter((e) => e.summary.startsWith('Greenlight life'))
          .map((e) => e.summary),
      ).toEqual([expect.stringContaining('life 1'), expect.stringContaining('life 2')]);
    },
  );
});
