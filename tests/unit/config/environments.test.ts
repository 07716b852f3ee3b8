import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import {
  loadEnvironments,
  parseEnvironments,
  parseSecretRef,
  resolveEnvironment,
  resolveSecretRef,
  sandboxEnvironment,
} from '../../../src/main/core/config';

const minimal = `
environments:
  staging:
    profile: fixnado-staging
    region: eu-west-2
    accountId: '123456789012'
    validationUrl: https://app.staging.fixnado.com:8443
    productionUrl: https://app.staging.fixnado.com
`;

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('environments config', () => {
  it('fills resource names from the playbook patterns and the documented thresholds', () => {
    const env = parseEnvironments(minimal, '/cfg/environments.yaml')['staging'];
    expect(env?.resources).toEqual({
      cluster: 'fixnado-staging-cluster',
      service: 'fixnado-staging-app',
      codedeployApplication: 'fixnado-staging-ecs',
      deploymentGroup: 'fixnado-staging-ecs',
      taskFamily: 'fixnado-staging-app',
      containerName: 'app',
      containerPort: 8080,
      ecrRepository: 'fixnado/backend',
      alarmNames: ['fixnado-staging-codedeploy-failures', 'fixnado-staging-alb-5xx'],
    });
    expect(env?.thresholds).toEqual({ p95Ms: 450, errorRate: 0.01, errorBudget: 0.1 });
    expect(env?.vaultRoot).toBe('/cfg/governance/release_vault');
    expect(env?.kind).toBe('aws');
  });

  it('keeps explicit resources, secrets, paths and integration references', () => {
    const text = `${minimal}    resources: { cluster: core, alarmNames: [a, b] }
    permittedCidrs: [10.20.0.0/16, 'fd00::/8']
    secrets: [{ id: app-config, requiredKeys: [DATABASE_URL] }]
    smokeCollection: postman/backend-smoke.json
    thresholds: { p95Ms: 300 }
    integrations:
      slack: { webhookUrl: 'env:SLACK_WEBHOOK' }
      grafana: { url: https://grafana.example.com, token: 'keychain:greenlight/grafana' }
`;
    const env = parseEnvironments(text, '/cfg/environments.yaml')['staging'];
    expect(env?.resources.cluster).toBe('core');
    expect(env?.resources.service).toBe('fixnado-staging-app');
    expect(env?.resources.alarmNames).toEqual(['a', 'b']);
    expect(env?.smokeCollection).toBe('/cfg/postman/backend-smoke.json');
    expect(env?.thresholds).toEqual({ p95Ms: 300, errorRate: 0.01, errorBudget: 0.1 });
    expect(env?.integrations.slack?.webhookUrl).toMatchObject({
      kind: 'env',
      name: 'SLACK_WEBHOOK',
    });
    expect(env?.integrations.grafana?.token).toMatchObject({
      kind: 'keychain',
      service: 'greenlight',
      account: 'grafana',
    });
  });

  it('names file, line, key path and expectation for a bad account id', () => {
    const text = minimal.replace("'123456789012'", '1234');
    const error = errorOf(() => parseEnvironments(text, '/cfg/environments.yaml'));
    expect(error.code).toBe('config-invalid');
    expect(error.message).toBe(
      "/cfg/environments.yaml:6: environments.staging.accountId: expected the 12-digit AWS account id, quoted (e.g. '123456789012')",
    );
  });

  it('reports a missing key at its parent and an unknown key by name', () => {
    const missing = errorOf(() =>
      parseEnvironments(minimal.replace('    region: eu-west-2\n', ''), 'env.yaml'),
    );
    expect(missing.message).toMatch(
      /^env\.yaml:3: environments\.staging\.region: expected an AWS region/,
    );
    const typo = errorOf(() => parseEnvironments(`${minimal}    profil: x\n`, 'env.yaml'));
    expect(typo.message).toBe(
      "env.yaml:3: environments.staging: unknown key 'profil' (check the spelling)",
    );
    const port = errorOf(() =>
      parseEnvironments(`${minimal}    resources: { containerPort: 'http' }\n`, 'env.yaml'),
    );
    expect(port.message).toMatch(
      /environments\.staging\.resources\.containerPort: expected the container port/,
    );
  });

  it('refuses a plain token without ever echoing it', () => {
    const text = `${minimal}    integrations:\n      pagerduty: { token: u+canary-TOKEN-9f8e7d }\n`;
    const error = errorOf(() => parseEnvironments(text, 'env.yaml'));
    expect(error.message).toBe(
      'env.yaml:10: environments.staging.integrations.pagerduty.token: expected a reference like env:NAME or keychain:service/account; a token must not be written in the config file',
    );
    expect(JSON.stringify(error.detail)).not.toContain('canary');
  });

  it('reports YAML syntax errors with their line, and refuses to redefine sandbox', () => {
    const broken = errorOf(() => parseEnvironments('environments:\n  staging: [\n', 'env.yaml'));
    expect(broken.message).toMatch(/^env\.yaml:\d+: \(yaml\): not valid YAML/);
    const sandbox = errorOf(() =>
      parseEnvironments(minimal.replace('staging:', 'sandbox:'), 'env.yaml'),
    );
    expect(sandbox.message).toMatch(/^env\.yaml:3: environments\.sandbox: 'sandbox' is built in/);
  });

  it('knows only the sandbox when the default file is missing, and rejects a missing explicit file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-config-'));
    const previous = process.env['GREENLIGHT_CONFIG_DIR'];
    process.env['GREENLIGHT_CONFIG_DIR'] = dir;
    try {
      const loaded = await loadEnvironments();
      expect(loaded.fileExists).toBe(false);
      expect(loaded.names).toEqual(['sandbox']);
      expect(() => resolveEnvironment(loaded, 'prod')).toThrow(/No environment 'prod'/);
      writeFileSync(join(dir, 'environments.yaml'), minimal);
      const withFile = await loadEnvironments();
      expect(withFile.names).toEqual(['sandbox', 'staging']);
      await expect(loadEnvironments({ path: join(dir, 'nope.yaml') })).rejects.toMatchObject({
        code: 'config-missing',
      });
    } finally {
      if (previous === undefined) delete process.env['GREENLIGHT_CONFIG_DIR'];
      else process.env['GREENLIGHT_CONFIG_DIR'] = previous;
    }
  });

  it('builds the sandbox environment from a running sandbox', () => {
    const env = sandboxEnvironment({
      endpoint: 'http://127.0.0.1:4000',
      productionUrl: 'http://127.0.0.1:4001',
      validationUrl: 'http://127.0.0.1:4002',
      region: 'us-east-1',
      accountId: '111122223333',
    });
    expect(env).toMatchObject({
      name: 'sandbox',
      kind: 'sandbox',
      endpoint: 'http://127.0.0.1:4000',
      profile: undefined,
      accountId: '111122223333',
      resources: { deploymentGroup: 'fixnado-sandbox-ecs', taskFamily: 'fixnado-sandbox-app' },
      secrets: [{ id: 'app-config', requiredKeys: ['DATABASE_URL', 'JWT_SECRET', 'STRIPE_KEY'] }],
    });
  });
});

