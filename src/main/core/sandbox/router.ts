import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import type { Engine } from './engine';
import type { ScenarioName } from './scenarios';
import { codedeployOperations } from './services/codedeploy';
import { describeAlarmsJson, describeAlarmsQuery } from './services/cloudwatch';
import { ecrOperations } from './services/ecr';
import { ecsOperations } from './services/ecs';
import { secretsManagerOperations } from './services/secrets-manager';
import { getCallerIdentity } from './services/sts';
import type { Operation, OperationContext } from './services/types';
import { CborError, decodeCbor, encodeCbor } from './cbor';
import { parseJsonBody, type Body } from './validate';
import {
  AwsFault,
  accessKeyOf,
  queryError,
  queryResponse,
  readBody,
  sendCbor,
  sendJson,
  sendJsonFault,
  sendXml,
  unknownOperation,
  type JsonFlavour,
} from './wire';
import type { WorldFixture } from './world';

type JsonService = {
  ops: Record<string, Operation>;
  flavour: JsonFlavour;
  queryCompatible: boolean;
};

/** JSON-protocol services by their `X-Amz-Target` prefix (checked against the pinned SDK clients). */
const jsonServices: Record<string, JsonService> = {
  CodeDeploy_20141006: { ops: codedeployOperations, flavour: '1.1', queryCompatible: false },
  AmazonEC2ContainerServiceV20141113: {
    ops: ecsOperations,
    flavour: '1.1',
    queryCompatible: false,
  },
  AmazonEC2ContainerRegistry_V20150921: {
    ops: ecrOperations,
    flavour: '1.1',
    queryCompatible: false,
  },
  secretsmanager: { ops: secretsManagerOperations, flavour: '1.1', queryCompatible: false },
  // CloudWatch's SDK speaks JSON 1.0 in awsQuery-compatible mode (errors also carry x-amzn-query-error).
  GraniteServiceVersion20100801: {
    ops: { DescribeAlarms: describeAlarmsJson },
    flavour: '1.0',
    queryCompatible: true,
  },
  // Newer STS clients move the same way; the pinned one still uses awsQuery (below).
  AWSSecurityTokenServiceV20110615: {
    ops: { GetCallerIdentity: getCallerIdentity },
    flavour: '1.0',
    queryCompatible: true,
  },
};

/**
 * Smithy rpcv2-cbor services (`POST /service/<target>/operation/<op>`, `smithy-protocol: rpc-v2-cbor`): what
 * newer SDK builds use for CloudWatch. Operations here return Dates, which CBOR carries as tag 1.
 */
const cborServices: Record<string, Record<string, Operation>> = {
  GraniteServiceVersion20100801: { DescribeAlarms: describeAlarmsQuery },
};

type QueryService = { namespace: string; ops: Record<string, Operation> };

/** awsQuery services by API version (STS for the pinned SDK; CloudWatch for AWS CLI v2 builds that predate JSON). */
const queryServices: Record<string, QueryService> = {
  '2011-06-15': {
    namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    ops: { GetCallerIdentity: getCallerIdentity },
  },
  '2010-08-01': {
    namespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    ops: { DescribeAlarms: describeAlarmsQuery },
  },
};
const queryScopes: Record<string, string> = { sts: '2011-06-15', monitoring: '2010-08-01' };

