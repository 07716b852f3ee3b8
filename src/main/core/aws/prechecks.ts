import type { DeploymentStatus, GetDeploymentGroupCommandOutput } from '@aws-sdk/client-codedeploy';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { AppError } from '../errors';
import type { AwsCallMeta } from './errors';
import {
  activeStatuses,
  toDeploymentSnapshot,
  type DeploymentSnapshot,
  type WaitSetting,
} from './model';
import type { AwsSession, Called } from './session';

/** Every pre-check answers with whether it passed, one line for a person, typed facts and the calls it made. */
export type PrecheckResult<Name extends string, Facts> = {
  check: Name;
  ok: boolean;
  summary: string;
  facts: Facts;
  evidence: AwsCallMeta[];
};

type Opts = { signal?: AbortSignal };

export type IdentityFacts = { account: string; arn: string; expectedAccount: string };

/** The profile's identity, checked against the environment's account (AppError `account-mismatch` otherwise). */
export async function checkIdentity(
  session: AwsSession,
  opts: Opts = {},
): Promise<PrecheckResult<'identity', IdentityFacts>> {
  const id = await session.verifyAccount(opts.signal);
  return {
    check: 'identity',
    ok: true,
    summary: `Signed in as ${id.arn} in account ${id.account}.`,
    facts: { account: id.account, arn: id.arn, expectedAccount: session.environment.accountId },
    evidence: [id.meta],
  };
}

export type ImageFacts = {
  repository: string;
  tag: string;
  digest: string | undefined;
  pushedAt: string | undefined;
  registryId: string | undefined;
  /** `<registry>/<repo>:<tag>` when found. */
  imageUri: string | undefined;
};

/** ECR has an image tagged with the version (DescribeImages by tag; `ImageNotFoundException` = not pushed). */
export async function checkImage(
  session: AwsSession,
  version: string,
  opts: Opts = {},
): Promise<PrecheckResult<'image', ImageFacts>> {
  const repository = session.environment.resources.ecrRepository;
  const notFound = (meta: AwsCallMeta, why: string): PrecheckResult<'image', ImageFacts> => ({
    check: 'image',
    ok: false,
    summary: why,
    facts: {
      repository,
      tag: version,
      digest: undefined,
      pushedAt: undefined,
      registryId: undefined,
      imageUri: undefined,
    },
    evidence: [meta],
  });
  let called;
  try {
    called = await session.call(
      'ecr',
      'DescribeImages',
      (c, sdk, abortSignal) =>
        c.send(
          new sdk.DescribeImagesCommand({
            repositoryName: repository,
            imageIds: [{ imageTag: version }],
          }),
          {
            abortSignal,
          },
        ),
      opts,
    );
  } catch (error) {
    if (error instanceof AppError && error.code === 'ImageNotFoundException') {
      return notFound(
        metaFromError(error, 'ecr', 'DescribeImages'),
        `No image ${repository}:${version} in ECR: push it first.`,
      );
    }
    throw error;
  }
  const image = called.output.imageDetails?.[0];
  if (image?.imageDigest === undefined) {
    return notFound(called.meta, `No image ${repository}:${version} in ECR: push it first.`);
  }
  const registryId = image.registryId;
  const imageUri =
    registryId === undefined
      ? undefined
      : `${registryId}.dkr.ecr.${session.region}.amazonaws.com/${repository}:${version}`;
  return {
    check: 'image',
    ok: true,
    summary: `${repository}:${version} is in ECR (${image.imageDigest}).`,
    facts: {
      repository,
      tag: version,
      digest: image.imageDigest,
      pushedAt: image.imagePushedAt?.toISOString(),
      registryId,
      imageUri,
    },
    evidence: [called.meta],
  };
}

export type SecretFacts = {
  id: string;
  arn: string | undefined;
  exists: boolean;
  /** Scheduled for deletion (DescribeSecret `DeletedDate`). */
  deleted: boolean;
  isJson: boolean;
  requiredKeys: string[];
  missingKeys: string[];
};

/**
 * A `secrets[].valueFrom` of a task definition names a secret and optionally one JSON key:
 * `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abcdef:json-key:stage:version` (reference, "Pre-checks").
 * Returns the secret id (the ARN without the key part) and the key, or undefined for SSM parameters.
 */
