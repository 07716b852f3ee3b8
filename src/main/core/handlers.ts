import { readFile, stat } from 'node:fs/promises';
import type { AppInfo, HostKind } from '../../shared/contract';
import type { EnvironmentStatus, Identity } from '../../shared/domain/run';
import type { Handlers } from './contract/dispatcher';
import { AppError, toErrorShape } from './errors';
import type { EventBus } from './events/event-bus';
import type { EvidenceStore } from './evidence/store';
import { createLogger } from './log';
import type { RunbookEngine } from './runbook/engine';
import type { EnvironmentProvider, ReleaseEnvironment } from './runbook/environments';

const log = createLogger('handlers');

export type HandlerOptions = {
  hostKind: HostKind;
  version: string;
  dataDir: string;
  configPath?: string | undefined;
  sandbox?: { scenario?: string | undefined; timeScale?: number | undefined } | undefined;
  /** A runbook file other than the shipped one (tests). */
  runbookFile?: string | undefined;
  bus: EventBus;
};

export type ConsoleCore = {
  handlers: Handlers;
  /** Resumes unfinished runs in the background (reconcile, re-attach watchers). */
  resume(): Promise<void>;
  close(): Promise<void>;
};

const TEXT_TYPES = /^(text\/|application\/(json|xml|yaml|x-ndjson))|\+json$|\+xml$/;
const TEXT_LIMIT = 1024 * 1024;

/**
 * The contract's handlers, over the runbook engine. Nothing heavy happens at startup: the evidence store, the
 * runbook, the AWS SDK and the sandbox are loaded on the first request that needs them.
 */
