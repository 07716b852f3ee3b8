import { createHash } from 'node:crypto';
import type { RegisterTaskDefinitionRequest, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { AppError } from '../errors';
import type { AwsCallMeta } from './errors';
import type { AwsSession } from './session';

type Opts = { signal?: AbortSignal };

/** Fields `DescribeTaskDefinition` returns that `RegisterTaskDefinition` rejects (reference, "Registering"). */
export const describeOnlyFields = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;

/**
 * The image reference with its tag replaced: `registry/repo:1.4.2` (or `registry/repo@sha256:...`) ->
 * `registry/repo:<tag>`. A registry port (`host:5000/repo`) is left alone: only the last path segment is touched.
 */
export function imageWithTag(image: string, tag: string): string {
  const slash = image.lastIndexOf('/');
  const head = image.slice(0, slash + 1);
  let name = image.slice(slash + 1);
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const colon = name.indexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  return `${head}${name}:${tag}`;
}

/** The tag after ':' of an image reference (undefined for a digest-only or untagged reference). */
export function tagOfImage(image: string): string | undefined {
  const name = image.slice(image.lastIndexOf('/') + 1);
  if (name.includes('@')) return undefined;
  const colon = name.indexOf(':');
  return colon < 0 ? undefined : name.slice(colon + 1);
}

/**
 * The RegisterTaskDefinition input for a new revision identical to `current` except for the named container's
 * image. Describe-only fields are dropped, tags are passed in their own field.
 */
export function registerInputWithImage(
  current: TaskDefinition,
  tags: Tag[] | undefined,
  containerName: string,
  image: string,
): RegisterTaskDefinitionRequest {
  const containers = current.containerDefinitions ?? [];
  if (!containers.some((c) => c.name === containerName)) {
    throw new AppError(
      'container-not-found',
      `Task definition ${current.family ?? '?'}:${current.revision ?? '?'} has no container named '${containerName}' (it has: ${containers.map((c) => c.name).join(', ') || 'none'}). Fix resources.containerName.`,
      { containerName, containers: containers.map((c) => c.name) },
    );
  }
  const copy: Record<string, unknown> = { ...current };
  for (const field of describeOnlyFields) delete copy[field];
  copy['containerDefinitions'] = containers.map((c) =>
    c.name === containerName ? { ...c, image } : c,
  );
  if (tags !== undefined && tags.length > 0) copy['tags'] = tags;
  return copy as unknown as RegisterTaskDefinitionRequest;
}

export type CurrentTaskDefinition = {
  taskDefinition: TaskDefinition;
  tags: Tag[];
  arn: string;
  /** Image of the environment's container. */
  image: string | undefined;
  meta: AwsCallMeta;
};

/**
 * DescribeTaskDefinition (with TAGS) of the environment's family (its latest ACTIVE revision), or of an explicit
 * family:revision / ARN.
 */
export async function describeTaskDefinition(
  session: AwsSession,
  opts: Opts & { taskDefinition?: string } = {},
): Promise<CurrentTaskDefinition> {
  const ref = opts.taskDefinition ?? session.environment.resources.taskFamily;
  const called = await session.call(
    'ecs',
    'DescribeTaskDefinition',
    (c, sdk, abortSignal) =>
      c.send(new sdk.DescribeTaskDefinitionCommand({ taskDefinition: ref, include: ['TAGS'] }), {
        abortSignal,
      }),
    opts,
  );
  const td = called.output.taskDefinition;
  if (td?.taskDefinitionArn === undefined) {
    throw new AppError('task-definition-not-found', `ECS returned no task definition for ${ref}.`, {
      taskDefinition: ref,
    });
  }
  const container = td.containerDefinitions?.find(
    (c) => c.name === session.environment.resources.containerName,
  );
  return {
    taskDefinition: td,
    tags: called.output.tags ?? [],
    arn: td.taskDefinitionArn,
    image: container?.image,
    meta: called.meta,
  };
}

export type RegisteredTaskDefinition = {
  arn: string;
  family: string;
  revision: number;
  image: string;
  /** The revision it was derived from. */
  basedOn: string;
  meta: AwsCallMeta;
};

/**
 * Registers a revision of `base` whose only difference is the environment container's image (`image`, or the base
 * image with its tag replaced by `version`). Sent once (no SDK retry: every attempt would add a revision).
 */
export async function registerTaskDefinitionWithImage(
  session: AwsSession,
  base: CurrentTaskDefinition,
  target: { image?: string; version?: string },
  opts: Opts = {},
): Promise<RegisteredTaskDefinition> {
  const containerName = session.environment.resources.containerName;
  const image =
    target.image ??
    (target.version !== undefined && base.image !== undefined
      ? imageWithTag(base.image, target.version)
      : undefined);
  if (image === undefined) {
    throw new AppError(
      'invalid_input',
      'registerTaskDefinitionWithImage needs an image or a version.',
      {},
    );
  }
  const input = registerInputWithImage(base.taskDefinition, base.tags, containerName, image);
  const called = await session.call(
    'ecs',
    'RegisterTaskDefinition',
    (c, sdk, abortSignal) => c.send(new sdk.RegisterTaskDefinitionCommand(input), { abortSignal }),
    { ...opts, singleAttempt: true },
  );
  const td = called.output.taskDefinition;
  if (td?.taskDefinitionArn === undefined || td.revision === undefined) {
    throw new AppError(
      'malformed-response',
      'RegisterTaskDefinition returned no task definition ARN.',
      {},
    );
  }
  return {
    arn: td.taskDefinitionArn,
    family: td.family ?? '',
    revision: td.revision,
    image,
    basedOn: base.arn,
    meta: called.meta,
  };
}

/** An ECS AppSpec (reference, "AppSpec for ECS") and the SHA-256 CodeDeploy checks it against. */
export type AppSpec = { content: string; sha256: string };

/**
 * Builds the AppSpec for a task definition ARN. JSON is valid AppSpec (YAML is a superset) and serialises
 * deterministically, so the same inputs always give the same sha256.
 */
export function buildAppSpec(input: {
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  hooks?: { event: string; lambda: string }[];
}): AppSpec {
  const spec: Record<string, unknown> = {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: input.taskDefinitionArn,
            LoadBalancerInfo: {
              ContainerName: input.containerName,
              ContainerPort: input.containerPort,
            },
          },
        },
      },
    ],
  };
  if (input.hooks !== undefined && input.hooks.length > 0) {
    spec['Hooks'] = input.hooks.map((h) => ({ [h.event]: h.lambda }));
  }
  // AppSpec documents spell the version `0.0`; JSON.stringify would print `0`.
  const content = JSON.stringify(spec).replace('"version":0,', '"version":0.0,');
  return { content, sha256: sha256Hex(content) };
}

export const sha256Hex = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/** The task definition ARN an AppSpec (JSON or YAML) points at, or undefined. */
export function taskDefinitionOfAppSpec(content: string): string | undefined {
  const match = /TaskDefinition["']?\s*:\s*["']?(arn:[^"'\s,}]+)/.exec(content);
  return match?.[1];
}
