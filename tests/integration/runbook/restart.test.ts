import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsSession } from '../../../src/main/core/aws/session';
import { listDeployments } from '../../../src/main/core/aws/prechecks';
import { sandboxEnvironment } from '../../../src/main/core/config/sandbox-environment';
import { openEvidenceStore } from '../../../src/main/core/evidence/store';
import { foldJournal } from '../../../src/main/core/runbook/facts';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import type { IntegrationsSnapshot } from '../../../src/main/core/sandbox/integrations';

process.env['GREENLIGHT_LOG'] = 'silent';
const child = resolve(import.meta.dirname, '../../support/runbook-engine-child.ts');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type ChildEvent = {
  event: string;
  runId?: string;
  stepId?: string;
  state?: string;
  outcome?: string | null;
  deploymentId?: string | null;
  pid?: number;
};

/** Starts the engine in a child process; `until` decides which event to wait for (bounded by `ms`). */
function engineProcess(dataDir: string, sandbox: Sandbox, args: string[]) {
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      child,
      dataDir,
      JSON.stringify({
        endpoint: sandbox.endpoint,
        productionUrl: sandbox.productionUrl,
        validationUrl: sandbox.validationUrl,
        controlUrl: sandbox.controlUrl,
        integrations: sandbox.integrations,
      }),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREENLIGHT_LOG: 'silent' } },
  );
  const events: ChildEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as ChildEvent);
    } catch {
      return;
    }
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const until = (test: (e: ChildEvent) => boolean, ms: number): Promise<ChildEvent> =>
    new Promise((resolveEvent, reject) => {
      const check = (): void => {
        const found = events.find(test);
        if (found !== undefined) {
          clearTimeout(timer);
          listeners.delete(check);
          resolveEvent(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `no such event within ${ms} ms; got ${events.map((e) => `${e.event}:${e.stepId ?? ''}:${e.state ?? ''}`).join(', ')}; stderr: ${stderr}`,
          ),
        );
      }, ms);
      listeners.add(check);
      void exited.then(() => setTimeout(check, 50));
      check();
    });
  return { proc, events, until, exited };
}

describe('the engine killed mid-deployment', () => {
  it(
    're-attaches to the same deployment after a restart, creates no second one, and completes; the journal shows both lives',
    { timeout: 240_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gl-restart-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      // 60x: the 20-minute Ready window lasts 20 s of real time, enough to restart a process and run the gates.
      const sandbox = await startSandbox({ scenario: 'happy', timeScale: 60 });
      cleanups.push(() => sandbox.close());

      const first = engineProcess(dataDir, sandbox, ['start']);
      const { runId } = await first.until((e) => e.event === 'run', 60_000);
      await first.until((e) => e.stepId === 'create-deployment' && e.state === 'passed', 90_000);
      first.proc.kill('SIGKILL');
      await first.exited;

      const second = engineProcess(dataDir, sandbox, ['resume', runId as string]);
      const done = await second.until((e) => e.event === 'done', 180_000);
      expect(await second.exited).toBe(0);
      expect(done.outcome).toBe('released');

      const { store } = await openEvidenceStore({ dataDir });
      cleanups.push(() => store.close());
      const journal = store.listJournal(runId as string, { limit: 10_000 });
      const facts = foldJournal(runId as string, journal);
      // Both lives are in the journal, from two processes.
      expect(facts.lives.map((l) => l.reason)).toEqual(['start', 'resume']);
      expect(new Set(facts.lives.map((l) => l.pid)).size).toBe(2);
      // One CreateDeployment, one deployment: the second life watched the deployment the first one created.
      expect(facts.intents.filter((i) => i.action === 'codedeploy:CreateDeployment')).toHaveLength(
        1,
      );
      const resumedAt = journal.findIndex(
        (e) =>
          e.kind === 'observation' &&
          (e.payload as { subject: string; data: { reason?: string } }).data.reason === 'resume',
      );
      const watchedAfter = journal
        .slice(resumedAt)
        .filter(
          (e) =>
            e.kind === 'observation' && (e.payload as { subject: string }).subject === 'deployment',
        )
        .map(
          (e) =>
            (e.payload as { data: { role: string; deployment: { deploymentId: string } } }).data,
        );
      expect(watchedAfter.length).toBeGreaterThan(0);
      expect(
        new Set(
          watchedAfter.filter((d) => d.role === 'release').map((d) => d.deployment.deploymentId),
        ),
      ).toEqual(new Set([done.deploymentId]));
      // AWS agrees: exactly one deployment carries this run's marker.
      const session = createAwsSession(sandboxEnvironment(sandbox), {
        credentials: sandbox.credentials,
      });
      cleanups.push(() => session.close());
      const { deployments } = await listDeployments(session, {});
      expect(
        deployments
          .filter((d) => d.description?.includes(`[greenlight-run:${runId as string}]`))
          .map((d) => d.deploymentId),
      ).toEqual([done.deploymentId]);
      // Grafana and Slack agree too: one annotation for this run, one summary, both naming the deployment.
      const { integrations } = (await (await fetch(sandbox.controlUrl)).json()) as {
        integrations: IntegrationsSnapshot;
      };
      const annotations = integrations.grafana.annotations.filter((a) =>
        a.tags.includes(`greenlight-run:${runId as string}`),
      );
      expect(annotations).toHaveLength(1);
      expect(annotations[0]?.text).toContain(done.deploymentId as string);
      expect(integrations.slack.messages).toHaveLength(1);
      expect(integrations.slack.messages[0]?.text).toContain(done.deploymentId as string);
    },
  );
});