describe('secret references', () => {
  it.each([
    ['env:GRAFANA_TOKEN', 'env'],
    ['keychain:greenlight/grafana', 'keychain'],
    ['keychain:svc/acc/with/slash', 'keychain'],
  ])('parses %s', (text, kind) => {
    expect(parseSecretRef(text)?.kind).toBe(kind);
  });

  it.each([
    'glsa_abc123',
    'env:',
    'env:1BAD',
    'keychain:nosplit',
    'keychain:/acc',
    'https://hooks.slack.com/x',
  ])('refuses %s', (text) => {
    expect(parseSecretRef(text)).toBeUndefined();
  });

  it('resolves env and keychain references, naming the reference when it cannot', async () => {
    const env = parseSecretRef('env:GL_TEST_TOKEN');
    const keychain = parseSecretRef('keychain:svc/acc');
    if (env === undefined || keychain === undefined) throw new Error('parse failed');
    await expect(resolveSecretRef(env, { env: { GL_TEST_TOKEN: 'v1' } })).resolves.toBe('v1');
    await expect(resolveSecretRef(env, { env: {} })).rejects.toThrow(/GL_TEST_TOKEN .* is not set/);
    const reader = (service: string, account: string) =>
      Promise.resolve(service === 'svc' && account === 'acc' ? 'v2' : undefined);
    await expect(resolveSecretRef(keychain, { keychain: reader })).resolves.toBe('v2');
    await expect(
      resolveSecretRef(keychain, { keychain: () => Promise.resolve(undefined) }),
    ).rejects.toMatchObject({
      code: 'secret-ref-unresolved',
    });
  });
});
