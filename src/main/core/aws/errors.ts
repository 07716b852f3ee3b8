import { AppError } from '../errors';

/** The AWS services Greenlight talks to (one client each per session). */
export type AwsServiceName = 'codedeploy' | 'ecs' | 'ecr' | 'secretsmanager' | 'cloudwatch' | 'sts';

/**
 * What an AWS call leaves behind for the evidence journal, success or failure: which operation, AWS's request id,
 * how many attempts the SDK made and how long it waited between them.
 */
export type AwsCallMeta = {
  service: AwsServiceName;
  operation: string;
  requestId: string | undefined;
  httpStatusCode: number | undefined;
  attempts: number;
  totalRetryDelayMs: number;
  startedAt: string;
  durationMs: number;
  /** The AppError code when the call failed. */
  errorCode?: string;
};

/** Why the operator's credentials cannot be used, and the exact command that fixes it. */
export type SsoState = {
  kind: 'sso-expired' | 'sso-missing' | 'profile-missing';
  profile: string;
  loginCommand: string;
  /** The SDK's (or AWS's) own words. */
  message: string;
};

/** `detail` of every AppError produced from an AWS call. */
export type AwsErrorDetail = {
  service: AwsServiceName | 'sso';
  operation: string;
  /** AWS's error name (`DeploymentLimitExceededException`), or the Node/SDK error name for transport failures. */
  awsCode: string | undefined;
  /** AWS's message, verbatim. */
  awsMessage: string | undefined;
  /** Our explanation for a release engineer. */
  explanation: string;
  requestId: string | undefined;
  httpStatusCode: number | undefined;
  attempts: number | undefined;
  totalRetryDelayMs: number | undefined;
  /** Whether trying the same call again later makes sense. */
  retryable: boolean;
  sso?: SsoState;
};

export const loginCommandFor = (profile: string): string => `aws sso login --profile ${profile}`;

/**
 * How the SDK words credential failures (credential-provider-sso / token-providers, pinned versions). Matched on
 * the error name first, then on these substrings; the table is kept small on purpose and covered by tests.
 */
const ssoMessageTable: { match: RegExp; kind: SsoState['kind'] }[] = [
  { match: /Token is expired/i, kind: 'sso-expired' },
  { match: /session associated with this profile has expired/i, kind: 'sso-expired' },
  { match: /Cannot refresh/i, kind: 'sso-expired' },
  { match: /session token .* was not found or is invalid/i, kind: 'sso-missing' },
  { match: /SSO session associated with this profile is invalid/i, kind: 'sso-missing' },
  { match: /Value not present for '(accessToken|expiresAt)'/i, kind: 'sso-missing' },
  { match: /Profile '?[^ ]+'? (was not found|could not be found)/i, kind: 'profile-missing' },
  { match: /Could not resolve credentials using profile/i, kind: 'profile-missing' },
  { match: /Sso session '[^']+' could not be found/i, kind: 'profile-missing' },
  { match: /Unable to load credentials from any providers/i, kind: 'profile-missing' },
];

/** AWS API errors that mean "the credentials were rejected", which for an SSO profile means the session ended. */
const rejectedCredentialNames = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
]);

type ErrorLike = {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: {
    httpStatusCode?: number;
    requestId?: string;
    attempts?: number;
    totalRetryDelay?: number;
  };
  $response?: { headers?: Record<string, string> };
};

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? error : { message: String(error) };
}

/**
 * Recognises the ways a profile's credentials can be unusable (SSO expired, never logged in, unknown profile).
 * `isSsoProfile` lets an AWS-side `ExpiredTokenException` count as an expired SSO session.
 */
