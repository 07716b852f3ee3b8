import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentsCommand,
  CreateDeploymentCommand,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentIdRequiredException,
  DescriptionTooLongException,
  GetDeploymentCommand,
  InvalidDeploymentIdException,
  InvalidDeploymentStatusException,
  InvalidRevisionException,
  ListDeploymentsCommand,
  RevisionRequiredException,
  type CreateDeploymentCommandInput,
} from '@aws-sdk/client-codedeploy';
import { ECRClient, DescribeImagesCommand, ImageNotFoundException } from '@aws-sdk/client-ecr';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { APP, GROUP, appSpec, clientConfig, clients, rejection } from './support';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIASANDBOXEXAMPLE01/20261129/us-east-1/codedeploy/aws4_request, SignedHeaders=host, Signature=00';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** A raw JSON-protocol call, as a misbehaving client would send it. */
async function raw(target: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(sandbox.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: AUTH,
      ...headers,
    },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    errorType: res.headers.get('x-amzn-errortype'),
    body: JSON.parse(text) as { __type?: string; message?: string },
  };
}

/** What a user could observe of the sandbox's state (the clock excluded). */
async function snapshot(): Promise<unknown> {
  const state = (await (await fetch(sandbox.controlUrl)).json()) as Record<string, unknown>;
  delete state['clock'];
  const { ecs } = clients(sandbox);
  const latest = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: 'fixnado-sandbox-app' }),
  );
  return { state, latest: latest.taskDefinition?.taskDefinitionArn };
}

const validCreate = (): CreateDeploymentCommandInput => ({
  applicationName: APP,
  deploymentGroupName: GROUP,
  revision: {
    revisionType: 'AppSpecContent',
    appSpecContent: appSpec(
      'arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:3',
    ),
  },
});

