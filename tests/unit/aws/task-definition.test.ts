import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  mergeSecretRequirements,
  parseSecretValueFrom,
  secretNameOf,
} from '../../../src/main/core/aws/prechecks';
import { deploymentDescription, runIdOfDescription } from '../../../src/main/core/aws/deployments';
import {
  buildAppSpec,
  imageWithTag,
  registerInputWithImage,
  sha256Hex,
  tagOfImage,
  taskDefinitionOfAppSpec,
} from '../../../src/main/core/aws/task-definition';

const described: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:7',
  family: 'fixnado-sandbox-app',
  revision: 7,
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: new Date('2026-01-01T00:00:00Z'),
  registeredBy: 'arn:aws:iam::111122223333:role/deployer',
  networkMode: 'awsvpc',
  cpu: '512',
  memory: '1024',
  requiresCompatibilities: ['FARGATE'],
  containerDefinitions: [
    {
      name: 'app',
      image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend:1.4.2',
      portMappings: [{ containerPort: 8080 }],
    },
    { name: 'sidecar', image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0' },
  ],
};

describe('task definition revision', () => {
  it('drops describe-only fields, swaps only the named container image and carries tags', () => {
    const input = registerInputWithImage(
      described,
      [{ key: 'team', value: 'core' }],
      'app',
      'repo:1.5.1',
    );
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      expect(input).not.toHaveProperty(field);
    }
    expect(input.containerDefinitions?.[0]).toEqual({
      name: 'app',
      image: 'repo:1.5.1',
      portMappings: [{ containerPort: 8080 }],
    });
    expect(input.containerDefinitions?.[1]).toEqual(described.containerDefinitions?.[1]);
    expect(input).toMatchObject({
      family: 'fixnado-sandbox-app',
      cpu: '512',
      networkMode: 'awsvpc',
      tags: [{ key: 'team', value: 'core' }],
    });
    expect(described.containerDefinitions?.[0]?.image).toMatch(/1\.4\.2$/);
  });

  it('refuses a container name the task definition does not have', () => {
    expect(() => registerInputWithImage(described, [], 'web', 'x:1')).toThrow(
      /no container named 'web' \(it has: app, sidecar\)/,
    );
  });

  it.each([
    [
      '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend:1.4.2',
      '111122223333.dkr.ecr.us-east-1.amazonaws.com/fixnado/backend:1.5.1',
    ],
    ['registry.local:5000/backend', 'registry.local:5000/backend:1.5.1'],
    ['repo/backend@sha256:abcd', 'repo/backend:1.5.1'],
    ['backend:latest', 'backend:1.5.1'],
  ])('retags %s', (image, expected) => {
    expect(imageWithTag(image, '1.5.1')).toBe(expected);
    expect(tagOfImage(expected)).toBe('1.5.1');
  });

  it('builds a deterministic AppSpec whose sha256 matches its content', () => {
    const arn = 'arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:8';
    const spec = buildAppSpec({
      taskDefinitionArn: arn,
      containerName: 'app',
      containerPort: 8080,
    });
    expect(JSON.parse(spec.content)).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: arn,
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
            },
          },
        },
      ],
    });
    expect(spec.content).toContain('"version":0.0');
    expect(spec.sha256).toBe(sha256Hex(spec.content));
    expect(
      buildAppSpec({ taskDefinitionArn: arn, containerName: 'app', containerPort: 8080 }),
    ).toEqual(spec);
    expect(taskDefinitionOfAppSpec(spec.content)).toBe(arn);
    expect(
      taskDefinitionOfAppSpec(
        `Resources:\n  - TargetService:\n      Properties:\n        TaskDefinition: "${arn}"\n`,
      ),
    ).toBe(arn);
  });

  it('puts the run marker first and keeps descriptions within 256 characters', () => {
    const short = deploymentDescription('run-42', 'Fixnado backend 1.5.1');
    expect(short).toBe('[greenlight-run:run-42] Fixnado backend 1.5.1');
    expect(runIdOfDescription(short)).toBe('run-42');
    const long = deploymentDescription('run-42', 'x'.repeat(400));
    expect(long.length).toBe(256);
    expect(runIdOfDescription(long)).toBe('run-42');
    expect(runIdOfDescription('Deployed by hand')).toBeUndefined();
  });

  it('reads secret ARNs with a JSON key from task definition valueFrom', () => {
    expect(
      parseSecretValueFrom(
        'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-config-AbCdEf:DATABASE_URL::',
      ),
    ).toEqual({
      secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-config-AbCdEf',
      jsonKey: 'DATABASE_URL',
    });
    expect(
      parseSecretValueFrom(
        'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-config-AbCdEf',
      ),
    ).toEqual({
      secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-config-AbCdEf',
      jsonKey: undefined,
    });
    expect(parseSecretValueFrom('arn:aws:ssm:us-east-1:111122223333:parameter/x')).toBeUndefined();
  });

  it('merges the secrets a task definition reads into the configured requirements', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:app-config-Ab12Cd';
    expect(secretNameOf(arn)).toBe('app-config');
    expect(secretNameOf('app-config')).toBe('app-config');
    const merged = mergeSecretRequirements([{ id: 'app-config', requiredKeys: ['DATABASE_URL'] }], {
      containerDefinitions: [
        {
          name: 'app',
          secrets: [
            { name: 'DATABASE_URL', valueFrom: `${arn}:DATABASE_URL::` },
            { name: 'JWT_SECRET', valueFrom: `${arn}:JWT_SECRET::` },
            {
              name: 'OTHER',
              valueFrom: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZ123',
            },
            { name: 'PARAM', valueFrom: 'arn:aws:ssm:us-east-1:111122223333:parameter/x' },
          ],
        },
      ],
    });
    expect(merged).toEqual([
      { id: 'app-config', requiredKeys: ['DATABASE_URL', 'JWT_SECRET'] },
      { id: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZ123', requiredKeys: [] },
    ]);
  });
});