export function classifyCredentialsError(
  error: unknown,
  profile: string | undefined,
  isSsoProfile: boolean,
): SsoState | undefined {
  if (profile === undefined) return undefined;
  const e = asErrorLike(error);
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  const state = (kind: SsoState['kind']): SsoState => ({
    kind,
    profile,
    loginCommand: loginCommandFor(profile),
    message,
  });
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    const row = ssoMessageTable.find((r) => r.match.test(message));
    if (row !== undefined) return state(row.kind);
    // The portal's 401 (GetRoleCredentials) arrives wrapped; its name survives in the message or the cause.
    if (/Unauthorized|Session token not found or invalid|expired/i.test(message))
      return state('sso-expired');
    return undefined;
  }
  if (name === 'UnauthorizedException' && isSsoProfile) return state('sso-expired');
  if (rejectedCredentialNames.has(name) && isSsoProfile) return state('sso-expired');
  return undefined;
}

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);

/** AWS error names that are about the state of the world at this moment, so a later retry may succeed. */
const retryableNames = new Set([
  ...throttlingNames,
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceError',
  'InternalServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'DeploymentLimitExceededException',
  'DeploymentNotStartedException',
]);

/** Our words for the errors the reference says to handle by name. */
const explanations: Record<string, string> = {
  DeploymentLimitExceededException:
    'Another deployment is already active in this deployment group (CodeDeploy allows one at a time). Attach to it or stop it first.',
  DeploymentIsNotInReadyStateException:
    'The deployment is not waiting in Ready, so it cannot be continued (it may still be installing, or it already moved on).',
  DeploymentAlreadyCompletedException:
    'The deployment has already finished; there is nothing left to stop or continue. Its final state has been re-read.',
  InvalidDeploymentStatusException: 'The deployment is not in a state that allows this action.',
  DeploymentNotStartedException: 'CodeDeploy has not started the deployment on its target yet.',
  DeploymentDoesNotExistException:
    'CodeDeploy has no deployment with this id in this account and region.',
  DeploymentGroupDoesNotExistException:
    'The deployment group named in the environment does not exist in this account and region.',
  ApplicationDoesNotExistException:
    'The CodeDeploy application named in the environment does not exist in this account and region.',
  InvalidRevisionException: 'CodeDeploy rejected the revision (AppSpec).',
  DescriptionTooLongException:
    'The deployment description is longer than CodeDeploy accepts (256 characters).',
  ImageNotFoundException: 'ECR has no image with this tag in the repository.',
  RepositoryNotFoundException: 'The ECR repository named in the environment does not exist.',
  ResourceNotFoundException: 'AWS reports that the resource does not exist.',
  ClientException: 'ECS rejected the request.',
  AccessDeniedException: "The profile's role is not allowed to make this call.",
  AccessDenied: "The profile's role is not allowed to make this call.",
  ExpiredTokenException: 'AWS rejected the credentials as expired.',
  UnrecognizedClientException: 'AWS did not recognise the credentials.',
};

/**
 * Turns anything an AWS call threw into the one AppError shape: code = AWS's error name (or ours for transport
 * and credential failures), AWS's message kept verbatim in `detail.awsMessage`, our explanation, the request id and
 * whether a retry makes sense.
 */
