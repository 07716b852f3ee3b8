import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { AwsSession } from '../aws/session';
import type { DeploymentDriver } from '../aws/driver';
import type { Environment } from '../config/environment';
import type { LoadedEnvironments } from '../config/load';
import type { SandboxLike } from '../config/sandbox-environment';
import { AppError, toErrorShape } from '../errors';
import { createLogger } from '../log';

const log = createLogger('runbook.env');

/** What the engine needs to release to one environment. */
export type ReleaseEnvironment = {
  environment: Environment;
  session: AwsSession;
  driver: DeploymentDriver;
  /** Sandbox clock factor (1 for AWS). */
  timeScale: number;
  /** The release vault folder: bundles go to `<vaultRoot>/governance/release_vault/<env>/`. */
  vaultRoot: string;
  /** Integrations configured for the environment (slack, grafana, pagerduty). */
  integrations: Set<string>;
  /** The Slack webhook, resolved from its reference at the moment it is needed; undefined when not configured. */
  slackWebhook(): Promise<string | undefined>;
  /** Grafana's URL and service-account token, the token resolved when needed; undefined when not configured. */
  grafana(): Promise<{ url: string; token: string } | undefined>;
  /** The exact command that signs the operator in again. */
  loginCommand: string;
};

/** Gives the engine the environment it is asked for (the sandbox's is started lazily). */
export type EnvironmentProvider = {
  get(name: string): Promise<ReleaseEnvironment>;
  /** Names known, sandbox first, and problems found loading the config (shown, never fatal). */
  list(): Promise<{
    environments: { name: string; target: 'sandbox' | 'aws'; region: string; accountId?: string }[];
    problems: string[];
  }>;
  close(): Promise<void>;
};

/** Options of the console's environment provider. */
export type ProviderOptions = {
  dataDir: string;
  configPath?: string | undefined;
  sandbox?: { scenario?: string | undefined; timeScale?: number | undefined } | undefined;
  /** Vault folder for the sandbox environment (default `<dataDir>/vault`). */
  sandboxVaultRoot?: string | undefined;
  /** A sandbox already running (rehearsal, tests); otherwise one is started on first use. */
  sandboxInstance?: RunningSandbox | undefined;
};

/** What the provider needs from a running sandbox. */
export type RunningSandbox = SandboxLike & {
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The sandbox's simulated Slack webhook and Grafana (absent: the sandbox environment has no integrations). */
  integrations?: { slackWebhookUrl: string; grafana: { url: string; token: string } } | undefined;
  clock: { now(): number; timeScale: number };
  controlUrl?: string;
  close?(): Promise<void>;
};

/**
 * The config's vault root is where `<env>/<version>/` bundles go (default `governance/release_vault`), while the
 * vault module takes the folder holding `governance/release_vault/`: strip those two segments when present.
 */
export function vaultFolderOf(vaultRoot: string, base: string): string {
  const absolute = resolve(base, vaultRoot);
  if (basename(absolute) === 'release_vault' && basename(dirname(absolute)) === 'governance')
    return dirname(dirname(absolute));
  return absolute;
}

/**
 * Builds a ReleaseEnvironment from an Environment: one AWS session (static sandbox credentials, or the profile),
 * the CodeDeploy/ECS driver, the vault folder (created when missing) and the integrations. A config file only
 * holds references to integration secrets (`env:`/`keychain:`), resolved when a step needs them. The sandbox's
 * simulated Slack and Grafana come from the running sandbox itself, as its static AWS credentials do (their
 * fake webhook and token are no secret worth a reference); an integration the environment configures wins.
 */
export async function releaseEnvironment(
  environment: Environment,
  options: { sandbox?: RunningSandbox | undefined; vaultRoot: string; env?: NodeJS.ProcessEnv },
): Promise<ReleaseEnvironment> {
  const [{ createAwsSession }, { codeDeployEcsDriver }, { resolveSecretRef }] = await Promise.all([
    import('../aws/session'),
    import('../aws/driver'),
    import('../config/secret-ref'),
  ]);
  const sandbox = options.sandbox;
  const session = createAwsSession(environment, {
    ...(sandbox === undefined
      ? {}
      : {
          credentials: sandbox.credentials,
          timeScale: sandbox.clock.timeScale,
          awsNow: () => sandbox.clock.now(),
        }),
  });
  await mkdir(options.vaultRoot, { recursive: true });
  const simulated = sandbox?.integrations;
  const integrations = new Set([
    ...Object.entries(environment.integrations)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k),
    ...(simulated === undefined ? [] : ['slack', 'grafana']),
  ]);
  const slack = environment.integrations.slack;
  const grafana = environment.integrations.grafana;
  const secretOptions = { env: options.env ?? process.env };
  return {
    environment,
    session,
    driver: codeDeployEcsDriver(session),
    timeScale: sandbox?.clock.timeScale ?? 1,
    vaultRoot: options.vaultRoot,
    integrations,
    slackWebhook: async () =>
      slack === undefined
        ? simulated?.slackWebhookUrl
        : resolveSecretRef(slack.webhookUrl, secretOptions),
    grafana: async () =>
      grafana === undefined
        ? simulated?.grafana
        : { url: grafana.url, token: await resolveSecretRef(grafana.token, secretOptions) },
    loginCommand: `aws sso login --profile ${environment.profile ?? environment.name}`,
  };
}

