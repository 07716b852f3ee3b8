import { isIP } from 'node:net';
import { z } from 'zod';
import { parseSecretRef, type SecretRef } from './secret-ref';

/** The AWS resources one environment's release touches (playbook names: `fixnado-${ENV}-...`). */
export type EnvironmentResources = {
  cluster: string;
  service: string;
  codedeployApplication: string;
  deploymentGroup: string;
  taskFamily: string;
  containerName: string;
  containerPort: number;
  ecrRepository: string;
  alarmNames: string[];
};

/** A Secrets Manager secret the release needs, with the JSON keys it must hold (values are never read out). */
export type SecretRequirement = { id: string; requiredKeys: string[] };

/** Gate thresholds: p95 latency in ms, error rate and error-budget use as fractions (0.01 = 1 %). */
export type Thresholds = { p95Ms: number; errorRate: number; errorBudget: number };

export type Integrations = {
  slack?: { webhookUrl: SecretRef };
  grafana?: { url: string; token: SecretRef };
  pagerduty?: { token: SecretRef };
};

/**
 * One release target, fully resolved (defaults applied, relative paths made absolute). `kind: 'sandbox'` is the
 * built-in environment backed by the embedded sandbox; its `endpoint` and URLs come from the running sandbox.
 */
export type Environment = {
  name: string;
  kind: 'aws' | 'sandbox';
  /** The config file it came from, or 'built-in'. */
  source: string;
  /** The AWS profile (SSO or otherwise) whose credentials Greenlight uses; undefined only for the sandbox. */
  profile: string | undefined;
  region: string;
  /** The account the profile must resolve to; Greenlight refuses to act in any other. */
  accountId: string;
  /** One endpoint for every AWS service (the sandbox, or a test double). Undefined = AWS's own endpoints. */
  endpoint: string | undefined;
  resources: EnvironmentResources;
  validationUrl: string;
  productionUrl: string;
  permittedCidrs: string[];
  secrets: SecretRequirement[];
  /** Root of the release vault; bundles go to `<vaultRoot>/<env>/<version>/`. */
  vaultRoot: string;
  thresholds: Thresholds;
  /** Postman collection for the smoke gate. */
  smokeCollection: string | undefined;
  /** k6 script for the load gate (used when k6 is installed); the built-in probe otherwise. */
  k6Script: string | undefined;
  integrations: Integrations;
};

export const defaultThresholds: Thresholds = { p95Ms: 450, errorRate: 0.01, errorBudget: 0.1 };

/** The playbook's naming patterns, filled for one environment name. */
export function defaultResources(env: string): EnvironmentResources {
  return {
    cluster: `fixnado-${env}-cluster`,
    service: `fixnado-${env}-app`,
    codedeployApplication: `fixnado-${env}-ecs`,
    deploymentGroup: `fixnado-${env}-ecs`,
    taskFamily: `fixnado-${env}-app`,
    containerName: 'app',
    containerPort: 8080,
    ecrRepository: 'fixnado/backend',
    alarmNames: [`fixnado-${env}-codedeploy-failures`, `fixnado-${env}-alb-5xx`],
  };
}

const refMessage =
  'expected a reference like env:NAME or keychain:service/account; a token must not be written in the config file';

/** A token field: only references are accepted, and the rejected value is never echoed back. */
const secretRefSchema = z
  .string({ error: refMessage })
  .refine((text) => parseSecretRef(text) !== undefined, { error: refMessage })
  .transform((text) => parseSecretRef(text) as SecretRef);

const name = (what: string) =>
  z
    .string({ error: `expected ${what} (a non-empty string)` })
    .trim()
    .min(1, { error: `expected ${what}` });

const httpUrl = (what: string) =>
  z.string({ error: `expected ${what} (an http:// or https:// URL)` }).refine(
    (text) => {
      try {
        const url = new URL(text);
        return url.protocol === 'http:' || url.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: `expected ${what} as an http:// or https:// URL` },
  );

function isCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  if (address === undefined || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix))
    return false;
  const family = isIP(address);
  const bits = Number(prefix);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

