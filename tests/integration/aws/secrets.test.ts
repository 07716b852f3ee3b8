import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSecrets, createAwsSession, runPreflight } from '../../../src/main/core/aws';
import { setLogSink } from '../../../src/main/core/log';
import { appRoot } from '../../../src/main/core/paths';
import { greenlight } from '../../support/greenlight-cli';
import { answeringProxy, sandboxSession, type ScriptedAnswer } from './support';

const canaries = ['CANARY-db-7f3a', 'CANARY-jwt-91bc', 'CANARY-plain-55e1'];
const fakeSecrets: Record<string, string> = {
  'canary-json': JSON.stringify({
    DATABASE_URL: `postgres://u:${canaries[0]}@db/app`,
    JWT_SECRET: canaries[1],
  }),
  'canary-plain': `${canaries[2]} is not JSON`,
};

/** Secrets Manager answered by this test (canary values); every other call goes on to the sandbox. */
function secretsFront(upstream: string) {
  const reply = (status: number, payload: unknown): ScriptedAnswer => ({
    status,
    payload,
    requestId: 'req-canary',
  });
  return answeringProxy(upstream, (target, body) => {
    if (!target.startsWith('secretsmanager.')) return undefined;
    const id = (JSON.parse(body) as { SecretId: string }).SecretId;
    const value = fakeSecrets[id];
    if (value === undefined) {
      return reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    if (target.endsWith('.DescribeSecret')) {
      return reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${id}-AbCdEf`,
        Name: id,
      });
    }
    return reply(200, {
      ARN: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${id}-AbCdEf`,
      Name: id,
      SecretString: value,
      VersionId: 'v1',
    });
  });
}

/** The sandbox world's secret values (the fixture is the only place a test may read them from). */
function sandboxSecretValues(): string[] {
  const world = JSON.parse(
    readFileSync(join(appRoot(), 'resources', 'sandbox', 'world.json'), 'utf8'),
  ) as {
    secret: { values: Record<string, string> };
  };
  return Object.values(world.secret.values);
}

describe('secrets pre-check never lets a value out', () => {
  it('reports missing keys, non-JSON and missing secrets without returning or logging any value (mocked Secrets Manager with canaries)', async () => {
    const s = await sandboxSession();
    const front = await secretsFront(s.sandbox.endpoint);
    const logged: string[] = [];
    const restore = setLogSink((line) => logged.push(line));
    const session = createAwsSession(s.env, {
      credentials: s.sandbox.credentials,
      endpoint: front.url,
    });
    try {
      const result = await checkSecrets(session, {
        requirements: [
          { id: 'canary-json', requiredKeys: ['DATABASE_URL', 'JWT_SECRET', 'STRIPE_KEY'] },
          { id: 'canary-plain', requiredKeys: ['DATABASE_URL'] },
          { id: 'canary-gone', requiredKeys: [] },
        ],
      });
      expect(result.ok).toBe(false);
      expect(result.summary).toBe(
        'secret canary-json lacks STRIPE_KEY; secret canary-plain is not a JSON object; secret canary-gone does not exist.',
      );
      expect(result.facts.secrets[0]).toMatchObject({
        exists: true,
        isJson: true,
        missingKeys: ['STRIPE_KEY'],
      });
      expect(result.evidence.map((m) => m.requestId)).toContain('req-canary');
      const everything = JSON.stringify(result) + logged.join('\n');
      for (const canary of canaries) expect(everything).not.toContain(canary);
    } finally {
      restore();
      session.close();
      await front.close();
      await s.close();
    }
  });

  it('preflight --json against the sandbox prints no secret value of the sandbox world', async () => {
    const values = sandboxSecretValues();
    expect(values.length).toBeGreaterThan(0);
    // Logs on (GREENLIGHT_LOG=''): they must not carry a secret either.
    const { code, stdout, stderr } = await greenlight(
      ['preflight', '--env', 'sandbox', '--version', '1.5.1', '--json'],
      { GREENLIGHT_LOG: '' },
    );
    const out = stdout + stderr;
    expect(code).toBe(0);
    expect(out).toContain('"check": "secrets"');
    for (const value of values) expect(out).not.toContain(value);
  });

  it('the in-process preflight result holds no sandbox secret value either', async () => {
    const s = await sandboxSession();
    const logged: string[] = [];
    const restore = setLogSink((line) => logged.push(line));
    try {
      const report = await runPreflight(s.session, '1.5.1');
      expect(report.ok).toBe(true);
      const everything = JSON.stringify(report) + logged.join('\n');
      for (const value of sandboxSecretValues()) expect(everything).not.toContain(value);
    } finally {
      restore();
      await s.close();
    }
  });
});
