import { AwsFault } from './wire';

/** A JSON request body (or a nested structure of one). */
export type Body = Record<string, unknown>;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'number'
    ? 'a number'
    : typeof value === 'boolean'
      ? 'a boolean'
      : `a ${typeof value}`;
}

/** coral's wording for a missing required member, naming the field. */
export function missing(path: string): AwsFault {
  return new AwsFault(
    'ValidationException',
    `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
  );
}

/** A member of the wrong JSON type: AWS answers SerializationException; ours names the field and the type. */
export function wrongType(path: string, expected: string, value: unknown): AwsFault {
  return new AwsFault(
    'SerializationException',
    `Cannot deserialize '${path}': expected ${expected}, got ${typeName(value)}.`,
  );
}

/** Parses a JSON-protocol body; malformed JSON or a non-object is AWS's SerializationException. */
export function parseJsonBody(raw: Buffer): Body {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AwsFault('SerializationException', 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsFault(
      'SerializationException',
      `The request body must be a JSON object, got ${typeName(value)}.`,
    );
  }
  return value as Body;
}

type OnMissing = (path: string) => AwsFault;

export function optString(body: Body, field: string, path = field): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw wrongType(path, 'a string', value);
  return value;
}

/** A required string; empty counts as missing (AWS's *RequiredException behaviour). */
export function reqString(
  body: Body,
  field: string,
  onMissing: OnMissing = missing,
  path = field,
): string {
  const value = optString(body, field, path);
  if (value === undefined || value === '') throw onMissing(path);
  return value;
}

export function optBoolean(body: Body, field: string, path = field): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw wrongType(path, 'a boolean', value);
  return value;
}

export function optNumber(body: Body, field: string, path = field): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw wrongType(path, 'a number', value);
  return value;
}

export function optObject(body: Body, field: string, path = field): Body | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw wrongType(path, 'a structure', value);
  return value as Body;
}

export function optList(body: Body, field: string, path = field): unknown[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw wrongType(path, 'a list', value);
  return value as unknown[];
}

export function optStringList(body: Body, field: string, path = field): string[] | undefined {
  const list = optList(body, field, path);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') throw wrongType(`${path}.${i + 1}`, 'a string', item);
    return item;
  });
}

export function objectList(list: unknown[], path: string): Body[] {
  return list.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw wrongType(`${path}.${i + 1}`, 'a structure', item);
    }
    return item as Body;
  });
}

/** A timestamp member: the JSON protocols send epoch seconds. */
export function optTimestamp(body: Body, field: string, path = field): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw wrongType(path, 'a timestamp (epoch seconds)', value);
}
