import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import type { fromIni } from '@aws-sdk/credential-providers';
import type { Environment } from '../config/environment';
import { AppError } from '../errors';
import { createLogger } from '../log';
import { toAwsAppError, type AwsCallMeta, type AwsServiceName } from './errors';

const log = createLogger('aws');

const loaders = {
  codedeploy: () => import('@aws-sdk/client-codedeploy'),
  ecs: () => import('@aws-sdk/client-ecs'),
  ecr: () => import('@aws-sdk/client-ecr'),
  secretsmanager: () => import('@aws-sdk/client-secrets-manager'),
  cloudwatch: () => import('@aws-sdk/client-cloudwatch'),
  sts: () => import('@aws-sdk/client-sts'),
};

/** The SDK module of each service (loaded on first use: requiring the SDK costs ~90 ms). */
export type SdkOf = { [K in AwsServiceName]: Awaited<ReturnType<(typeof loaders)[K]>> };
/** The client class of each service. */
export type ClientOf = {
  codedeploy: CodeDeployClient;
  ecs: ECSClient;
  ecr: ECRClient;
  secretsmanager: SecretsManagerClient;
  cloudwatch: CloudWatchClient;
  sts: STSClient;
};

/** Static credentials (the sandbox's, or a test's). */
export type StaticCredentials = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
};
type CredentialsProvider = ReturnType<typeof fromIni>;

/** Connection, socket and whole-request limits; the SDK has no request timeout by default (platform facts). */
export type AwsTimeouts = { connectMs: number; socketMs: number; requestMs: number };
export const defaultTimeouts: AwsTimeouts = {
  connectMs: 3_000,
  socketMs: 15_000,
  requestMs: 20_000,
};

export type AwsSessionOptions = {
  /** One endpoint for every service (the sandbox). Default: the environment's, else AWS's (or AWS_ENDPOINT_URL*). */
  endpoint?: string;
  /** Static credentials (the sandbox's); default: the environment's profile through `fromIni`. */
  credentials?: StaticCredentials;
  /** Cancels every call of the session (Cancel in the UI, or shutdown). */
  signal?: AbortSignal;
  timeouts?: Partial<AwsTimeouts>;
  /** SDK attempts for ordinary calls (adaptive retry). Non-idempotent calls always get 1. */
  maxAttempts?: number;
  /** Shared config/credentials files (default: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE / ~/.aws/...). */
  configFile?: string;
  credentialsFile?: string;
  /** SSO portal/OIDC endpoint override (tests; AWS_ENDPOINT_URL_SSO does the same). */
  ssoEndpoint?: string;
  /** Called after every AWS call with its metadata (for the evidence journal and for counting). */
  onCall?: (meta: AwsCallMeta) => void;
  /** The sandbox's clock factor (1 for AWS); the watcher scales AWS-side minutes by it. */
  timeScale?: number;
  /** AWS-side "now" in ms epoch (the sandbox's clock); default Date.now. */
  awsNow?: () => number;
};

export type CallOptions = {
  signal?: AbortSignal;
  /**
   * No SDK retry: for calls that are not idempotent (CreateDeployment has no idempotency token, and the SDK would
   * resend it after a reset or a timeout; RegisterTaskDefinition would add a revision per attempt).
   */
  singleAttempt?: boolean;
  /** Skip the account check (only GetCallerIdentity itself). */
  skipAccountCheck?: boolean;
};

/** A call's output with its evidence. */
export type Called<T> = { output: T; meta: AwsCallMeta };

export type CallerIdentity = { account: string; arn: string; userId: string; meta: AwsCallMeta };

type WithMetadata = {
  $metadata: {
    requestId?: string;
    httpStatusCode?: number;
    attempts?: number;
    totalRetryDelay?: number;
  };
};

