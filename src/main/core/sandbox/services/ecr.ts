import { objectList, optList, optObject, optString, reqString } from '../validate';
import { AwsFault, epochSeconds } from '../wire';
import type { Operation } from './types';

export const ecrOperations: Record<string, Operation> = {
  DescribeImages: (input, { world, engine }) => {
    const repositoryName = reqString(input, 'repositoryName');
    const registryId = optString(input, 'registryId') ?? world.accountId;
    if (repositoryName !== world.ecr.repositoryName || registryId !== world.accountId) {
      throw new AwsFault(
        'RepositoryNotFoundException',
        `The repository with name '${repositoryName}' does not exist in the registry with id '${registryId}'`,
      );
    }
    const ids = objectList(optList(input, 'imageIds') ?? [], 'imageIds').map((id, i) => ({
      tag: optString(id, 'imageTag', `imageIds.${i + 1}.imageTag`),
      digest: optString(id, 'imageDigest', `imageIds.${i + 1}.imageDigest`),
      i,
    }));
    const filter = optObject(input, 'filter');
    const tagStatus =
      filter === undefined ? undefined : optString(filter, 'tagStatus', 'filter.tagStatus');
    if (tagStatus !== undefined && !['TAGGED', 'UNTAGGED', 'ANY'].includes(tagStatus)) {
      throw new AwsFault(
        'InvalidParameterException',
        `filter.tagStatus must be TAGGED, UNTAGGED or ANY, not ${tagStatus}.`,
      );
    }
    for (const id of ids) {
      if (id.tag === undefined && id.digest === undefined) {
        throw new AwsFault(
          'InvalidParameterException',
          `imageIds.${id.i + 1} must have an imageTag or an imageDigest.`,
        );
      }
    }
    const images = world.ecr.images;
    const selected =
      ids.length === 0
        ? tagStatus === 'UNTAGGED'
          ? []
          : images
        : ids.map((id) => {
            const found = images.find(
              (img) =>
                (id.tag === undefined || img.tag === id.tag) &&
                (id.digest === undefined || img.digest === id.digest),
            );
            if (found === undefined) {
              throw new AwsFault(
                'ImageNotFoundException',
                `The image with imageId {imageDigest:'${id.digest ?? 'null'}', imageTag:'${id.tag ?? 'null'}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${registryId}'`,
              );
            }
            return found;
          });
    const unique = [...new Set(selected)];
    return {
      imageDetails: unique.map((img) => ({
        registryId: world.accountId,
        repositoryName,
        imageDigest: img.digest,
        imageTags: [img.tag],
        imageSizeInBytes: img.sizeInBytes,
        imagePushedAt: epochSeconds(engine.state.createdAt - img.pushedMinutesAgo * 60_000),
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        artifactMediaType: 'application/vnd.docker.container.image.v1+json',
        imageStatus: 'ACTIVE',
      })),
    };
  },
};