export function parseSecretValueFrom(
  valueFrom: string,
): { secretId: string; jsonKey: string | undefined } | undefined {
  const match =
    /^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:[^:]+)(?::([^:]*)(?::([^:]*)(?::([^:]*))?)?)?$/.exec(
      valueFrom,
    );
  if (match?.[1] === undefined) return undefined;
  const jsonKey = match[2];
  return {
    secretId: match[1],
    jsonKey: jsonKey === undefined || jsonKey === '' ? undefined : jsonKey,
  };
}

/** A secret the release needs and the JSON keys it must hold. */
export type SecretRequirement = { id: string; requiredKeys: string[] };

/** The secret's name in an ARN (`...:secret:app-config-Ab12Cd` -> `app-config`: AWS appends 6 random characters). */
export function secretNameOf(id: string): string {
  const arn = /:secret:(.+)$/.exec(id);
  return arn?.[1] === undefined ? id : arn[1].replace(/-[A-Za-z0-9]{6}$/, '');
}

/**
 * The Secrets Manager secrets a task definition's containers read (`secrets[].valueFrom`), with the JSON keys
 * they name, merged into the configured requirements (matched by secret name). The task definition is what ECS
 * will actually resolve at start-up, so its keys are required even when the config forgot one.
 */
export function mergeSecretRequirements(
  configured: SecretRequirement[],
  taskDefinition: Pick<TaskDefinition, 'containerDefinitions'> | undefined,
): SecretRequirement[] {
  const merged = configured.map((r) => ({ id: r.id, requiredKeys: [...r.requiredKeys] }));
  for (const container of taskDefinition?.containerDefinitions ?? []) {
    for (const secret of container.secrets ?? []) {
      const ref =
        secret.valueFrom === undefined ? undefined : parseSecretValueFrom(secret.valueFrom);
      if (ref === undefined) continue;
      let entry = merged.find((r) => secretNameOf(r.id) === secretNameOf(ref.secretId));
      if (entry === undefined) {
        entry = { id: ref.secretId, requiredKeys: [] };
        merged.push(entry);
      }
      if (ref.jsonKey !== undefined && !entry.requiredKeys.includes(ref.jsonKey))
        entry.requiredKeys.push(ref.jsonKey);
    }
  }
  return merged;
}

/**
 * Proves each required secret exists and its JSON holds the required keys. The value is read (Secrets Manager has
 * no "list keys" call), parsed, reduced to the presence of key names, and dropped: it is never returned, logged,
 * stored or put in an error.
 */
export async function checkSecrets(
  session: AwsSession,
  opts: Opts & {
    requirements?: SecretRequirement[];
    /** Adds the secrets and keys this task definition's containers read. */
    taskDefinition?: Pick<TaskDefinition, 'containerDefinitions'>;
  } = {},
): Promise<PrecheckResult<'secrets', { secrets: SecretFacts[] }>> {
  const requirements = mergeSecretRequirements(
    opts.requirements ?? session.environment.secrets,
    opts.taskDefinition,
  );
  const evidence: AwsCallMeta[] = [];
  const secrets: SecretFacts[] = [];
  for (const req of requirements) {
    const facts: SecretFacts = {
      id: req.id,
      arn: undefined,
      exists: false,
      deleted: false,
      isJson: false,
      requiredKeys: [...req.requiredKeys],
      missingKeys: [...req.requiredKeys],
    };
    secrets.push(facts);
    try {
      const described = await session.call(
        'secretsmanager',
        'DescribeSecret',
        (c, sdk, abortSignal) =>
          c.send(new sdk.DescribeSecretCommand({ SecretId: req.id }), { abortSignal }),
        opts,
      );
      evidence.push(described.meta);
      facts.exists = true;
      facts.arn = described.output.ARN;
      facts.deleted = described.output.DeletedDate !== undefined;
    } catch (error) {
      if (error instanceof AppError && error.code === 'ResourceNotFoundException') {
        evidence.push(metaFromError(error, 'secretsmanager', 'DescribeSecret'));
        continue;
      }
      throw error;
    }
    if (facts.deleted) continue;
    const keys = await presentKeys(session, req.id, opts, evidence);
    facts.isJson = keys !== undefined;
    facts.missingKeys = req.requiredKeys.filter((k) => !keys?.has(k));
  }
  const problems = secrets.filter(
    (s) =>
      !s.exists ||
      s.deleted ||
      s.missingKeys.length > 0 ||
      (!s.isJson && s.requiredKeys.length > 0),
  );
  const summary =
    problems.length === 0
      ? `${secrets.length} secret(s) present with their required keys.`
      : problems
          .map((s) =>
            !s.exists
              ? `secret ${s.id} does not exist`
              : s.deleted
                ? `secret ${s.id} is scheduled for deletion`
                : !s.isJson
                  ? `secret ${s.id} is not a JSON object`
                  : `secret ${s.id} lacks ${s.missingKeys.join(', ')}`,
          )
          .join('; ') + '.';
  return { check: 'secrets', ok: problems.length === 0, summary, facts: { secrets }, evidence };
}