/** An environment's AWS access: credentials, identity, lazily created clients and the one call wrapper. */
export type AwsSession = {
  readonly environment: Environment;
  readonly region: string;
  readonly profile: string | undefined;
  readonly endpoint: string | undefined;
  readonly isSsoProfile: boolean;
  readonly timeScale: number;
  /** AWS-side time in ms epoch (Date.now for AWS, the sandbox's clock for the sandbox). */
  awsNow(): number;
  /**
   * Runs one AWS call: account checked first (once per session), abort signal wired, failure mapped to AppError,
   * `$metadata` kept. `run` receives the service's client, its SDK module and the abort signal to pass to `send`.
   */
  call<S extends AwsServiceName, T extends WithMetadata>(
    service: S,
    operation: string,
    run: (client: ClientOf[S], sdk: SdkOf[S], abortSignal: AbortSignal) => Promise<T>,
    options?: CallOptions,
  ): Promise<Called<T>>;
  /** STS GetCallerIdentity (cached after the first success). */
  identity(signal?: AbortSignal): Promise<CallerIdentity>;
  /** The identity, or AppError `account-mismatch` when the profile resolves to another account than the environment's. */
  verifyAccount(signal?: AbortSignal): Promise<CallerIdentity>;
  /** Subscribes to every call's metadata; returns the unsubscribe function. */
  onCall(listener: (meta: AwsCallMeta) => void): () => void;
  /** Frees sockets. */
  close(): void;
};

/** What the shared config file says about one profile (enough to recognise SSO and a dangling sso-session). */
export type ProfileConfig = {
  found: boolean;
  values: Record<string, string>;
  ssoSessions: string[];
};

/** Reads `[profile NAME]` (or `[default]`) and the `[sso-session ...]` names from the shared config file. */
export function readProfileConfig(profile: string, configFile: string): ProfileConfig {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch {
    return { found: false, values: {}, ssoSessions: [] };
  }
  const values: Record<string, string> = {};
  const ssoSessions: string[] = [];
  let found = false;
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(line);
    if (header?.[1] !== undefined) {
      const name = header[1].replace(/\s+/g, ' ');
      const session = /^sso-session (.+)$/.exec(name);
      if (session?.[1] !== undefined) ssoSessions.push(session[1]);
      inside = name === `profile ${profile}` || (profile === 'default' && name === 'default');
      found ||= inside;
      continue;
    }
    const pair = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (inside && pair?.[1] !== undefined) values[pair[1]] = pair[2] ?? '';
  }
  return { found, values, ssoSessions };
}

/** Whether the profile signs in through IAM Identity Center (SSO). */
export function profileUsesSso(profile: string, configFile: string): boolean {
  const { values } = readProfileConfig(profile, configFile);
  return ['sso_session', 'sso_start_url', 'sso_account_id', 'sso_role_name'].some(
    (k) => k in values,
  );
}

/** An error shaped like the SDK's own credential errors, so the one mapping classifies it. */
function providerError(message: string): Error {
  return Object.assign(new Error(message), { name: 'CredentialsProviderError' });
}

/**
 * Wraps the profile's provider: one credential lookup shared by every client of the session (so the SSO portal is
 * asked once, not once per service), refreshed 5 minutes before expiry, never cached when it failed. A profile
 * naming an sso-session that does not exist is reported as such (the SDK fails there with a TypeError).
 */
