import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretKey } from '../../../src/main/core/evidence/redact';
import { AppError } from '../../../src/main/core/errors';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION =
  'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampletoken1234567890abcdef';

describe('isSecretKey', () => {
  it.each([
    ['SecretAccessKey', true],
    ['aws_secret_access_key', true],
    ['sessionToken', true],
    ['x-amz-security-token', true],
    ['SecretString', true],
    ['SecretBinary', true],
    ['Authorization', true],
    ['password', true],
    ['dbPassword', true],
    ['token', true],
    ['accessToken', true],
    ['clientSecret', true],
    ['refreshToken', true],
    ['nextToken', false],
    ['clientToken', false],
    ['clientRequestToken', false],
    ['passwordLastUsed', false],
    ['secrets', false],
    ['SecretId', false],
    ['ARN', false],
    ['deploymentId', false],
  ])('%s -> %s', (key, expected) => {
    expect(isSecretKey(key)).toBe(expected);
  });
});

describe('redactValue', () => {
  const redactor = createRedactor(['canary-config-secret-77']);

  it('keeps an STS response useful: ids, ARN and expiry stay, credentials go', () => {
    const response = {
      $metadata: { httpStatusCode: 200, requestId: '6b3c-req' },
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
        SecretAccessKey: SECRET,
        SessionToken: SESSION,
        Expiration: new Date('2026-01-01T00:00:00Z'),
      },
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::123456789012:assumed-role/Release/alice',
        AssumedRoleId: 'AROAEXAMPLEID:alice',
      },
    };
    const { value, redactions } = redactor.redactValue(response);
    expect(value).toEqual({
      $metadata: { httpStatusCode: 200, requestId: '6b3c-req' },
      Credentials: {
        AccessKeyId: '[redacted:AccessKeyId]',
        SecretAccessKey: '[redacted:SecretAccessKey]',
        SessionToken: '[redacted:SessionToken]',
        Expiration: '2026-01-01T00:00:00.000Z',
      },
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::123456789012:assumed-role/Release/alice',
        AssumedRoleId: 'AROAEXAMPLEID:alice',
      },
    });
    expect(redactions.map((r) => r.path)).toEqual([
      '$.Credentials.AccessKeyId',
      '$.Credentials.SecretAccessKey',
      '$.Credentials.SessionToken',
    ]);
  });

  it('keeps a GetSecretValue response as evidence the secret exists, without its value', () => {
    const { value } = redactor.redactValue({
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fixnado/db-AbCdEf',
      Name: 'fixnado/db',
      VersionId: 'a1b2c3',
      SecretString: '{"username":"app","password":"hunter2"}',
      SecretBinary: new Uint8Array([1, 2, 3]),
    });
    expect(value).toMatchObject({
      ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:fixnado/db-AbCdEf',
      Name: 'fixnado/db',
      SecretString: '[redacted:SecretString]',
      SecretBinary: '[redacted:SecretBinary]',
    });
  });

  it('keeps deployment ids, digests, task ids, commit ids and pagination tokens', () => {
    const input = {
      deploymentId: 'd-ABCDEFGHI',
      imageDigest: 'sha256:' + 'a1b2c3d4'.repeat(8),
      commit: '3f786850e387550fdab836ed7e6dc881de23001b',
      taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/fixnado/0123456789abcdef0123456789abcdef',
      nextToken: 'eyJuZXh0IjoxfQ==',
      status: 'SUCCEEDED',
    };
    const { value, redactions } = redactor.redactValue(input);
    expect(value).toEqual(input);
    expect(redactions).toEqual([]);
  });

  it.each([
    ['an access key id in prose', `key ${AKID} leaked`, 'key [redacted:aws-access-key-id] leaked'],
    ['a secret key shape', `secret is ${SECRET}`, 'secret is [redacted:aws-secret-access-key]'],
    ['a session token', `token=${SESSION}`, 'token=[redacted:aws-session-token]'],
    [
      'a bearer header',
      'Authorization: Bearer abc.def-ghi_jkl',
      'Authorization: [redacted:authorization]',
    ],
    [
      'a SigV4 header',
      `AWS4-HMAC-SHA256 Credential=${AKID}/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'ab'.repeat(32)}`,
      '[redacted:authorization]',
    ],
    [
      'a presigned URL',
      `https://b.s3.amazonaws.com/k?X-Amz-Credential=${AKID}%2F2026&X-Amz-Signature=abc123&x=1`,
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=[redacted:X-Amz-Credential]&X-Amz-Signature=[redacted:X-Amz-Signature]&x=1',
    ],
    [
      'a JWT',
      'id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nature-1',
      'id [redacted:jwt]',
    ],
    [
      'a configured secret inside text',
      'db pass is canary-config-secret-77!',
      'db pass is [redacted:secret]!',
    ],
    ['a configured secret URL-encoded', 'q=canary-config-secret-77', 'q=[redacted:secret]'],
    [
      'an ini assignment',
      'aws_secret_access_key = abcdef',
      'aws_secret_access_key = [redacted:aws_secret_access_key]',
    ],
  ])('redacts %s', (_label, input, expected) => {
    const { value, redactions } = redactor.redactValue({ message: input });
    expect(value).toEqual({ message: expected });
    expect(redactions.length).toBeGreaterThan(0);
    expect(redactions[0]?.path).toBe('$.message');
  });

  it('redacts a secret used as a key, and keeps __proto__ as plain data', () => {
    const parsed = JSON.parse(
      '{"__proto__": {"x": 1}, "canary-config-secret-77": true}',
    ) as unknown;
    const { value } = redactor.redactValue(parsed);
    expect(Object.keys(value as object)).toEqual(['__proto__', '[redacted:secret]']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it.each([
    ['NaN', { n: Number.NaN }, '$.n'],
    ['a bigint', { n: 10n }, '$.n'],
    ['a lone surrogate', { s: 'a\uD800b' }, '$.s'],
  ])('refuses %s with the path named', (_label, input, path) => {
    try {
      redactor.redactValue(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('payload_invalid');
      expect((error as AppError).message).toContain(path);
    }
  });

  it('refuses a circular value', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => redactor.redactValue(a)).toThrow(/circular/);
  });

  it('ignores configured secrets shorter than 4 characters instead of shredding every text', () => {
    const short = createRedactor(['ab']);
    expect(short.redactValue('abcab').value).toBe('abcab');
  });
});