/** The key names of a JSON secret, or undefined when it is not a JSON object. Only names leave this function. */
async function presentKeys(
  session: AwsSession,
  secretId: string,
  opts: Opts,
  evidence: AwsCallMeta[],
): Promise<Set<string> | undefined> {
  let keys: Set<string> | undefined;
  const called = await session.call(
    'secretsmanager',
    'GetSecretValue',
    async (c, sdk, abortSignal) => {
      const output = await c.send(new sdk.GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal,
      });
      try {
        const parsed: unknown =
          output.SecretString === undefined ? undefined : JSON.parse(output.SecretString);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          keys = new Set(Object.keys(parsed));
      } catch {
        // Not JSON: say so, without quoting any of it.
      }
      // Only the metadata goes further: the output (and its SecretString) is dropped here.
      return { $metadata: output.$metadata };
    },
    opts,
  );
  evidence.push(called.meta);
  return keys;
}

export type AlarmFacts = {
  alarms: {
    name: string;
    state: string | undefined;
    reason: string | undefined;
    updatedAt: string | undefined;
  }[];
  missing: string[];
};

/** None of the environment's alarms is in ALARM (CloudWatch DescribeAlarms); a configured alarm that does not exist fails too. */
export async function checkAlarms(
  session: AwsSession,
  opts: Opts = {},
): Promise<PrecheckResult<'alarms', AlarmFacts>> {
  const names = session.environment.resources.alarmNames;
  if (names.length === 0) {
    return {
      check: 'alarms',
      ok: true,
      summary: 'No alarms configured.',
      facts: { alarms: [], missing: [] },
      evidence: [],
    };
  }
  const called = await session.call(
    'cloudwatch',
    'DescribeAlarms',
    (c, sdk, abortSignal) =>
      c.send(
        new sdk.DescribeAlarmsCommand({
          AlarmNames: names,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        }),
        {
          abortSignal,
        },
      ),
    opts,
  );
  const found = [...(called.output.MetricAlarms ?? []), ...(called.output.CompositeAlarms ?? [])];
  const alarms = found.map((a) => ({
    name: a.AlarmName ?? '?',
    state: a.StateValue,
    reason: a.StateReason,
    updatedAt: a.StateUpdatedTimestamp?.toISOString(),
  }));
  const missing = names.filter((n) => !alarms.some((a) => a.name === n));
  const firing = alarms.filter((a) => a.state === 'ALARM');
  const parts = [
    ...firing.map((a) => `${a.name} is in ALARM`),
    ...missing.map((n) => `alarm ${n} does not exist`),
  ];
  return {
    check: 'alarms',
    ok: parts.length === 0,
    summary:
      parts.length === 0
        ? `${alarms.length} alarm(s) quiet (${alarms.map((a) => `${a.name}: ${a.state ?? '?'}`).join(', ')}).`
        : parts.join('; ') + '.',
    facts: { alarms, missing },
    evidence: [called.meta],
  };
}

