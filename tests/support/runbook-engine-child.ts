/**
 * The runbook engine in a process of its own, for the kill-and-restart test: it walks a run against a sandbox
 * running in the parent (so killing this process leaves the deployment going), printing one JSON line per event.
 *
 *   node --import tsx runbook-engine-child.ts <dataDir> <sandboxJson> start
 *   node --import tsx runbook-engine-child.ts <dataDir> <sandboxJson> resume <runId>
 */
import { openEvidenceStore } from '../../src/main/core/evidence/store';
import { RunbookEngine } from '../../src/main/core/runbook/engine';
import {
  createEnvironmentProvider,
  type RunningSandbox,
} from '../../src/main/core/runbook/environments';
import { loadRunbook } from '../../src/main/core/runbook/load';

const [dataDir, sandboxJson, mode, runIdArg] = process.argv.slice(2);
if (dataDir === undefined || sandboxJson === undefined || mode === undefined)
  throw new Error('usage: <dataDir> <sandboxJson> start|resume [runId]');
const given = JSON.parse(sandboxJson) as {
  endpoint: string;
  productionUrl: string;
  validationUrl: string;
  controlUrl: string;
  /** The sandbox's simulated Slack and Grafana; without them the run skips Grafana and sends no Slack. */
  integrations?: RunningSandbox['integrations'];
};
const say = (event: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(event) + '\n');
};

// The sandbox's clock, read from its control endpoint: AWS-side time keeps running `timeScale` times faster.
const state = (await (await fetch(given.controlUrl)).json()) as {
  clock: { now: number; timeScale: number };
};
const anchorWall = Date.now();
const sandbox: RunningSandbox = {
  ...given,
  region: 'us-east-1',
  accountId: '111122223333',
  credentials: {
    accessKeyId: 'AKIACHILDEXAMPLE0001',
    secretAccessKey: 'child-secret-access-key-not-real',
  },
  clock: {
    timeScale: state.clock.timeScale,
    now: () => state.clock.now + (Date.now() - anchorWall) * state.clock.timeScale,
  },
};
const { store } = await openEvidenceStore({ dataDir });
const environments = createEnvironmentProvider({ dataDir, sandboxInstance: sandbox });
const engine = new RunbookEngine({ store, environments, runbook: await loadRunbook() });
const runId =
  mode === 'start'
    ? (await engine.start({ environment: 'sandbox', version: '1.5.1', rehearsal: true })).id
    : (runIdArg as string);
say({ event: 'run', runId, pid: process.pid });
const view = await engine.autoRun(runId, {
  signal: AbortSignal.timeout(150_000),
  onStep: (e) => say({ event: 'step', stepId: e.stepId, state: e.state, summary: e.summary }),
});
await engine.settled(runId);
say({
  event: 'done',
  outcome: view.outcome ?? null,
  deploymentId: view.deployment?.deploymentId ?? null,
});
await engine.close();
store.close();
await environments.close();
