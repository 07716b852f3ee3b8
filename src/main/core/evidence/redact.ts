import { AppError } from '../errors';
import { hasLoneSurrogate } from './names';
import type { JsonValue, Redaction } from './types';

/**
 * The one redaction layer in front of the journal and of text artifacts. It keeps what makes an AWS response
 * evidence (ids, ARNs, statuses, request ids, timestamps) and removes what would make the evidence file a
 * credential store: values under secret-named keys, AWS access key ids, secret-key-shaped strings, session and
 * SSO tokens, JWTs, Authorization headers, presigned-URL signatures, and every configured secret value.
 */

// Keys compared lower-case with '-', '_' and '.' removed, so `aws_secret_access_key`, `SecretAccessKey` and
// `x-amz-security-token` all match.
const SECRET_KEYS = new Set([
  'secretaccesskey',
  'awssecretaccesskey',
  'accesskeyid',
  'awsaccesskeyid',
  'sessiontoken',
  'awssessiontoken',
  'securitytoken',
  'xamzsecuritytoken',
  'secretstring',
  'secretbinary',
  'authorization',
  'proxyauthorization',
  'password',
  'passwd',
  'passphrase',
  'token',
  'accesstoken',
  'idtoken',
  'refreshtoken',
  'clientsecret',
  'secret',
  'apikey',
  'xapikey',
  'privatekey',
  'cookie',
  'setcookie',
]);
// `nextToken` and `clientToken` (pagination, idempotency) are not secrets and stay; these suffixes are.
const SECRET_KEY_SUFFIXES = [
  'secretaccesskey',
  'sessiontoken',
  'securitytoken',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authtoken',
  'authorizationtoken',
  'bearertoken',
  'apitoken',
  'clientsecret',
  'password',
  'passphrase',
  'apikey',
  'privatekey',
  'secretkey',
  'signingkey',
];

const keyVerdicts = new Map<string, boolean>();

/** True when a key's value is a credential or secret whatever it looks like. */
export function isSecretKey(key: string): boolean {
  // Payloads repeat the same few hundred keys; remember the verdicts (bounded, for keys from arbitrary JSON).
  const known = keyVerdicts.get(key);
  if (known !== undefined) return known;
  const k = key.toLowerCase().replace(/[-_.\s]/g, '');
  const verdict = SECRET_KEYS.has(k) || SECRET_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
  if (keyVerdicts.size >= 10_000) keyVerdicts.clear();
  keyVerdicts.set(key, verdict);
  return verdict;
}

type ValueRule = {
  rule: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string | null;
};

const marker = (name: string): string => `[redacted:${name}]`;