/** What the runbook needs from the deployment group: countdowns, timeouts, rollback behaviour. */
export type DeploymentGroupSettings = {
  applicationName: string;
  deploymentGroupName: string;
  deploymentStyle: { type: string | undefined; option: string | undefined };
  computePlatform: string | undefined;
  deploymentConfigName: string | undefined;
  /** `deploymentReadyOption`: e.g. {STOP_DEPLOYMENT, 20}. */
  readyWait: WaitSetting;
  /** `terminateBlueInstancesOnDeploymentSuccess`: e.g. {TERMINATE, 10}. */
  termination: WaitSetting;
  alarms: { enabled: boolean; names: string[]; ignorePollAlarmFailure: boolean };
  autoRollback: { enabled: boolean; events: string[] };
  ecsServices: { cluster: string | undefined; service: string | undefined }[];
  lastSuccessfulDeployment:
    | { deploymentId: string | undefined; status: string | undefined; endTime: string | undefined }
    | undefined;
};

/** GetDeploymentGroup for the environment's application and group (the group's settings and last success). */
export function getDeploymentGroup(
  session: AwsSession,
  opts: Opts = {},
): Promise<Called<GetDeploymentGroupCommandOutput>> {
  const r = session.environment.resources;
  return session.call(
    'codedeploy',
    'GetDeploymentGroup',
    (c, sdk, abortSignal) =>
      c.send(
        new sdk.GetDeploymentGroupCommand({
          applicationName: r.codedeployApplication,
          deploymentGroupName: r.deploymentGroup,
        }),
        { abortSignal },
      ),
    opts,
  );
}

/** Reads the group (GetDeploymentGroup) and checks it is an ECS blue/green group for the environment's service. */
export async function readDeploymentGroup(
  session: AwsSession,
  opts: Opts = {},
): Promise<PrecheckResult<'deployment-group', DeploymentGroupSettings>> {
  const r = session.environment.resources;
  const called = await getDeploymentGroup(session, opts);
  const g = called.output.deploymentGroupInfo;
  const bg = g?.blueGreenDeploymentConfiguration;
  const settings: DeploymentGroupSettings = {
    applicationName: g?.applicationName ?? r.codedeployApplication,
    deploymentGroupName: g?.deploymentGroupName ?? r.deploymentGroup,
    deploymentStyle: {
      type: g?.deploymentStyle?.deploymentType,
      option: g?.deploymentStyle?.deploymentOption,
    },
    computePlatform: g?.computePlatform,
    deploymentConfigName: g?.deploymentConfigName,
    readyWait: {
      action: bg?.deploymentReadyOption?.actionOnTimeout,
      minutes: bg?.deploymentReadyOption?.waitTimeInMinutes,
    },
    termination: {
      action: bg?.terminateBlueInstancesOnDeploymentSuccess?.action,
      minutes: bg?.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes,
    },
    alarms: {
      enabled: g?.alarmConfiguration?.enabled ?? false,
      names: (g?.alarmConfiguration?.alarms ?? []).map((a) => a.name ?? '?'),
      ignorePollAlarmFailure: g?.alarmConfiguration?.ignorePollAlarmFailure ?? false,
    },
    autoRollback: {
      enabled: g?.autoRollbackConfiguration?.enabled ?? false,
      events: g?.autoRollbackConfiguration?.events ?? [],
    },
    ecsServices: (g?.ecsServices ?? []).map((s) => ({
      cluster: s.clusterName,
      service: s.serviceName,
    })),
    lastSuccessfulDeployment:
      g?.lastSuccessfulDeployment === undefined
        ? undefined
        : {
            deploymentId: g.lastSuccessfulDeployment.deploymentId,
            status: g.lastSuccessfulDeployment.status,
            endTime: g.lastSuccessfulDeployment.endTime?.toISOString(),
          },
  };
  const problems: string[] = [];
  if (
    settings.deploymentStyle.type !== undefined &&
    settings.deploymentStyle.type !== 'BLUE_GREEN'
  ) {
    problems.push(`deployment type is ${settings.deploymentStyle.type}, expected BLUE_GREEN`);
  }
  if (settings.computePlatform !== undefined && settings.computePlatform !== 'ECS') {
    problems.push(`compute platform is ${settings.computePlatform}, expected ECS`);
  }
  const service = settings.ecsServices[0];
  if (service !== undefined && (service.cluster !== r.cluster || service.service !== r.service)) {
    problems.push(
      `group deploys ${service.cluster}/${service.service}, environment says ${r.cluster}/${r.service}`,
    );
  }
  const ready = settings.readyWait;
  const term = settings.termination;
  return {
    check: 'deployment-group',
    ok: problems.length === 0,
    summary:
      problems.length > 0
        ? problems.join('; ') + '.'
        : `Ready wait ${ready.action ?? '?'} after ${ready.minutes ?? '?'} min; blue ${term.action ?? '?'} after ${term.minutes ?? '?'} min; ` +
          `alarms ${settings.alarms.enabled ? settings.alarms.names.join(', ') || 'none' : 'off'}; ` +
          `auto-rollback ${settings.autoRollback.enabled ? settings.autoRollback.events.join(', ') || 'on' : 'off'}.`,
    facts: settings,
    evidence: [called.meta],
  };
}