export function createConsoleCore(options: HandlerOptions): ConsoleCore {
  let opened:
    | Promise<{ engine: RunbookEngine; store: EvidenceStore; environments: EnvironmentProvider }>
    | undefined;
  let environmentsOnly: EnvironmentProvider | undefined;

  const environmentsProvider = async (): Promise<EnvironmentProvider> => {
    if (environmentsOnly !== undefined) return environmentsOnly;
    const { createEnvironmentProvider } = await import('./runbook/environments');
    environmentsOnly = createEnvironmentProvider({
      dataDir: options.dataDir,
      configPath: options.configPath,
      sandbox: options.sandbox,
    });
    return environmentsOnly;
  };

  const core = () => {
    opened ??= (async () => {
      const [{ openEvidenceStore }, { loadRunbook }, { RunbookEngine }] = await Promise.all([
        import('./evidence/store'),
        import('./runbook/load'),
        import('./runbook/engine'),
      ]);
      const runbook = await loadRunbook(options.runbookFile);
      const { store } = await openEvidenceStore({ dataDir: options.dataDir });
      const environments = await environmentsProvider();
      const engine = new RunbookEngine({ store, environments, runbook, bus: options.bus });
      return { engine, store, environments };
    })();
    opened.catch(() => (opened = undefined));
    return opened;
  };
  const engine = async () => (await core()).engine;

  const identityOf = async (env: ReleaseEnvironment): Promise<Identity> => {
    try {
      const id = await env.session.verifyAccount();
      return { state: 'ok', accountId: id.account, arn: id.arn };
    } catch (error) {
      const shape = toErrorShape(error);
      const detail = (shape.detail ?? {}) as {
        sso?: { loginCommand?: string };
        actualAccount?: string;
        arn?: string;
      };
      const login = detail.sso?.loginCommand ?? env.loginCommand;
      switch (shape.code) {
        case 'sso-expired':
        case 'ExpiredTokenException':
        case 'ExpiredToken':
          return { state: 'sso-expired', loginCommand: login, message: shape.message };
        case 'sso-missing':
          return { state: 'sso-missing', loginCommand: login, message: shape.message };
        case 'profile-missing':
          return { state: 'profile-missing', message: shape.message };
        case 'account-mismatch':
          return {
            state: 'account-mismatch',
            message: shape.message,
            ...(detail.actualAccount ? { accountId: detail.actualAccount } : {}),
            ...(detail.arn ? { arn: detail.arn } : {}),
          };
        default:
          return { state: 'error', message: shape.message };
      }
    }
  };

  const versionsOf = async (env: ReleaseEnvironment): Promise<string[]> => {
    const semver = await import('semver');
    const tags = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const { output } = await env.session.call('ecr', 'DescribeImages', (c, sdk, abortSignal) =>
        c.send(
          new sdk.DescribeImagesCommand({
            repositoryName: env.environment.resources.ecrRepository,
            maxResults: 1000,
            ...(nextToken ? { nextToken } : {}),
          }),
          { abortSignal },
        ),
      );
      for (const image of output.imageDetails ?? [])
        for (const tag of image.imageTags ?? []) if (semver.valid(tag) === tag) tags.add(tag);
      nextToken = output.nextToken;
      if (nextToken === undefined) break;
    }
    return [...tags].sort((a, b) => semver.rcompare(a, b));
  };

  const handlers: Handlers = {
    'app.info': async (): Promise<AppInfo> => {
      const { environments, problems } = await (await environmentsProvider()).list();
      return {
        product: 'Greenlight',
        version: options.version,
        hostKind: options.hostKind,
        environments,
        configProblems: problems,
      };
    },

    'env.status': async ({ environment }): Promise<EnvironmentStatus> => {
      const env = await (await environmentsProvider()).get(environment);
      const [{ checkVpn }, { tagOfImage }] = await Promise.all([
        import('./checks/vpn'),
        import('./aws/task-definition'),
      ]);
      const identity = await identityOf(env);
      const vpn = await checkVpn({
        permittedCidrs:
          env.environment.permittedCidrs.length > 0
            ? env.environment.permittedCidrs
            : ['0.0.0.0/0'],
        validationUrl: env.environment.validationUrl,
      })
        .then((r) => ({ ok: r.passed, message: r.message }))
        .catch((error: unknown) => ({ ok: false, message: toErrorShape(error).message }));
      let versions: string[] = [];
      let currentVersion: string | undefined;
      if (identity.state === 'ok') {
        versions = await versionsOf(env).catch((error: unknown) => {
          log.warn('could not list ECR tags', { message: toErrorShape(error).message });
          return [];
        });
        currentVersion = await env.driver
          .describeCurrentTaskDefinition()
          .then((td) => (td.image === undefined ? undefined : tagOfImage(td.image)))
          .catch(() => undefined);
      }
      return {
        environment,
        identity,
        vpn,
        versions,
        ...(currentVersion === undefined ? {} : { currentVersion }),
      };
    },

    'env.login': async ({ environment }) => {
      const env = await (await environmentsProvider()).get(environment);
      const profile = env.environment.profile;
      if (profile === undefined) {
        return {
          started: false,
          message:
            'The sandbox uses its own credentials: there is nothing to sign in to (an sso-expired scenario ends when the scenario is switched back).',
        };
      }
      const { runSsoLogin } = await import('./aws/sso');
      try {
        const login = await runSsoLogin(profile);
        void login.done.then((code) => log.info('sso login finished', { profile, code }));
        return {
          started: true,
          message: `Running ${login.command}: finish the sign-in in the browser, then check the environment again.`,
        };
      } catch (error) {
        return { started: false, message: toErrorShape(error).message };
      }
    },

    'run.list': async () => (await engine()).list(),
    'run.start': async ({ environment, version }) =>
      (await engine()).start({ environment, version }),
    'run.get': async ({ runId }) => (await engine()).get(runId),
    'run.step': async ({ runId, stepId }) => (await engine()).runStep(runId, stepId),
    'run.cancel': async ({ runId, stepId }) => (await engine()).cancel(runId, stepId),
    'run.override': async ({ runId, stepId, reason }) =>
      (await engine()).override(runId, stepId, reason),
    'run.attest': async ({ runId, stepId, note, link, attachment }) =>
      (await engine()).attest(runId, stepId, {
        ...(note === undefined ? {} : { note }),
        ...(link === undefined ? {} : { link }),
        ...(attachment === undefined
          ? {}
          : {
              attachment: {
                name: attachment.name,
                contentBase64: attachment.contentBase64,
                ...(attachment.mediaType ? { mediaType: attachment.mediaType } : {}),
              },
            }),
      }),
    'run.approve': async ({ runId, overrideReason }) =>
      (await engine()).approve(runId, overrideReason === undefined ? {} : { overrideReason }),
    'run.rollback': async ({ runId, reason }) => (await engine()).rollback(runId, reason),
    'run.terminateBlue': async ({ runId }) => (await engine()).terminateBlue(runId),

    'journal.list': async ({ runId, afterSeq, limit }) =>
      (await engine()).journal(runId, afterSeq ?? 0, limit ?? 1000),

    'artifact.get': async ({ sha256 }) => {
      const { engine: e, store } = await core();
      const info = e.artifactInfo(sha256) ?? {
        name: sha256,
        mediaType: 'application/octet-stream',
      };
      const path = store.artifactPath(sha256);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        throw new AppError('artifact-unknown', `No stored artifact has SHA-256 ${sha256}.`, {
          sha256,
        });
      }
      const isText = TEXT_TYPES.test(info.mediaType) && size <= TEXT_LIMIT;
      return {
        sha256,
        name: info.name,
        mediaType: info.mediaType,
        size,
        ...(isText ? { text: await readFile(path, 'utf8') } : {}),
      };
    },

    'vault.export': async ({ runId, zip }) =>
      (await engine()).exportBundle(runId, zip === undefined ? {} : { zip }),

    'vault.verify': async ({ path }) => {
      const { verifyBundle } = await import('./vault/verify');
      const report = await verifyBundle(path);
      const problems = report.problems.map((p) =>
        p.path === null ? p.message : `${p.path}: ${p.message}`,
      );
      return {
        ok: report.ok,
        summary: report.ok
          ? `Bundle verified: ${report.files} files, ${report.entries} journal entries, chain head ${report.chainHead?.slice(0, 12) ?? '?'}….`
          : `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems[0] ?? ''}`,
        problems,
      };
    },

    'notify.preview': async ({ runId }) => (await engine()).notices(runId),
    'notify.send': async ({ runId }) => (await engine()).sendSlack(runId),
  };

  return {
    handlers,
    async resume() {
      try {
        const { store } = await core();
        if (store.listRuns({ limit: 50 }).some((r) => r.outcome === null))
          await (await engine()).resumeAll();
      } catch (error) {
        log.warn('could not resume unfinished runs', { message: toErrorShape(error).message });
      }
    },
    async close() {
      if (opened !== undefined) {
        const { engine: e, store } = await opened.catch(() => ({
          engine: undefined,
          store: undefined,
        }));
        await e?.close();
        store?.close();
      }
      await environmentsOnly?.close();
    },
  };
}
