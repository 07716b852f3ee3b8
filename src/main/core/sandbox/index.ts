import { createServer } from 'node:http';
import { AppError } from '../errors';
import { createLogger } from '../log';
import { createClock } from './clock';
import { handleControl } from './control';
import { Engine } from './engine';
import { listen, startFleet } from './fleet';
import { emptyIntegrationsState, SANDBOX_GRAFANA_TOKEN, startIntegrations } from './integrations';
import { loadSandboxState, saveSandboxState } from './persistence';
import { createRouter } from './router';
import { isScenarioName, scenarioNames, type ScenarioName } from './scenarios';
import { initialState } from './state';
import { loadWorld } from './world';

export { scenarioNames, scenarioSummaries, type ScenarioName } from './scenarios';

export type SandboxOptions = {
  /** AWS endpoint port; 0/undefined = a free port on 127.0.0.1. */
  port?: number;
  /** Default 'happy' (or the state file's scenario when restarting from one). */
  scenario?: ScenarioName;
  /** Clock speed factor, default 1 (600 => a 20-minute window passes in 2 s). */
  timeScale?: number;
  /** When given, deployments survive a restart of the sandbox. */
  stateFile?: string;
};

export type Sandbox = {
  /** Every AWS service (CodeDeploy, ECS, ECR, Secrets Manager, CloudWatch, STS) and the SSO portal. */
  endpoint: string;
  productionUrl: string;
  validationUrl: string;
  /**
   * `${endpoint}/_sandbox`: GET state (with `integrations`: what the simulated Slack and Grafana received), POST
   * {scenario} / {alarm: {name, state}} / {advanceMs}.
   */
  controlUrl: string;
  region: 'us-east-1';
  accountId: '111122223333';
  /** Any non-empty credentials are accepted; these are handy fakes. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * A simulated Slack incoming webhook and a simulated Grafana HTTP API (search, annotations) on a loopback
   * listener of their own; the Grafana token is a published fake, like `credentials`, and any other is refused.
   */
  integrations: { slackWebhookUrl: string; grafana: { url: string; token: string } };
  scenario(): ScenarioName;
  /** Switches on a running sandbox (the validation listener closes/reopens in the background for vpn-down). */
  setScenario(name: ScenarioName): void;
  /** Sandbox time in epoch ms. */
  clock: { now(): number; timeScale: number };
  close(): Promise<void>;
};

const log = createLogger('sandbox');

function checkOptions(options: SandboxOptions): void {
  const { port, timeScale, scenario } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new AppError(
      'sandbox_invalid_option',
      `port must be an integer between 0 and 65535, got ${String(port)}.`,
      { field: 'port' },
    );
  }
  if (
    timeScale !== undefined &&
    (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0)
  ) {
    throw new AppError(
      'sandbox_invalid_option',
      `timeScale must be a positive number, got ${String(timeScale)}.`,
      { field: 'timeScale' },
    );
  }
  if (scenario !== undefined && !isScenarioName(scenario)) {
    throw new AppError(
      'sandbox_invalid_option',
      `scenario must be one of ${scenarioNames.join(', ')}, got ${String(scenario)}.`,
      { field: 'scenario' },
    );
  }
}

/**
 * Starts the sandbox: a simulated AWS (the real SDK v3 clients and the AWS CLI talk to `endpoint`), the
 * Fixnado fleet (production and validation listeners) and a simulated Slack webhook and Grafana, all on 127.0.0.1.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  checkOptions(options);
  const timeScale = options.timeScale ?? 1;
  const world = loadWorld();
  const saved = options.stateFile === undefined ? undefined : loadSandboxState(options.stateFile);
  const clock = createClock(timeScale, saved?.sandboxNow ?? Date.now());
  const state = saved?.state ?? initialState(world, clock.now());

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const persist = (): void => {
    if (options.stateFile === undefined) return;
    try {
      saveSandboxState(options.stateFile, state, clock.now());
    } catch (error) {
      log.error('could not write the sandbox state file', {
        file: options.stateFile,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    const at = engine.nextTransitionAt();
    if (!Number.isFinite(at)) return;
    // Transitions are computed lazily on every request anyway; the timer keeps the state file and the
    // fleet current when nobody asks.
    timer = setTimeout(
      () => {
        engine.advance();
        schedule();
      },
      Math.min(clock.realDelayUntil(at) + 1, 2 ** 31 - 1),
    );
    timer.unref();
  };
  const engine: Engine = new Engine(world, state, clock, () => {
    persist();
    schedule();
  });
  engine.advance();

  const fleet = await startFleet({ engine, log, scenario: () => state.scenario });
  const integrations = await startIntegrations({
    log,
    state: () => (state.integrations ??= emptyIntegrationsState()),
    changed: persist,
  });

  const setScenario = async (name: ScenarioName): Promise<void> => {
    engine.advance();
    if (name !== state.scenario) log.info('scenario switched', { from: state.scenario, to: name });
    engine.setScenario(name, clock.now());
    await fleet.setValidationReachable(name !== 'vpn-down');
  };

  let urls = {
    endpoint: '',
    productionUrl: fleet.productionUrl,
    validationUrl: fleet.validationUrl,
  };
  const server = createServer(
    createRouter({
      engine,
      world,
      log,
      scenario: () => state.scenario,
      control: (req, res, raw) =>
        handleControl(
          {
            engine,
            urls: () => urls,
            setScenario,
            reschedule: schedule,
            integrations: () => integrations.snapshot(),
          },
          req,
          res,
          raw,
        ),
    }),
  );
  server.keepAliveTimeout = 5_000;
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    await Promise.all([fleet.close(), integrations.close()]);
    throw new AppError(
      'sandbox_port_unavailable',
      `The sandbox could not listen on 127.0.0.1:${options.port ?? 0}: ${error instanceof Error ? error.message : String(error)}`,
      { field: 'port' },
    );
  }
  const endpoint = `http://127.0.0.1:${port}`;
  urls = { ...urls, endpoint };

  if (options.scenario !== undefined) await setScenario(options.scenario);
  else if (state.scenario === 'vpn-down') await fleet.setValidationReachable(false);
  persist();
  schedule();

  return {
    endpoint,
    productionUrl: fleet.productionUrl,
    validationUrl: fleet.validationUrl,
    controlUrl: `${endpoint}/_sandbox`,
    region: 'us-east-1',
    accountId: '111122223333',
    credentials: {
      accessKeyId: 'AKIASANDBOXEXAMPLE01',
      secretAccessKey: 'sandbox-secret-access-key-not-real',
    },
    integrations: {
      slackWebhookUrl: integrations.slackWebhookUrl,
      grafana: { url: integrations.grafanaUrl, token: SANDBOX_GRAFANA_TOKEN },
    },
    scenario: () => state.scenario,
    setScenario(name) {
      if (!isScenarioName(name)) {
        throw new AppError(
          'sandbox_invalid_option',
          `scenario must be one of ${scenarioNames.join(', ')}.`,
          { field: 'scenario' },
        );
      }
      setScenario(name).catch((error: unknown) =>
        log.error('scenario switch failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    },
    clock: { now: () => clock.now(), timeScale },
    async close() {
      if (closed) return;
      engine.advance();
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      persist();
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        fleet.close(),
        integrations.close(),
      ]);
    },
  };
}