export type ActiveDeploymentFacts = { active: DeploymentSnapshot[] };

/**
 * Nothing is running in the group (one active deployment per group). When something is, it is returned so the
 * operator can attach to it instead.
 */
export async function checkNoActiveDeployment(
  session: AwsSession,
  opts: Opts = {},
): Promise<PrecheckResult<'no-active-deployment', ActiveDeploymentFacts>> {
  const { deployments, evidence } = await listDeployments(session, {
    statuses: [...activeStatuses],
    ...opts,
  });
  const active = deployments.filter((d) => d.isActive);
  return {
    check: 'no-active-deployment',
    ok: active.length === 0,
    summary:
      active.length === 0
        ? 'No deployment is active in the group.'
        : `Deployment ${active.map((d) => `${d.deploymentId} (${d.status}, by ${d.creator ?? '?'})`).join(', ')} is active in the group.`,
    facts: { active },
    evidence,
  };
}

/**
 * ListDeployments for the environment's group (every page), then BatchGetDeployments (<= 100 ids per call).
 * `createdAfter` narrows by `createTimeRange`.
 */
export async function listDeployments(
  session: AwsSession,
  options: Opts & { statuses?: DeploymentStatus[]; createdAfter?: Date },
): Promise<{ deployments: DeploymentSnapshot[]; evidence: AwsCallMeta[] }> {
  const r = session.environment.resources;
  const evidence: AwsCallMeta[] = [];
  const ids: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const called = await session.call(
      'codedeploy',
      'ListDeployments',
      (c, sdk, abortSignal) =>
        c.send(
          new sdk.ListDeploymentsCommand({
            applicationName: r.codedeployApplication,
            deploymentGroupName: r.deploymentGroup,
            ...(options.statuses === undefined ? {} : { includeOnlyStatuses: options.statuses }),
            ...(options.createdAfter === undefined
              ? {}
              : { createTimeRange: { start: options.createdAfter } }),
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
          { abortSignal },
        ),
      options,
    );
    evidence.push(called.meta);
    ids.push(...(called.output.deployments ?? []));
    nextToken = called.output.nextToken;
    if (nextToken === undefined) break;
  }
  const deployments: DeploymentSnapshot[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const called = await session.call(
      'codedeploy',
      'BatchGetDeployments',
      (c, sdk, abortSignal) =>
        c.send(new sdk.BatchGetDeploymentsCommand({ deploymentIds: chunk }), { abortSignal }),
      options,
    );
    evidence.push(called.meta);
    deployments.push(...(called.output.deploymentsInfo ?? []).map(toDeploymentSnapshot));
  }
  return { deployments, evidence };
}

/** The call metadata an AppError from `session.call` carries (for evidence of a failed-but-expected call). */
export function metaFromError(
  error: AppError,
  service: AwsCallMeta['service'],
  operation: string,
): AwsCallMeta {
  const d = (error.detail ?? {}) as {
    requestId?: string;
    httpStatusCode?: number;
    attempts?: number;
    totalRetryDelayMs?: number;
  };
  return {
    service,
    operation,
    requestId: d.requestId,
    httpStatusCode: d.httpStatusCode,
    attempts: d.attempts ?? 1,
    totalRetryDelayMs: d.totalRetryDelayMs ?? 0,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    errorCode: error.code,
  };
}