describe('sandbox: bad requests get AWS-shaped errors naming the field, and change nothing', () => {
  it('rejects malformed JSON, wrong types and missing fields; unknown operations get UnknownOperationException', async () => {
    const before = await snapshot();

    const malformed = await raw('CodeDeploy_20141006.CreateDeployment', '{"applicationName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.__type).toBe('SerializationException');
    expect(malformed.errorType).toBe('SerializationException');

    const notObject = await raw('CodeDeploy_20141006.GetDeployment', '[1,2]');
    expect(notObject.body.__type).toBe('SerializationException');

    const wrongType = await raw('CodeDeploy_20141006.GetDeployment', '{"deploymentId": 42}');
    expect(wrongType.body.__type).toBe('SerializationException');
    expect(wrongType.body.message).toContain("'deploymentId'");

    const wrongNested = await raw(
      'CodeDeploy_20141006.CreateDeployment',
      JSON.stringify({
        applicationName: APP,
        deploymentGroupName: GROUP,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 7 } },
      }),
    );
    expect(wrongNested.body.__type).toBe('SerializationException');
    expect(wrongNested.body.message).toContain('revision.appSpecContent.content');

    const missingFamily = await raw(
      'AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition',
      '{"containerDefinitions": []}',
    );
    expect(missingFamily.body.__type).toBe('ValidationException');
    expect(missingFamily.body.message).toContain("'family'");

    const unknownOp = await raw('CodeDeploy_20141006.DeleteEverything', '{}');
    expect(unknownOp.status).toBe(400);
    expect(unknownOp.body.__type).toBe('com.amazon.coral.service#UnknownOperationException');
    const unknownService = await raw('NoSuchService_20200101.Do', '{}');
    expect(unknownService.body.__type).toBe('com.amazon.coral.service#UnknownOperationException');
    const get = await fetch(`${sandbox.endpoint}/whatever`);
    expect(get.status).toBe(400);
    expect(((await get.json()) as { __type: string }).__type).toContain(
      'UnknownOperationException',
    );

    const query = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: AUTH },
      body: 'Action=AssumeRoleWithMagic&Version=2011-06-15',
    });
    expect(query.status).toBe(400);
    expect(await query.text()).toContain('<Code>InvalidAction</Code>');

    const unsigned = await raw('CodeDeploy_20141006.GetDeployment', '{}', { authorization: '' });
    expect(unsigned.body.__type).toBe('MissingAuthenticationTokenException');

    const huge = await raw(
      'CodeDeploy_20141006.GetDeployment',
      JSON.stringify({ deploymentId: 'x'.repeat(3 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);

    expect(await snapshot()).toEqual(before);
  });

  it('raises the modelled exception classes through the SDK, and nothing is created', async () => {
    const before = await snapshot();
    const { codedeploy, ecs } = clients(sandbox);
    const cases: [() => Promise<unknown>, abstract new (...args: never[]) => Error, string?][] = [
      [
        () => codedeploy.send(new GetDeploymentCommand({ deploymentId: undefined })),
        DeploymentIdRequiredException,
      ],
      [
        () => codedeploy.send(new GetDeploymentCommand({ deploymentId: 'not-an-id' })),
        InvalidDeploymentIdException,
        'not-an-id',
      ],
      [
        () => codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' })),
        DeploymentDoesNotExistException,
        'd-AAAAAAAAA',
      ],
      [
        () => codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: [] })),
        DeploymentIdRequiredException,
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({ ...validCreate(), applicationName: 'nope' }),
          ),
        ApplicationDoesNotExistException,
        'nope',
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({ ...validCreate(), deploymentGroupName: 'nope' }),
          ),
        DeploymentGroupDoesNotExistException,
        'nope',
      ],
      [
        () =>
          codedeploy.send(new CreateDeploymentCommand({ ...validCreate(), revision: undefined })),
        RevisionRequiredException,
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({ ...validCreate(), description: 'x'.repeat(257) }),
          ),
        DescriptionTooLongException,
        '257',
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({
              ...validCreate(),
              revision: {
                revisionType: 'AppSpecContent',
                appSpecContent: appSpec(
                  'arn:aws:ecs:us-east-1:111122223333:task-definition/fixnado-sandbox-app:99',
                ),
              },
            }),
          ),
        InvalidRevisionException,
        'TaskDefinition',
      ],
      [
        () =>
          codedeploy.send(
            new CreateDeploymentCommand({
              ...validCreate(),
              revision: {
                revisionType: 'AppSpecContent',
                appSpecContent: { content: appSpec('x').content, sha256: '0'.repeat(64) },
              },
            }),
          ),
        InvalidRevisionException,
        'sha256',
      ],
      [
        () =>
          codedeploy.send(
            new ListDeploymentsCommand({
              applicationName: APP,
              deploymentGroupName: GROUP,
              includeOnlyStatuses: ['Exploded' as never],
            }),
          ),
        InvalidDeploymentStatusException,
        'Exploded',
      ],
      [
        () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'no-such-family' })),
        ClientException,
      ],
      [
        () =>
          ecs.send(
            new RegisterTaskDefinitionCommand({
              family: 'fixnado-sandbox-app',
              containerDefinitions: [{ name: 'app' }],
            }),
          ),
        ClientException,
        'containerDefinitions.1.image',
      ],
      [
        () =>
          new ECRClient(clientConfig(sandbox)).send(
            new DescribeImagesCommand({
              repositoryName: 'fixnado/backend',
              imageIds: [{ imageTag: '9.9.9' }],
            }),
          ),
        ImageNotFoundException,
        '9.9.9',
      ],
      [
        () =>
          new SecretsManagerClient(clientConfig(sandbox)).send(
            new GetSecretValueCommand({ SecretId: 'nope' }),
          ),
        ResourceNotFoundException,
      ],
    ];
    for (const [call, type, mention] of cases) {
      const error = await rejection(call());
      expect(error, `${error.name}: ${error.message}`).toBeInstanceOf(type);
      expect(error.$metadata?.httpStatusCode).toBe(400);
      if (mention !== undefined) expect(error.message).toContain(mention);
    }
    expect(await snapshot()).toEqual(before);
    // Still serving.
    const sts = new STSClient(clientConfig(sandbox));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('111122223333');
  });
});