// Each rule returns the replacement, or null to keep the match (a secret-key-shaped string must mix cases and
// digits, so 40-character hex digests and commit ids stay).
const VALUE_RULES: ValueRule[] = [
  {
    rule: 'authorization',
    pattern:
      /AWS4-HMAC-SHA256\s+Credential=[^\s"'<]+(?:\s*,?\s*SignedHeaders=[^\s,"'<]+)?(?:\s*,?\s*Signature=[0-9a-fA-F]+)?/g,
    replace: () => marker('authorization'),
  },
  {
    rule: 'authorization',
    pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
    replace: () => marker('authorization'),
  },
  {
    rule: 'header',
    pattern:
      /\b(authorization|proxy-authorization|x-amz-security-token|x-api-key|cookie|set-cookie)(\s*:\s*)(?!\s*\[redacted:)[^\r\n]+/gi,
    replace: (_m, name = '', sep = '') => `${name}${sep}${marker(name)}`,
  },
  {
    rule: 'presigned-url',
    pattern:
      /\b(X-Amz-Security-Token|X-Amz-Signature|X-Amz-Credential)=(?!\[redacted:)[^&\s"'<]+/gi,
    replace: (_m, name = '') => `${name}=${marker(name)}`,
  },
  {
    rule: 'jwt',
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    replace: () => marker('jwt'),
  },
  {
    rule: 'aws-session-token',
    pattern: /(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{16,}/g,
    replace: () => marker('aws-session-token'),
  },
  {
    rule: 'sso-access-token',
    pattern: /\baoa[A-Za-z0-9_-]{40,}(?::[A-Za-z0-9+/=_-]+)?/g,
    replace: () => marker('sso-access-token'),
  },
  {
    rule: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
    replace: () => marker('aws-access-key-id'),
  },
  {
    rule: 'aws-secret-access-key',
    // The leading boundary is matched (not looked behind) so a start inside a long run fails at once: the scan
    // stays linear over hex-heavy logs.
    pattern: /(^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
    replace: (_m, lead = '', key = '') =>
      /[A-Z]/.test(key) && /[a-z]/.test(key) && /[0-9/+]/.test(key)
        ? `${lead}${marker('aws-secret-access-key')}`
        : null,
  },
];

// Text artifacts: `"key": value` (JSON), `<Key>value</Key>` (XML, e.g. STS query-protocol responses) and
// `key = value` / `key: value` (ini, env, YAML, logs) where the key is secret-named.
// Every secret key name contains one of these stems; the patterns only stop at such keys (a JSON-lines log has
// a key on every few bytes, and calling isSecretKey on each was most of the cost of redacting it).
const STEM = String.raw`(?:secret|token|pass(?:wd|word|phrase)|authorization|api[-_]?key|private[-_]?key|signing[-_]?key|cookie|access[-_]?key)`;

const TEXT_KEY_RULES: ValueRule[] = [
  {
    rule: 'json-key',
    pattern: new RegExp(
      String.raw`"([^"\\\r\n]{0,40}?${STEM}[^"\\\r\n]{0,40})"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)`,
      'gi',
    ),
    replace: (_m, key = '', sep = '', value = '') =>
      isSecretKey(key) && !value.startsWith('"[redacted:')
        ? `"${key}"${sep}"${marker(key)}"`
        : null,
  },
  {
    rule: 'xml-element',
    pattern: new RegExp(
      String.raw`<((?:[A-Za-z][\w.-]{0,40}?)?${STEM}[\w.-]{0,40})>([^<]*)<\/\1>`,
      'gi',
    ),
    replace: (_m, key = '', value = '') =>
      isSecretKey(key) && value !== '' ? `<${key}>${marker(key)}</${key}>` : null,
  },
  {
    rule: 'assignment',
    pattern: new RegExp(
      String.raw`(?<![\w"'-])((?:[A-Za-z_][\w.-]{0,40}?)?${STEM}[\w.-]{0,40})(\s*[=:]\s*)(?!\[redacted:)([^\s,;"'&<>]+)`,
      'gi',
    ),
    replace: (_m, key = '', sep = '', value = '') =>
      isSecretKey(key) && value !== '' ? `${key}${sep}${marker(key)}` : null,
  },
];

const STEM_ANYWHERE = new RegExp(STEM, 'i');
// Every rule needs one of these to match, so one scan decides whether a string (most are ids, statuses, names)
// needs the rules at all: it keeps the append path cheap.
const TRIGGER = new RegExp(
  String.raw`${STEM}|AKIA|ASIA|ABIA|ACCA|eyJ|IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz|aoa|bearer|basic|aws4-hmac|x-amz-|[A-Za-z0-9/+]{40}`,
  'i',
);
const KEY_RULE_NAMES = new Set(TEXT_KEY_RULES.map((r) => r.rule));

// Order matters: whole-credential shapes (signatures, bearer tokens, header lines) first so a key rule cannot
// redact only the first word of them; then secret-named keys; the loose secret-key shape last.
const ALL_RULES = [
  ...VALUE_RULES.filter((r) => r.rule !== 'aws-secret-access-key'),
  ...TEXT_KEY_RULES,
  ...VALUE_RULES.filter((r) => r.rule === 'aws-secret-access-key'),
];

export type Redactor = {
  /** Adds configured secret values (e.g. just fetched from Secrets Manager); values under 4 characters are ignored. */
  addSecretValues(values: readonly string[]): void;
  /** Redacts a JSON-like value (AWS SDK responses included: Dates become ISO strings, bytes are omitted). */
  redactValue(value: unknown, root?: string): { value: JsonValue; redactions: Redaction[] };
  /** Redacts text held as a latin1 string (one char per byte), so UTF-8 content passes through byte for byte. */
  redactBinaryString(
    text: string,
    where: (index: number, text: string) => string,
  ): { text: string; redactions: Redaction[] };
  /** Configured secret values as UTF-8 bytes, longest first (for refusing binary content that contains one). */
  secretBytes(): readonly Buffer[];
};

export const MIN_SECRET_LENGTH = 4;
const MAX_REDACTIONS_LISTED = 200;

/** Creates the redaction layer with the configured secret values. */
export function createRedactor(secretValues: readonly string[] = []): Redactor {
  // Each secret is matched as written, JSON-escaped and URL-encoded (how it would appear inside a logged body).
  let literals: string[] = [];
  let literalsBinary: string[] = [];
  let bytes: Buffer[] = [];
  const configured = new Set<string>();

  const addSecretValues = (values: readonly string[]): void => {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      configured.add(value);
    }
    const forms = new Set<string>();
    for (const value of configured) {
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
    }
    literals = [...forms].sort((a, b) => b.length - a.length);
    literalsBinary = literals.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
    bytes = [...configured].map((s) => Buffer.from(s, 'utf8')).sort((a, b) => b.length - a.length);
  };
  addSecretValues(secretValues);

  const redactString = (
    input: string,
    literalSet: string[],
    onHit: (rule: string, index: number, text: string) => void,
  ): string => {
    let text = input;
    for (const literal of literalSet) {
      if (!text.includes(literal)) continue;
      let index = text.indexOf(literal);
      while (index !== -1) {
        onHit('secret', index, text);
        index = text.indexOf(literal, index + literal.length);
      }
      text = text.split(literal).join(marker('secret'));
    }
    if (!TRIGGER.test(text)) return text;
    const hasStem = STEM_ANYWHERE.test(text);
    for (const { rule, pattern, replace } of ALL_RULES) {
      if (!hasStem && KEY_RULE_NAMES.has(rule)) continue;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      const before = text;
      text = text.replace(pattern, (match: string, ...rest: unknown[]) => {
        const groups = rest.filter((g): g is string => typeof g === 'string');
        const offset = rest.find((g): g is number => typeof g === 'number') ?? 0;
        const replacement = replace(match, ...groups);
        if (replacement === null) return match;
        onHit(rule, offset, before);
        return replacement;
      });
    }
    return text;
  };

  const redactValue = (
    value: unknown,
    root = '$',
  ): { value: JsonValue; redactions: Redaction[] } => {
    const redactions: Redaction[] = [];
    let omitted = 0;
    const note = (path: string, rule: string): void => {
      if (redactions.length < MAX_REDACTIONS_LISTED) redactions.push({ path, rule });
      else omitted += 1;
    };
    const seen = new Set<object>();
    const walk = (node: unknown, path: string, depth: number): JsonValue | undefined => {
      if (depth > 64) throw invalid(path, 'nested deeper than 64 levels');
      if (node === null) return null;
      switch (typeof node) {
        case 'string': {
          if (hasLoneSurrogate(node))
            throw invalid(path, 'a string holds an unpaired UTF-16 surrogate');
          return redactString(node, literals, (rule) => note(path, rule));
        }
        case 'number':
          if (!Number.isFinite(node)) throw invalid(path, `${String(node)} is not a JSON number`);
          return node;
        case 'boolean':
          return node;
        case 'undefined':
        case 'function':
        case 'symbol':
          return undefined;
        case 'bigint':
          throw invalid(path, 'a bigint is not a JSON number (pass it as a string)');
        default:
          break;
      }
      if (node instanceof Date) {
        if (Number.isNaN(node.getTime())) throw invalid(path, 'an invalid Date');
        return node.toISOString();
      }
      if (node instanceof Uint8Array || node instanceof ArrayBuffer) {
        note(path, 'binary');
        return `[omitted:${node.byteLength} bytes]`;
      }
      const object = node;
      if (seen.has(object)) throw invalid(path, 'a circular reference');
      seen.add(object);
      try {
        if (Array.isArray(object)) {
          return object.map((item, i) => walk(item, `${path}[${i}]`, depth + 1) ?? null);
        }
        const out: { [key: string]: JsonValue } = {};
        for (const [rawKey, child] of Object.entries(object)) {
          let key = rawKey;
          if (hasLoneSurrogate(key))
            throw invalid(path, 'a key holds an unpaired UTF-16 surrogate');
          const cleanKey = redactString(key, literals, (rule) => note(`${path}.<key>`, rule));
          if (cleanKey !== key) key = uniqueKey(out, cleanKey);
          const childPath = `${path}.${key}`;
          if (isSecretKey(rawKey) && child !== null && child !== undefined && child !== '') {
            note(childPath, rawKey);
            setOwn(out, key, marker(rawKey));
            continue;
          }
          const cleaned = walk(child, childPath, depth + 1);
          if (cleaned !== undefined) setOwn(out, key, cleaned);
        }
        return out;
      } finally {
        seen.delete(object);
      }
    };
    const cleaned = walk(value, root, 0) ?? null;
    if (omitted > 0) redactions.push({ path: root, rule: `${omitted} more redactions not listed` });
    return { value: cleaned, redactions };
  };

  const redactBinaryString = (
    text: string,
    where: (index: number, text: string) => string,
  ): { text: string; redactions: Redaction[] } => {
    const redactions: Redaction[] = [];
    let omitted = 0;
    const out = redactString(text, literalsBinary, (rule, index, current) => {
      if (redactions.length < MAX_REDACTIONS_LISTED)
        redactions.push({ path: where(index, current), rule });
      else omitted += 1;
    });
    if (omitted > 0)
      redactions.push({ path: 'content', rule: `${omitted} more redactions not listed` });
    return { text: out, redactions };
  };

  return { addSecretValues, redactValue, redactBinaryString, secretBytes: () => bytes };
}

function invalid(path: string, why: string): AppError {
  return new AppError('payload_invalid', `${path}: cannot be recorded as evidence: ${why}.`, {
    path,
  });
}

// `__proto__` from JSON.parse is an own key: keep it one instead of changing the object's prototype.
function setOwn(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function uniqueKey(target: object, key: string): string {
  let candidate = key;
  for (let n = 2; Object.prototype.hasOwnProperty.call(target, candidate); n += 1)
    candidate = `${key}#${n}`;
  return candidate;
}
