import { describe, expect, it } from 'vitest';
import {
  awsErrorDetail,
  classifyCredentialsError,
  toAwsAppError,
} from '../../../src/main/core/aws/errors';

const ctx = { service: 'codedeploy' as const, operation: 'CreateDeployment' };

function awsError(name: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
    ...extra,
  });
}

const providerError = (message: string) =>
  Object.assign(new Error(message), { name: 'CredentialsProviderError' });

describe('AWS error mapping', () => {
  it('keeps the AWS name as code, AWS message verbatim, request id and our explanation', () => {
    const error = toAwsAppError(
      awsError(
        'DeploymentLimitExceededException',
        'The deployment group fixnado-staging-ecs already has an active Deployment d-ABC',
      ),
      ctx,
    );
    expect(error.code).toBe('DeploymentLimitExceededException');
    const detail = awsErrorDetail(error);
    expect(detail).toMatchObject({
      awsCode: 'DeploymentLimitExceededException',
      awsMessage: 'The deployment group fixnado-staging-ecs already has an active Deployment d-ABC',
      requestId: 'req-1',
      retryable: true,
    });
    expect(error.message).toContain('Another deployment is already active');
    expect(error.message).toContain('already has an active Deployment d-ABC');
  });

  it.each([
    ['ThrottlingException', 400, 'client', true],
    ['DeploymentIsNotInReadyStateException', 400, 'client', false],
    ['DeploymentAlreadyCompletedException', 400, 'client', false],
    ['InternalFailure', 500, 'server', true],
    ['AccessDeniedException', 400, 'client', false],
  ])('classifies %s as retryable=%s', (name, status, fault, retryable) => {
    const error = toAwsAppError(
      awsError(name, 'x', { $fault: fault, $metadata: { httpStatusCode: status } }),
      ctx,
    );
    expect(error.code).toBe(name);
    expect(awsErrorDetail(error)?.retryable).toBe(retryable);
  });

  it('maps transport failures to our own codes', () => {
    const timeout = toAwsAppError(
      Object.assign(new Error('exceeded 20000 ms requestTimeout'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
      ctx,
    );
    expect(timeout.code).toBe('timeout');
    expect(awsErrorDetail(timeout)?.retryable).toBe(true);
    // The HTTP handler names a hang-up 'TimeoutError' with code ECONNRESET: it is a reset, not a timeout.
    const reset = toAwsAppError(
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }),
      ctx,
    );
    expect(reset.code).toBe('connection-reset');
    expect(reset.message).toMatch(/whether AWS acted on the request is unknown/);
    const refused = toAwsAppError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ctx,
    );
    expect(refused.code).toBe('endpoint-unreachable');
    const aborted = toAwsAppError(
      Object.assign(new Error('Request aborted'), { name: 'AbortError' }),
      ctx,
    );
    expect(aborted.code).toBe('aborted');
    expect(awsErrorDetail(aborted)?.retryable).toBe(false);
  });

  it('never treats an HTML 503 or garbled 200 as success', () => {
    const html = toAwsAppError(
      Object.assign(new SyntaxError('Unexpected token < in JSON'), {
        $metadata: { httpStatusCode: 503 },
      }),
      ctx,
    );
    expect(html.code).toBe('malformed-response');
    expect(awsErrorDetail(html)?.retryable).toBe(true);
    const garbled = toAwsAppError(
      Object.assign(new SyntaxError('Unexpected end'), { $metadata: { httpStatusCode: 200 } }),
      ctx,
    );
    expect(garbled.code).toBe('malformed-response');
  });
});

describe('SSO states', () => {
  it.each([
    [
      "Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
      'sso-expired',
    ],
    [
      'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
      'sso-expired',
    ],
    [
      "Value not present for 'clientId' in SSO Token. Cannot refresh. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
      'sso-expired',
    ],
    [
      "The SSO session token associated with profile=dev was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
      'sso-missing',
    ],
    ['Profile dev was not found.', 'profile-missing'],
    ["Profile 'dev' could not be found in shared credentials file.", 'profile-missing'],
    [
      'Could not resolve credentials using profile: [dev] in configuration/credentials file(s).',
      'profile-missing',
    ],
  ])('%s -> %s', (message, kind) => {
    const state = classifyCredentialsError(providerError(message), 'dev', true);
    expect(state).toEqual({
      kind,
      profile: 'dev',
      loginCommand: 'aws sso login --profile dev',
      message,
    });
    const error = toAwsAppError(providerError(message), {
      ...ctx,
      profile: 'dev',
      isSsoProfile: true,
    });
    expect(error.code).toBe(kind);
    expect(awsErrorDetail(error)?.sso?.loginCommand).toBe('aws sso login --profile dev');
  });

  it('treats AWS rejecting the credentials as an expired session only for SSO profiles', () => {
    const expired = awsError(
      'ExpiredTokenException',
      'The security token included in the request is expired',
    );
    expect(toAwsAppError(expired, { ...ctx, profile: 'dev', isSsoProfile: true }).code).toBe(
      'sso-expired',
    );
    expect(toAwsAppError(expired, { ...ctx, profile: 'keys', isSsoProfile: false }).code).toBe(
      'ExpiredTokenException',
    );
    const unrecognized = awsError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
    expect(toAwsAppError(unrecognized, { ...ctx, profile: 'dev', isSsoProfile: true }).code).toBe(
      'sso-expired',
    );
  });
});