export function toAwsAppError(
  error: unknown,
  context: { service: AwsServiceName; operation: string; profile?: string; isSsoProfile?: boolean },
): AppError {
  if (error instanceof AppError) return error;
  const e = asErrorLike(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const errno = typeof e.code === 'string' ? e.code : undefined;
  const meta = e.$metadata;
  const where = `${context.service} ${context.operation}`;
  const build = (
    code: string,
    explanation: string,
    retryable: boolean,
    extra: Partial<AwsErrorDetail> = {},
  ) => {
    const detail: AwsErrorDetail = {
      service: context.service,
      operation: context.operation,
      awsCode: name,
      awsMessage: message,
      explanation,
      requestId: meta?.requestId ?? e.$response?.headers?.['x-amzn-requestid'],
      httpStatusCode: meta?.httpStatusCode,
      attempts: meta?.attempts,
      totalRetryDelayMs: meta?.totalRetryDelay,
      retryable,
      ...extra,
    };
    const text =
      message && message !== explanation ? `${explanation} (AWS ${name}: ${message})` : explanation;
    return new AppError(code, text, detail, { cause: error });
  };

  const sso = classifyCredentialsError(error, context.profile, context.isSsoProfile ?? false);
  if (sso !== undefined) {
    const what =
      sso.kind === 'sso-expired'
        ? `The SSO session of profile ${sso.profile} has expired.`
        : sso.kind === 'sso-missing'
          ? `There is no SSO session for profile ${sso.profile} on this machine.`
          : `The AWS profile ${sso.profile} is not configured on this machine.`;
    const fix =
      sso.kind === 'profile-missing'
        ? " Add it to ~/.aws/config (or fix the environment's profile)."
        : ` Run: ${sso.loginCommand}`;
    return build(sso.kind, `${what}${fix}`, false, { sso });
  }
  if (name === 'AbortError' || errno === 'ABORT_ERR') {
    return build('aborted', `${where} was cancelled.`, false);
  }
  // Checked before the timeout: the HTTP handler names a socket hang-up 'TimeoutError' with code ECONNRESET.
  if (errno === 'ECONNRESET' || errno === 'EPIPE' || /socket hang up/i.test(message)) {
    return build(
      'connection-reset',
      `${where}: the connection was cut before AWS answered; whether AWS acted on the request is unknown.`,
      true,
    );
  }
  if (name === 'TimeoutError' || errno === 'ETIMEDOUT' || name === 'RequestTimeout') {
    return build(
      'timeout',
      `${where} got no answer in time: the AWS endpoint accepted the connection but did not respond (network, VPN or AWS degraded).`,
      true,
    );
  }
  if (
    errno === 'ECONNREFUSED' ||
    errno === 'ENOTFOUND' ||
    errno === 'EHOSTUNREACH' ||
    errno === 'ENETUNREACH' ||
    errno === 'EAI_AGAIN'
  ) {
    return build(
      'endpoint-unreachable',
      `${where}: the AWS endpoint cannot be reached (${errno}).`,
      true,
    );
  }
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    return build(
      'credentials-unavailable',
      `No usable AWS credentials for profile ${context.profile ?? '(none)'}.`,
      false,
    );
  }
  // A 5xx with an HTML body, or a 200 with broken JSON, surfaces as a SyntaxError: never a success.
  // ('Unknown' is the SDK's name when an error body could not be read at all, e.g. HTML from a proxy.)
  if (
    name === 'SyntaxError' ||
    name === 'Unknown' ||
    name === 'UnknownError' ||
    (meta !== undefined && e.$fault === undefined && !(name in explanations))
  ) {
    const status = meta?.httpStatusCode;
    return build(
      'malformed-response',
      `${where}: AWS answered${status === undefined ? '' : ` HTTP ${status}`} with a body that is not a valid API response.`,
      status === undefined || status >= 500,
    );
  }
  const isThrottle = throttlingNames.has(name);
  const isServer = e.$fault === 'server' || (meta?.httpStatusCode ?? 0) >= 500;
  const retryable =
    isThrottle || isServer || retryableNames.has(name) || e.$retryable !== undefined;
  const explanation =
    explanations[name] ??
    (isThrottle
      ? `AWS is throttling ${where}; Greenlight backs off and tries again.`
      : isServer
        ? `AWS had an internal problem with ${where}.`
        : `AWS refused ${where}.`);
  return build(name, explanation, retryable);
}

/** The AWS detail of an AppError made by `toAwsAppError` (undefined for other errors). */
export function awsErrorDetail(error: unknown): AwsErrorDetail | undefined {
  if (!(error instanceof AppError) || error.detail === undefined) return undefined;
  const detail = error.detail as Partial<AwsErrorDetail>;
  return typeof detail.retryable === 'boolean' && typeof detail.explanation === 'string'
    ? (detail as AwsErrorDetail)
    : undefined;
}

/** Whether the failure was AWS throttling us (the watcher backs off harder on these). */
export const isThrottlingCode = (code: string): boolean => throttlingNames.has(code);