/**
 * The console's provider: environments from the config file (loaded lazily; problems are reported, not fatal) and
 * the built-in `sandbox`, whose embedded sandbox starts on first use with its state file in the data directory, so
 * closing and relaunching the console mid-deployment finds the same deployment.
 */
export function createEnvironmentProvider(options: ProviderOptions): EnvironmentProvider {
  const cache = new Map<string, Promise<ReleaseEnvironment>>();
  let sandboxPromise: Promise<RunningSandbox> | undefined;
  let startedSandbox: RunningSandbox | undefined;
  let loaded:
    | Promise<{
        loaded: LoadedEnvironments | undefined;
        problems: string[];
      }>
    | undefined;

  const loadConfig = () => {
    loaded ??= (async () => {
      const { loadEnvironments } = await import('../config/load');
      try {
        return {
          loaded: await loadEnvironments(
            options.configPath === undefined ? {} : { path: options.configPath },
          ),
          problems: [],
        };
      } catch (error) {
        return { loaded: undefined, problems: [toErrorShape(error).message] };
      }
    })();
    return loaded;
  };

  const sandbox = (): Promise<RunningSandbox> => {
    if (options.sandboxInstance !== undefined) return Promise.resolve(options.sandboxInstance);
    sandboxPromise ??= (async () => {
      const { startSandbox } = await import('../sandbox/index');
      const { isScenarioName } = await import('../sandbox/scenarios');
      const scenario = options.sandbox?.scenario;
      if (scenario !== undefined && !isScenarioName(scenario)) {
        throw new AppError(
          'sandbox-scenario-unknown',
          `There is no sandbox scenario '${scenario}'.`,
          { scenario },
        );
      }
      await mkdir(options.dataDir, { recursive: true });
      const started = await startSandbox({
        stateFile: join(options.dataDir, 'sandbox-state.json'),
        ...(scenario === undefined ? {} : { scenario }),
        ...(options.sandbox?.timeScale === undefined
          ? {}
          : { timeScale: options.sandbox.timeScale }),
      });
      log.info('embedded sandbox started', {
        endpoint: started.endpoint,
        scenario: started.scenario(),
        timeScale: started.clock.timeScale,
      });
      startedSandbox = started;
      return started;
    })();
    sandboxPromise.catch(() => (sandboxPromise = undefined));
    return sandboxPromise;
  };

  const build = async (name: string): Promise<ReleaseEnvironment> => {
    if (name === 'sandbox') {
      const sb = await sandbox();
      const { sandboxEnvironment } = await import('../config/sandbox-environment');
      return releaseEnvironment(sandboxEnvironment(sb), {
        sandbox: sb,
        vaultRoot: options.sandboxVaultRoot ?? join(options.dataDir, 'vault'),
      });
    }
    const { loaded: config, problems } = await loadConfig();
    if (config === undefined)
      throw new AppError(
        'config-invalid',
        problems[0] ?? 'The environments file could not be loaded.',
      );
    const { resolveEnvironment } = await import('../config/load');
    const environment = resolveEnvironment(config, name);
    return releaseEnvironment(environment, {
      vaultRoot: vaultFolderOf(environment.vaultRoot, dirname(config.file)),
    });
  };

  return {
    get(name) {
      let entry = cache.get(name);
      if (entry === undefined) {
        entry = build(name);
        cache.set(name, entry);
        entry.catch(() => cache.delete(name));
      }
      return entry;
    },
    async list() {
      const { loaded: config, problems } = await loadConfig();
      const environments: {
        name: string;
        target: 'sandbox' | 'aws';
        region: string;
        accountId?: string;
      }[] = [
        { name: 'sandbox', target: 'sandbox', region: 'us-east-1', accountId: '111122223333' },
      ];
      for (const env of Object.values(config?.environments ?? {})) {
        environments.push({
          name: env.name,
          target: 'aws',
          region: env.region,
          accountId: env.accountId,
        });
      }
      return { environments, problems };
    },
    async close() {
      for (const entry of cache.values()) {
        await entry.then((e) => e.session.close()).catch(() => undefined);
      }
      cache.clear();
      if (startedSandbox?.close !== undefined) await startedSandbox.close();
      startedSandbox = undefined;
      sandboxPromise = undefined;
    },
  };
}