const fraction = (what: string) =>
  z
    .number({ error: `expected ${what} as a fraction between 0 and 1 (e.g. 0.01 for 1 %)` })
    .min(0, { error: `expected ${what} >= 0` })
    .max(1, { error: `expected ${what} <= 1 (a fraction, 0.01 = 1 %)` });

const resourcesSchema = z.strictObject({
  cluster: name('an ECS cluster name').optional(),
  service: name('an ECS service name').optional(),
  codedeployApplication: name('a CodeDeploy application name').optional(),
  deploymentGroup: name('a CodeDeploy deployment group name').optional(),
  taskFamily: name('a task definition family').optional(),
  containerName: name('the container name of the task definition').optional(),
  containerPort: z
    .number({ error: 'expected the container port (an integer 1-65535)' })
    .int({ error: 'expected an integer port' })
    .min(1, { error: 'expected a port 1-65535' })
    .max(65535, { error: 'expected a port 1-65535' })
    .optional(),
  ecrRepository: name('an ECR repository name, e.g. fixnado/backend').optional(),
  alarmNames: z
    .array(name('a CloudWatch alarm name'), { error: 'expected a list of CloudWatch alarm names' })
    .max(10, { error: 'a deployment group holds at most 10 alarms' })
    .optional(),
});

/** One environment as written in the file (before defaults). Unknown keys are refused so a typo is not ignored. */
export const environmentFileSchema = z.strictObject({
  profile: name('the AWS profile name (from ~/.aws/config)'),
  region: z
    .string({ error: 'expected an AWS region such as eu-west-2' })
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as eu-west-2' }),
  accountId: z
    .string({ error: "expected the 12-digit AWS account id, quoted (e.g. '123456789012')" })
    .regex(/^\d{12}$/, {
      error: "expected the 12-digit AWS account id, quoted (e.g. '123456789012')",
    }),
  endpoint: httpUrl('an AWS endpoint override').optional(),
  resources: resourcesSchema.optional(),
  validationUrl: httpUrl('the validation (test) listener URL'),
  productionUrl: httpUrl('the production listener URL'),
  permittedCidrs: z
    .array(
      z.string({ error: 'expected a CIDR such as 10.20.0.0/16' }).refine(isCidr, {
        error: 'expected a CIDR such as 10.20.0.0/16',
      }),
      { error: 'expected a list of CIDRs' },
    )
    .default([]),
  secrets: z
    .array(
      z.strictObject({
        id: name('a Secrets Manager secret id or ARN'),
        requiredKeys: z
          .array(name('a JSON key name'), { error: 'expected a list of JSON key names' })
          .default([]),
      }),
      { error: 'expected a list of {id, requiredKeys}' },
    )
    .default([{ id: 'app-config', requiredKeys: [] }]),
  vaultRoot: name('the release vault root directory').default('governance/release_vault'),
  thresholds: z
    .strictObject({
      p95Ms: z
        .number({ error: 'expected the p95 latency limit in milliseconds' })
        .positive({ error: 'expected a positive number of milliseconds' })
        .default(defaultThresholds.p95Ms),
      errorRate: fraction('the error-rate limit').default(defaultThresholds.errorRate),
      errorBudget: fraction('the error-budget limit').default(defaultThresholds.errorBudget),
    })
    .default(defaultThresholds),
  smokeCollection: name('the path of the Postman smoke collection').optional(),
  k6Script: name('the path of the k6 script').optional(),
  integrations: z
    .strictObject({
      slack: z.strictObject({ webhookUrl: secretRefSchema }).optional(),
      grafana: z
        .strictObject({ url: httpUrl('the Grafana URL'), token: secretRefSchema })
        .optional(),
      pagerduty: z.strictObject({ token: secretRefSchema }).optional(),
    })
    .default({}),
});

export type EnvironmentFileEntry = z.infer<typeof environmentFileSchema>;

/** The whole file: `environments: { <name>: {...} }`. */
export const environmentsFileSchema = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }).optional(),
  environments: z.record(
    z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, {
      error: 'expected an environment name of lowercase letters, digits and dashes (e.g. staging)',
    }),
    environmentFileSchema,
    { error: 'expected a map of environment name -> settings' },
  ),
});
