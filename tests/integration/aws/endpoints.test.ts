import { afterEach, describe, expect, it } from 'vitest';
import { codeDeployEcsDriver, createAwsSession } from '../../../src/main/core/aws';
import { sandboxEnvironment } from '../../../src/main/core/config';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox';
import { faultProxy } from './support';

// The standard endpoint variables are honoured by the SDK itself when the session is given no endpoint.
const names = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_CODEDEPLOY', 'AWS_ENDPOINT_URL_STS'];
const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
afterEach(() => {
  for (const n of names) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

function envWithoutEndpoint(sandbox: Sandbox) {
  return { ...sandboxEnvironment(sandbox), endpoint: undefined };
}

describe('AWS endpoint variables', () => {
  it('AWS_ENDPOINT_URL sends every service to the given endpoint', async () => {
    const sandbox = await startSandbox();
    process.env['AWS_ENDPOINT_URL'] = sandbox.endpoint;
    const session = createAwsSession(envWithoutEndpoint(sandbox), {
      credentials: sandbox.credentials,
    });
    try {
      expect(session.endpoint).toBeUndefined();
      const image = await codeDeployEcsDriver(session).checkImage('1.5.1');
      expect(image.ok).toBe(true);
    } finally {
      session.close();
      await sandbox.close();
    }
  });

  it('AWS_ENDPOINT_URL_<SERVICE> overrides one service', async () => {
    const sandbox = await startSandbox();
    const proxy = await faultProxy(sandbox.endpoint, () => 'forward');
    process.env['AWS_ENDPOINT_URL'] = sandbox.endpoint;
    process.env['AWS_ENDPOINT_URL_CODEDEPLOY'] = proxy.url;
    const session = createAwsSession(envWithoutEndpoint(sandbox), {
      credentials: sandbox.credentials,
    });
    try {
      const group = await codeDeployEcsDriver(session).readDeploymentGroup();
      expect(group.ok).toBe(true);
      // Only CodeDeploy went through the proxy; STS (the account check) went straight to the sandbox.
      expect(proxy.seen.map((r) => r.target)).toEqual(['CodeDeploy_20141006.GetDeploymentGroup']);
    } finally {
      session.close();
      await proxy.close();
      await sandbox.close();
    }
  });
});