function sharedProvider(
  inner: CredentialsProvider,
  profile: string,
  configFile: string,
): CredentialsProvider {
  let current: Promise<Awaited<ReturnType<CredentialsProvider>>> | undefined;
  const provider = async (...args: Parameters<CredentialsProvider>) => {
    const config = readProfileConfig(profile, configFile);
    const session = config.values['sso_session'];
    if (session !== undefined && !config.ssoSessions.includes(session)) {
      throw providerError(
        `Sso session '${session}' could not be found in shared config file (profile ${profile}).`,
      );
    }
    if (current !== undefined) {
      const creds = await current.catch(() => undefined);
      const expiry = creds?.expiration?.getTime();
      if (creds !== undefined && (expiry === undefined || expiry - Date.now() > 5 * 60_000))
        return creds;
    }
    const attempt = inner(...args);
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
  return provider;
}

function configFileOf(options: AwsSessionOptions): string {
  return options.configFile ?? process.env['AWS_CONFIG_FILE'] ?? join(homedir(), '.aws', 'config');
}

/**
 * The SDK prints a multi-line process warning on stderr, once per process, when Node is older than 22 (its releases
 * after the first week of January 2027 need 22). stderr is where the CLI reports findings and the Electron app has
 * none, so say it once in our own log instead, unless the operator already silenced it.
 */
function noteSdkNodeSupport(): void {
  const flag = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
  if (process.env[flag] === 'true') return;
  process.env[flag] = 'true';
  if (Number(process.versions.node.split('.')[0]) < 22) {
    log.warn('AWS SDK releases after the first week of January 2027 need Node 22', {
      node: process.version,
    });
  }
}

/**
 * Opens the AWS access for one environment. The identity comes only from the environment's profile (resolved
 * explicitly with `fromIni`, SSO profiles included) or from explicit credentials; IMDS is switched off so neither
 * an instance role nor stray keys can ever pick the identity. Clients are created per service on first use and
 * reused (one retry quota and one adaptive rate limiter per service, as the SDK intends).
 */
export function createAwsSession(
  environment: Environment,
  options: AwsSessionOptions = {},
): AwsSession {
  // Platform facts: never let the credential chain or the region lookup reach the EC2 metadata service.
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  noteSdkNodeSupport();
  const profile = options.credentials === undefined ? environment.profile : undefined;
  if (options.credentials === undefined && profile === undefined) {
    throw new AppError(
      'credentials-unconfigured',
      `Environment ${environment.name} names no AWS profile and no credentials were given.`,
      { environment: environment.name },
    );
  }
  const endpoint = options.endpoint ?? environment.endpoint;
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const configFile = configFileOf(options);
  const isSsoProfile = profile !== undefined && profileUsesSso(profile, configFile);
  const listeners = new Set<(meta: AwsCallMeta) => void>();
  if (options.onCall) listeners.add(options.onCall);

  let credentials: StaticCredentials | CredentialsProvider | undefined = options.credentials;
  let credentialsReady: Promise<StaticCredentials | CredentialsProvider> | undefined;
  const credentialsProvider = (): Promise<StaticCredentials | CredentialsProvider> => {
    if (credentials !== undefined) return Promise.resolve(credentials);
    credentialsReady ??= import('@aws-sdk/credential-providers').then(({ fromIni }) => {
      const provider = sharedProvider(
        fromIni({
          profile,
          ...(options.configFile === undefined ? {} : { configFilepath: options.configFile }),
          ...(options.credentialsFile === undefined ? {} : { filepath: options.credentialsFile }),
          ...(options.ssoEndpoint === undefined
            ? {}
            : { clientConfig: { endpoint: options.ssoEndpoint } }),
        }),
        profile ?? 'default',
        configFile,
      );
      credentials = provider;
      return provider;
    });
    return credentialsReady;
  };

  const clients = new Map<
    string,
    Promise<{ client: ClientOf[AwsServiceName]; sdk: SdkOf[AwsServiceName] }>
  >();
  const createdClients: { destroy(): void }[] = [];

  async function clientFor<S extends AwsServiceName>(
    service: S,
    singleAttempt: boolean,
  ): Promise<{ client: ClientOf[S]; sdk: SdkOf[S] }> {
    const key = `${service}:${singleAttempt ? 1 : 'n'}`;
    let entry = clients.get(key);
    if (entry === undefined) {
      entry = (async () => {
        const [sdk, { NodeHttpHandler }, creds] = await Promise.all([
          loaders[service](),
          import('@smithy/node-http-handler'),
          credentialsProvider(),
        ]);
        const config = {
          region: environment.region,
          credentials: creds,
          retryMode: 'adaptive',
          maxAttempts: singleAttempt ? 1 : (options.maxAttempts ?? 3),
          requestHandler: new NodeHttpHandler({
            connectionTimeout: timeouts.connectMs,
            socketTimeout: timeouts.socketMs,
            requestTimeout: timeouts.requestMs,
            throwOnRequestTimeout: true,
          }),
          ...(endpoint === undefined ? {} : { endpoint }),
          ...(profile === undefined ? {} : { profile }),
        };
        const client = newClient(service, sdk, config);
        createdClients.push(client);
        return { client, sdk };
      })();
      clients.set(key, entry);
      entry.catch(() => clients.delete(key));
    }
    return (await entry) as { client: ClientOf[S]; sdk: SdkOf[S] };
  }

  const emit = (meta: AwsCallMeta): void => {
    for (const listener of listeners) {
      try {
        listener(meta);
      } catch (error) {
        log.warn('call listener failed', { error: String(error) });
      }
    }
  };

  let identityPromise: Promise<CallerIdentity> | undefined;
  let verifiedPromise: Promise<CallerIdentity> | undefined;

  const session: AwsSession = {
    environment,
    region: environment.region,
    profile,
    endpoint,
    isSsoProfile,
    timeScale: options.timeScale ?? 1,
    awsNow: options.awsNow ?? Date.now,

    async call(service, operation, run, callOptions = {}) {
      if (!callOptions.skipAccountCheck) await session.verifyAccount(callOptions.signal);
      const signals = [options.signal, callOptions.signal].filter(
        (s): s is AbortSignal => s !== undefined,
      );
      const abortSignal =
        signals.length === 0 ? new AbortController().signal : AbortSignal.any(signals);
      const startedAt = new Date();
      const started = performance.now();
      const metaOf = (
        m: WithMetadata['$metadata'] | undefined,
        errorCode?: string,
      ): AwsCallMeta => ({
        service,
        operation,
        requestId: m?.requestId,
        httpStatusCode: m?.httpStatusCode,
        attempts: m?.attempts ?? 1,
        totalRetryDelayMs: m?.totalRetryDelay ?? 0,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - started),
        ...(errorCode === undefined ? {} : { errorCode }),
      });
      try {
        if (abortSignal.aborted)
          throw Object.assign(new Error('aborted before sending'), { name: 'AbortError' });
        const { client, sdk } = await clientFor(service, callOptions.singleAttempt ?? false);
        const output = await run(client, sdk, abortSignal);
        const meta = metaOf(output.$metadata);
        emit(meta);
        return { output, meta };
      } catch (error) {
        const appError = toAwsAppError(error, { service, operation, profile, isSsoProfile });
        const raw = (error as Partial<WithMetadata> | undefined)?.$metadata;
        emit(metaOf(raw, appError.code));
        throw appError;
      }
    },

    identity(signal) {
      identityPromise ??= session
        .call(
          'sts',
          'GetCallerIdentity',
          (c, sdk, abortSignal) => c.send(new sdk.GetCallerIdentityCommand({}), { abortSignal }),
          {
            signal,
            skipAccountCheck: true,
          },
        )
        .then(({ output, meta }) => ({
          account: output.Account ?? '',
          arn: output.Arn ?? '',
          userId: output.UserId ?? '',
          meta,
        }));
      // A failed lookup (expired session, network) is not cached: the next call asks again.
      identityPromise.catch(() => (identityPromise = undefined));
      return identityPromise;
    },

    verifyAccount(signal) {
      verifiedPromise ??= session.identity(signal).then((id) => {
        if (id.account !== environment.accountId) {
          throw new AppError(
            'account-mismatch',
            `Profile ${profile ?? '(explicit credentials)'} is signed in to AWS account ${id.account}, but environment ${environment.name} is account ${environment.accountId}. Greenlight will not act in another account; pick the right profile.`,
            {
              environment: environment.name,
              expectedAccount: environment.accountId,
              actualAccount: id.account,
              arn: id.arn,
              requestId: id.meta.requestId,
              retryable: false,
            },
          );
        }
        return id;
      });
      verifiedPromise.catch((error: unknown) => {
        // A mismatch is final for this session; anything else (expired SSO, network) may be fixed and retried.
        if (!(error instanceof AppError && error.code === 'account-mismatch'))
          verifiedPromise = undefined;
      });
      return verifiedPromise;
    },

    onCall(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    close() {
      for (const client of createdClients.splice(0)) client.destroy();
      clients.clear();
    },
  };
  return session;
}

type ClientConfig = Record<string, unknown>;

function newClient<S extends AwsServiceName>(
  service: S,
  sdk: SdkOf[AwsServiceName],
  config: ClientConfig,
): ClientOf[S] {
  // Each SDK module exports its own client class; the config shape is shared.
  switch (service) {
    case 'codedeploy':
      return new (sdk as SdkOf['codedeploy']).CodeDeployClient(config) as ClientOf[S];
    case 'ecs':
      return new (sdk as SdkOf['ecs']).ECSClient(config) as ClientOf[S];
    case 'ecr':
      return new (sdk as SdkOf['ecr']).ECRClient(config) as ClientOf[S];
    case 'secretsmanager':
      return new (sdk as SdkOf['secretsmanager']).SecretsManagerClient(config) as ClientOf[S];
    case 'cloudwatch':
      return new (sdk as SdkOf['cloudwatch']).CloudWatchClient(config) as ClientOf[S];
    default:
      return new (sdk as SdkOf['sts']).STSClient(config) as ClientOf[S];
  }
}
