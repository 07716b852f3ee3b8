import { optString, reqString, type Body } from '../validate';
import { AwsFault, epochSeconds } from '../wire';
import { arns, type WorldFixture } from '../world';
import type { Operation, OperationContext } from './types';

/** SecretId may be the name, the full ARN, or the ARN without its random 6-character suffix. */
function secretId(input: Body, world: WorldFixture): void {
  const id = reqString(input, 'SecretId');
  const full = arns(world).secret;
  const partial = full.slice(0, -(world.secret.arnSuffix.length + 1));
  if (id !== world.secret.name && id !== full && id !== partial) {
    throw new AwsFault(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
  }
}

function times(ctx: OperationContext) {
  const s = ctx.world.secret;
  return {
    created: ctx.engine.state.createdAt - s.createdMinutesAgo * 60_000,
    changed: ctx.engine.state.createdAt - s.changedMinutesAgo * 60_000,
  };
}

export const secretsManagerOperations: Record<string, Operation> = {
  DescribeSecret: (input, ctx) => {
    const { world } = ctx;
    secretId(input, world);
    const t = times(ctx);
    return {
      ARN: arns(world).secret,
      Name: world.secret.name,
      Description: world.secret.description,
      LastChangedDate: epochSeconds(t.changed),
      LastAccessedDate: epochSeconds(Math.floor(ctx.now / 86_400_000) * 86_400_000),
      Tags: [{ Key: 'environment', Value: world.environment }],
      VersionIdsToStages: { [world.secret.versionId]: ['AWSCURRENT'] },
      CreatedDate: epochSeconds(t.created),
    };
  },

  GetSecretValue: (input, ctx) => {
    const { world } = ctx;
    secretId(input, world);
    const versionId = optString(input, 'VersionId');
    const stage = optString(input, 'VersionStage');
    if (versionId !== undefined && versionId !== world.secret.versionId) {
      throw new AwsFault(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    if (stage !== undefined && stage !== 'AWSCURRENT') {
      throw new AwsFault(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
      );
    }
    return {
      ARN: arns(world).secret,
      Name: world.secret.name,
      VersionId: world.secret.versionId,
      SecretString: JSON.stringify(world.secret.values),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: epochSeconds(times(ctx).changed),
    };
  },
};
