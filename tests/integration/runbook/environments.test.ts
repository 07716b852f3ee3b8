import { afterEach, describe, expect, it } from 'vitest';
import { parseEnvironments } from '../../../src/main/core/config/load';
import { sandboxEnvironment } from '../../../src/main/core/config/sandbox-environment';
import {
  releaseEnvironment,
  type ReleaseEnvironment,
  type RunningSandbox,
} from '../../../src/main/core/runbook/environments';
import { tempDir } from '../../support/temp';

// Where a ReleaseEnvironment's Slack webhook and Grafana token come from: references resolved when needed for a
// configured environment, the running sandbox's own fakes for the built-in sandbox. No network is used.
process.env['GREENLIGHT_LOG'] = 'silent';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const staging = `
environments:
  staging:
    profile: fixnado-staging
    region: eu-west-2
    accountId: '123456789012'
    validationUrl: https://app.staging.fixnado.com:8443
    productionUrl: https://app.staging.fixnado.com
    integrations:
      slack: { webhookUrl: 'env:GL_TEST_SLACK' }
      grafana: { url: https://grafana.fixnado.example, token: 'env:GL_TEST_GRAFANA_TOKEN' }
`;

const fakeSandbox: RunningSandbox = {
  endpoint: 'http://127.0.0.1:1',
  productionUrl: 'http://127.0.0.1:2',
  validationUrl: 'http://127.0.0.1:3',
  region: 'us-east-1',
  accountId: '111122223333',
  credentials: { accessKeyId: 'AKIATESTEXAMPLE00001', secretAccessKey: 'not-real' },
  clock: { now: () => Date.now(), timeScale: 1 },
  integrations: {
    slackWebhookUrl: 'http://127.0.0.1:4/slack/services/T/B/x',
    grafana: { url: 'http://127.0.0.1:4/grafana', token: 'glsa_fake' },
  },
};

async function build(
  environment: Parameters<typeof releaseEnvironment>[0],
  options: { sandbox?: RunningSandbox; env?: NodeJS.ProcessEnv } = {},
): Promise<ReleaseEnvironment> {
  const dir = tempDir('gl-env-');
  cleanups.push(dir.cleanup);
  const env = await releaseEnvironment(environment, { vaultRoot: dir.path, ...options });
  cleanups.push(() => env.session.close());
  return env;
}

describe("a release environment's integrations", () => {
  it('resolves the Grafana token and the Slack webhook from their references when asked, not before', async () => {
    const environment = parseEnvironments(staging, '/cfg/environments.yaml')['staging'];
    if (environment === undefined) throw new Error('no staging');
    const variables: NodeJS.ProcessEnv = {};
    const env = await build(environment, { env: variables });
    expect([...env.integrations].sort()).toEqual(['grafana', 'slack']);
    // Not set yet: the reference is named, never a value.
    await expect(env.grafana()).rejects.toMatchObject({
      code: 'secret-ref-unresolved',
      message: expect.stringContaining('GL_TEST_GRAFANA_TOKEN'),
    });
    variables['GL_TEST_GRAFANA_TOKEN'] = 'glsa_from_the_environment';
    variables['GL_TEST_SLACK'] = 'https://hooks.slack.example/services/T/B/secret';
    await expect(env.grafana()).resolves.toEqual({
      url: 'https://grafana.fixnado.example',
      token: 'glsa_from_the_environment',
    });
    await expect(env.slackWebhook()).resolves.toBe(
      'https://hooks.slack.example/services/T/B/secret',
    );
  });

  it('has neither when the environment configures none', async () => {
    const environment = parseEnvironments(
      staging.replace(/ {4}integrations:[\s\S]*$/, ''),
      '/cfg/environments.yaml',
    )['staging'];
    if (environment === undefined) throw new Error('no staging');
    const env = await build(environment);
    expect(env.integrations.size).toBe(0);
    await expect(env.grafana()).resolves.toBeUndefined();
    await expect(env.slackWebhook()).resolves.toBeUndefined();
  });

  it("gives the built-in sandbox the running sandbox's simulated Slack and Grafana", async () => {
    const env = await build(sandboxEnvironment(fakeSandbox), { sandbox: fakeSandbox });
    expect([...env.integrations].sort()).toEqual(['grafana', 'slack']);
    await expect(env.grafana()).resolves.toEqual(fakeSandbox.integrations?.grafana);
    await expect(env.slackWebhook()).resolves.toBe(fakeSandbox.integrations?.slackWebhookUrl);
  });

  it('lets an integration the environment configures win over the sandbox default', async () => {
    const staged = parseEnvironments(staging, '/cfg/environments.yaml')['staging'];
    if (staged === undefined) throw new Error('no staging');
    const env = await build(
      {
        ...sandboxEnvironment(fakeSandbox),
        integrations: { grafana: staged.integrations.grafana },
      },
      { sandbox: fakeSandbox, env: { GL_TEST_GRAFANA_TOKEN: 'glsa_configured' } },
    );
    await expect(env.grafana()).resolves.toEqual({
      url: 'https://grafana.fixnado.example',
      token: 'glsa_configured',
    });
    // Slack is not configured there: the sandbox's own is used.
    await expect(env.slackWebhook()).resolves.toBe(fakeSandbox.integrations?.slackWebhookUrl);
  });
});
