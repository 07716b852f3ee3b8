import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../errors';

/**
 * An error answered in AWS's own shape. `type` is the modelled exception name the SDK turns into a class
 * (`DeploymentLimitExceededException`, ...); `queryCode` is the awsQuery code when it differs (CloudWatch's
 * `Throttling`). Thrown by the service handlers, caught by the router; never escapes the sandbox.
 */
export class AwsFault extends AppError {
  readonly type: string;
  readonly status: number;
  readonly queryCode: string;
  constructor(type: string, message: string, status = 400, queryCode?: string) {
    super('sandbox_aws_fault', message, { errorType: type, httpStatus: status });
    this.type = type;
    this.status = status;
    this.queryCode = queryCode ?? type;
  }
}

/** AWS's reply to a target it does not know (coral's shape, namespace and all). */
export function unknownOperation(what: string): AwsFault {
  return new AwsFault(
    'com.amazon.coral.service#UnknownOperationException',
    `Unknown operation ${what}`,
    400,
  );
}

/** AWS JSON protocols serialise timestamps as epoch seconds. */
export function epochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

const MAX_BODY = 2 * 1024 * 1024;

/** Reads a request body, refusing more than 2 MB (AWS's own request limits are far smaller for these APIs). */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

export type JsonFlavour = '1.0' | '1.1';

/** A JSON reply; JSON.stringify leaves `undefined` members out, so absent fields are absent as in AWS's replies. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  flavour: JsonFlavour | 'plain' = '1.1',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': flavour === 'plain' ? 'application/json' : `application/x-amz-json-${flavour}`,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

/**
 * A JSON-protocol error: `__type` in the body and `x-amzn-errortype` in the headers (the SDK reads either).
 * `queryCompatible` adds `x-amzn-query-error` (CloudWatch's JSON protocol keeps its awsQuery error codes).
 */
export function sendJsonFault(
  res: ServerResponse,
  fault: AwsFault,
  flavour: JsonFlavour = '1.1',
  queryCompatible = false,
): void {
  const headers: Record<string, string> = { 'x-amzn-errortype': fault.type };
  if (queryCompatible)
    headers['x-amzn-query-error'] =
      `${fault.queryCode};${fault.status >= 500 ? 'Receiver' : 'Sender'}`;
  sendJson(res, fault.status, { __type: fault.type, message: fault.message }, flavour, headers);
}

const xmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => xmlEscapes[c] ?? c);
}

/** A value as awsQuery XML: arrays become `<member>` lists, Dates ISO 8601, undefined is left out. */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(typeof value === 'string' ? value : JSON.stringify(value));
}

export function sendXml(res: ServerResponse, status: number, xml: string): void {
  if (res.headersSent || res.destroyed) return;
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** An awsQuery operation's reply: `<OpResponse><OpResult>...</OpResult><ResponseMetadata/></OpResponse>`. */
export function queryResponse(operation: string, namespace: string, result: unknown): string {
  return (
    `<${operation}Response xmlns="${namespace}"><${operation}Result>${toXml(result)}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

/** An awsQuery error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryError(namespace: string, fault: AwsFault): string {
  const type = fault.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${xmlEscape(fault.queryCode)}</Code>` +
    `<Message>${xmlEscape(fault.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

/** The access key id of a SigV4 `Authorization` header ('' when the header names none). */
export function accessKeyOf(authorization: string): string {
  const match = /Credential=([^/,\s]*)\//.exec(authorization);
  return match?.[1] ?? '';
}

/** An rpcv2-cbor reply: the SDK insists on the `smithy-protocol` header. */
export function sendCbor(
  res: ServerResponse,
  status: number,
  body: Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': 'application/cbor',
    'smithy-protocol': 'rpc-v2-cbor',
    'content-length': body.length,
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(body);
}