describe('redactBinaryString (text artifacts)', () => {
  const redactor = createRedactor(['p@ss-canary-9']);
  const run = (text: string): { text: string; lines: string[] } => {
    const latin = Buffer.from(text, 'utf8').toString('latin1');
    const out = redactor.redactBinaryString(
      latin,
      (i, t) => `line ${t.slice(0, i).split('\n').length}`,
    );
    return {
      text: Buffer.from(out.text, 'latin1').toString('utf8'),
      lines: out.redactions.map((r) => `${r.path} ${r.rule}`),
    };
  };

  it('redacts JSON keys, XML elements and assignments by name', () => {
    const out = run(
      [
        '{ "SecretString": "x\\"y", "Name": "db" }',
        '<Credentials><SessionToken>abc</SessionToken><Expiration>2026</Expiration></Credentials>',
        'password: hunter2',
        'status: ok',
      ].join('\n'),
    );
    expect(out.text).toBe(
      [
        '{ "SecretString": "[redacted:SecretString]", "Name": "db" }',
        '<Credentials><SessionToken>[redacted:SessionToken]</SessionToken><Expiration>2026</Expiration></Credentials>',
        'password: [redacted:password]',
        'status: ok',
      ].join('\n'),
    );
    expect(out.lines).toEqual(['line 1 json-key', 'line 2 xml-element', 'line 3 assignment']);
  });

  it('keeps UTF-8 text byte for byte around a configured secret', () => {
    expect(run('héllo p@ss-canary-9 wörld ✓').text).toBe('héllo [redacted:secret] wörld ✓');
  });
});
