import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesDir } from '../paths';
import { defaultResources, defaultThresholds, type Environment } from './environment';

/**
 * What `sandboxEnvironment` needs from a running sandbox (a structural subset of the sandbox's `Sandbox` type, so
 * config does not depend on the sandbox module).
 */
export type SandboxLike = {
  endpoint: string;
  productionUrl: string;
  validationUrl: string;
  region: string;
  accountId: string;
};

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

/**
 * The built-in `sandbox` environment, filled from a running sandbox: every AWS service at `sandbox.endpoint`, the
 * fleet's listeners as validation and production URLs, the playbook's `fixnado-sandbox-*` names, and the
 * sandbox world's secret (`app-config` with DATABASE_URL, JWT_SECRET, STRIPE_KEY). No profile: the session uses the
 * sandbox's static credentials.
 */
export function sandboxEnvironment(sandbox: SandboxLike): Environment {
  const dir = join(resourcesDir(), 'sandbox');
  return {
    name: 'sandbox',
    kind: 'sandbox',
    source: 'built-in',
    profile: undefined,
    region: sandbox.region,
    accountId: sandbox.accountId,
    endpoint: sandbox.endpoint,
    resources: defaultResources('sandbox'),
    validationUrl: sandbox.validationUrl,
    productionUrl: sandbox.productionUrl,
    // Loopback: the sandbox's fleet is reached from this machine.
    permittedCidrs: ['127.0.0.0/8'],
    secrets: [{ id: 'app-config', requiredKeys: ['DATABASE_URL', 'JWT_SECRET', 'STRIPE_KEY'] }],
    vaultRoot: join('governance', 'release_vault'),
    thresholds: { ...defaultThresholds },
    smokeCollection: firstExisting([join(dir, 'smoke-collection.json')]),
    k6Script: undefined,
    integrations: {},
  };
}