export type RouterDeps = {
  engine: Engine;
  world: WorldFixture;
  log: Logger;
  scenario(): ScenarioName;
  control(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void>;
};

/** `a.member.1=x&a.member.2=y&b=z` -> `{a: [x, y], b: z}` (awsQuery's list encoding, one level deep). */
function queryToBody(params: URLSearchParams): Body {
  const body: Body = {};
  const lists: Record<string, string[]> = {};
  for (const [key, value] of params) {
    const member = /^([A-Za-z]+)\.member\.(\d+)$/.exec(key);
    if (member !== null) {
      const name = member[1] ?? '';
      (lists[name] ??= [])[Number(member[2]) - 1] = value;
    } else if (key !== 'Action' && key !== 'Version') {
      body[key] = value;
    }
  }
  for (const [name, values] of Object.entries(lists))
    body[name] = values.filter((v) => v !== undefined);
  return body;
}

/**
 * The one HTTP handler behind `sandbox.endpoint`: the control endpoint, the SSO portal, and every AWS service,
 * told apart the way AWS's front doors do (X-Amz-Target for the JSON protocols, Action/Version for awsQuery).
 * Whatever arrives, it answers; nothing thrown by a handler reaches Node.
 */
export function createRouter(
  deps: RouterDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  let requestCount = 0;

  /** Scenario gates that apply before any operation: expired SSO session, throttling. */
  function gate(req: IncomingMessage): AwsFault | undefined {
    const authorization = req.headers['authorization'];
    if (typeof authorization !== 'string' || authorization === '') {
      return new AwsFault(
        'MissingAuthenticationTokenException',
        'Missing Authentication Token',
        400,
        'MissingAuthenticationToken',
      );
    }
    if (accessKeyOf(authorization) === '') {
      return new AwsFault(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        403,
        'InvalidClientTokenId',
      );
    }
    const scenario = deps.scenario();
    if (scenario === 'sso-expired') {
      return new AwsFault(
        'ExpiredTokenException',
        'The security token included in the request is expired',
        400,
      );
    }
    if (scenario === 'throttling') {
      requestCount += 1;
      // 3 in 10, never two in a row: the SDK's retry (3 attempts) always gets through.
      if ([1, 4, 7].includes(requestCount % 10))
        return new AwsFault('ThrottlingException', 'Rate exceeded', 400, 'Throttling');
    }
    return undefined;
  }

  function context(): OperationContext {
    const now = deps.engine.clock.now();
    deps.engine.advance(now);
    return { engine: deps.engine, world: deps.world, now };
  }

  function handleJson(
    req: IncomingMessage,
    res: ServerResponse,
    target: string,
    raw: Buffer,
  ): void {
    const dot = target.indexOf('.');
    const service = jsonServices[dot < 0 ? '' : target.slice(0, dot)];
    const flavour = service?.flavour ?? '1.1';
    const queryCompatible = service?.queryCompatible ?? false;
    try {
      const blocked = gate(req);
      if (blocked !== undefined) throw blocked;
      const op = service?.ops[target.slice(dot + 1)];
      if (service === undefined || op === undefined) throw unknownOperation(target);
      const input = parseJsonBody(raw);
      const output = op(input, context());
      sendJson(res, 200, output ?? {}, flavour);
    } catch (error) {
      sendJsonFault(res, asFault(error, target), flavour, queryCompatible);
    }
  }

  function handleQuery(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const params = new URLSearchParams(raw.toString('utf8'));
    const action = params.get('Action') ?? '';
    const scope = /\/[a-z0-9-]+\/([a-z0-9-]+)\/aws4_request/.exec(
      String(req.headers['authorization'] ?? ''),
    )?.[1];
    const version = params.get('Version') ?? queryScopes[scope ?? ''] ?? '';
    const service = queryServices[version];
    const namespace = service?.namespace ?? 'https://sts.amazonaws.com/doc/2011-06-15/';
    try {
      const blocked = gate(req);
      if (blocked !== undefined) throw blocked;
      const op = service?.ops[action];
      if (op === undefined) {
        throw new AwsFault(
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this web service.`,
        );
      }
      const output = op(queryToBody(params), context());
      sendXml(res, 200, queryResponse(action, namespace, output));
    } catch (error) {
      sendXml(res, asFault(error, action).status, queryError(namespace, asFault(error, action)));
    }
  }

  function handleCbor(
    req: IncomingMessage,
    res: ServerResponse,
    service: string,
    operation: string,
    raw: Buffer,
  ): void {
    try {
      const blocked = gate(req);
      if (blocked !== undefined) throw blocked;
      const op = cborServices[service]?.[operation];
      if (op === undefined) throw unknownOperation(`${service}.${operation}`);
      let input: unknown = {};
      if (raw.length > 0) {
        try {
          input = decodeCbor(raw);
        } catch (error) {
          if (!(error instanceof CborError)) throw error;
          throw new AwsFault(
            'SerializationException',
            `The request body is not valid CBOR: ${error.message}.`,
          );
        }
      }
      if (
        input === null ||
        typeof input !== 'object' ||
        Array.isArray(input) ||
        input instanceof Uint8Array
      ) {
        throw new AwsFault('SerializationException', 'The request body must be a CBOR map.');
      }
      sendCbor(res, 200, encodeCbor(op(input as Body, context()) ?? {}));
    } catch (error) {
      const fault = asFault(error, `${service}.${operation}`);
      sendCbor(res, fault.status, encodeCbor({ __type: fault.type, message: fault.message }), {
        'x-amzn-errortype': fault.type,
        'x-amzn-query-error': `${fault.queryCode};${fault.status >= 500 ? 'Receiver' : 'Sender'}`,
      });
    }
  }

  /** IAM Identity Center's portal: GetRoleCredentials, as the SDK's SSO credential provider calls it. */
  function handleSsoPortal(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const unauthorized = (message: string): void =>
      sendJson(res, 401, { message }, 'plain', { 'x-amzn-errortype': 'UnauthorizedException' });
    if (deps.scenario() === 'sso-expired') {
      unauthorized('Session token not found or invalid');
      return;
    }
    const token = req.headers['x-amz-sso_bearer_token'];
    if (typeof token !== 'string' || token === '') {
      unauthorized('Session token not found or invalid');
      return;
    }
    const role = url.searchParams.get('role_name');
    const account = url.searchParams.get('account_id');
    if (!role || !account) {
      sendJson(res, 400, { message: `${role ? 'account_id' : 'role_name'} is required` }, 'plain', {
        'x-amzn-errortype': 'InvalidRequestException',
      });
      return;
    }
    sendJson(
      res,
      200,
      {
        roleCredentials: {
          accessKeyId: `ASIASANDBOX${randomBytes(5).toString('hex').toUpperCase()}`,
          secretAccessKey: randomBytes(30).toString('base64'),
          sessionToken: randomBytes(60).toString('base64'),
          // The SDK compares this with the wall clock, so it is wall time, not sandbox time.
          expiration: Date.now() + 3600_000,
        },
      },
      'plain',
    );
  }

  function asFault(error: unknown, what: string): AwsFault {
    if (error instanceof AwsFault) return error;
    deps.log.error('internal error while answering an AWS call', {
      operation: what,
      error: error instanceof Error ? error.message : String(error),
    });
    return new AwsFault(
      'InternalFailure',
      'The request processing has failed because of an unknown error.',
      500,
    );
  }

  return (req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (raw === undefined) {
        sendJsonFault(
          res,
          new AwsFault(
            'RequestEntityTooLargeException',
            'The request body is larger than 2 MB.',
            413,
          ),
        );
        return;
      }
      if (url.pathname === '/_sandbox' || url.pathname.startsWith('/_sandbox/')) {
        await deps.control(req, res, raw);
        return;
      }
      if (req.method === 'GET' && url.pathname === '/federation/credentials') {
        handleSsoPortal(req, res, url);
        return;
      }
      const rpc = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(url.pathname);
      if (
        req.method === 'POST' &&
        rpc !== null &&
        req.headers['smithy-protocol'] === 'rpc-v2-cbor'
      ) {
        handleCbor(req, res, rpc[1] ?? '', rpc[2] ?? '', raw);
        return;
      }
      const target = req.headers['x-amz-target'];
      if (req.method === 'POST' && typeof target === 'string') {
        handleJson(req, res, target, raw);
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
        handleQuery(req, res, raw);
        return;
      }
      sendJsonFault(res, unknownOperation(`${req.method ?? '?'} ${url.pathname}`), '1.1');
    })().catch((error: unknown) => {
      deps.log.error('request failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent)
        sendJsonFault(res, new AwsFault('InternalFailure', 'Internal failure', 500));
      else res.destroy();
    });
  };
}
