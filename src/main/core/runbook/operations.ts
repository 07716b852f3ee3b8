import type { StepKind } from '../../../shared/domain/run';

/**
 * The operations a runbook step may name, as data: which step kinds may use each one, which parameters it takes
 * (required or optional) and which thresholds it understands. The loader refuses anything else, so a typo in the
 * runbook file is an error with a line number, never a step that silently does nothing. The engine's executors
 * (executors.ts) implement exactly this list; a unit test holds the two equal.
 */
export type OperationSpec = {
  kinds: readonly StepKind[];
  required: readonly string[];
  optional: readonly string[];
  thresholds: readonly ThresholdName[];
  /** An integration the environment must configure; without it the step is skipped and says why. */
  integration?: 'slack' | 'grafana' | 'pagerduty';
  /**
   * A failed result may be overridden with a written reason (every gate; a few checks whose failure a person
   * can judge; the notices, whose failure must not hold a released deployment's run open forever). Facts AWS
   * enforces anyway (identity, one active deployment) cannot be overridden.
   */
  overridable?: boolean;
  /** Mutates the world: recorded as intent -> call -> outcome. */
  mutates: boolean;
  summary: string;
};

/** Every threshold a gate can carry, with the range the loader accepts. */
export const thresholdRanges = {
  p95Ms: {
    min: 0,
    max: 600_000,
    exclusiveMin: true,
    integer: false,
    what: 'a p95 latency in milliseconds (> 0)',
  },
  errorRate: {
    min: 0,
    max: 1,
    exclusiveMin: false,
    integer: false,
    what: 'a fraction between 0 and 1 (0.01 = 1 %)',
  },
  minSamples: {
    min: 1,
    max: 100_000_000,
    exclusiveMin: false,
    integer: true,
    what: 'a whole number of samples (>= 1)',
  },
  maxFailures: {
    min: 0,
    max: 10_000,
    exclusiveMin: false,
    integer: true,
    what: 'a whole number of failed requests (>= 0)',
  },
  errorBudget: {
    min: 0,
    max: 1,
    exclusiveMin: false,
    integer: false,
    what: 'a fraction between 0 and 1 (0.10 = 10 %)',
  },
} as const;
export type ThresholdName = keyof typeof thresholdRanges;
export const thresholdNames = Object.keys(thresholdRanges) as ThresholdName[];

const check = ['check'] as const;
const action = ['action'] as const;

export const operations = {
  'vpn.check': {
    kinds: check,
    required: ['permittedCidrs', 'validationUrl'],
    optional: [],
    thresholds: [],
    overridable: true,
    mutates: false,
    summary:
      'this machine has an address in the permitted CIDRs and the validation listener accepts connections',
  },
  'aws.identity': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    mutates: false,
    summary: "the profile's SSO session is valid and signed in to the environment's account",
  },
  'ecr.image': {
    kinds: check,
    required: ['repository', 'tag'],
    optional: [],
    thresholds: [],
    mutates: false,
    summary: 'ECR has the image tagged with the version (its digest is recorded)',
  },
  'secrets.keys': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    overridable: true,
    mutates: false,
    summary:
      "the task definition's secrets exist and hold their JSON keys (values are never read out)",
  },
  'cloudwatch.alarms': {
    kinds: check,
    required: ['alarmNames'],
    optional: [],
    thresholds: [],
    overridable: true,
    mutates: false,
    summary: 'no alarm of the deployment group is in ALARM',
  },
  'codedeploy.group': {
    kinds: check,
    required: ['application', 'deploymentGroup'],
    optional: [],
    thresholds: [],
    mutates: false,
    summary:
      'the deployment group is ECS blue/green; its ready and termination waits are read for the countdowns',
  },
  'codedeploy.no-active-deployment': {
    kinds: check,
    required: ['application', 'deploymentGroup'],
    optional: [],
    thresholds: [],
    mutates: false,
    summary: 'no other deployment is active in the group (CodeDeploy allows one at a time)',
  },
  'codedeploy.last-known-good': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    mutates: false,
    summary:
      "the group's last successful deployment and its task definition (still ACTIVE) are recorded",
  },
  'ecs.current-task-definition': {
    kinds: check,
    required: ['taskFamily', 'container'],
    optional: [],
    thresholds: [],
    mutates: false,
    summary: 'the current task definition and the image blue runs',
  },
  'ecs.register-task-definition': {
    kinds: action,
    required: ['taskFamily', 'container', 'image'],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: 'registers a revision that differs from the current one only in the container image',
  },
  'codedeploy.create-deployment': {
    kinds: action,
    required: ['application', 'deploymentGroup', 'taskDefinitionArn', 'description'],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: 'CreateDeployment with an AppSpecContent revision (never sent twice for one run)',
  },
  'codedeploy.await-ready': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    mutates: false,
    summary:
      'the deployment reaches Ready (green serves the validation listener; AfterAllowTestTraffic succeeded)',
  },
  'fleet.version': {
    kinds: check,
    required: ['url', 'version'],
    optional: [],
    thresholds: [],
    overridable: true,
    mutates: false,
    summary: 'GET /health/info on a listener serves the expected version',
  },
  'smoke.newman': {
    kinds: ['gate'],
    required: ['baseUrl'],
    optional: ['collection', 'delayRequestMs'],
    thresholds: ['maxFailures'],
    overridable: true,
    mutates: false,
    summary: 'the Postman smoke collection against the validation listener, with newman',
  },
  'probe.load': {
    kinds: ['gate'],
    required: ['url'],
    optional: ['ratePerSec', 'durationSec', 'k6Script'],
    thresholds: ['p95Ms', 'errorRate', 'minSamples'],
    overridable: true,
    mutates: false,
    summary:
      'open-loop load at a fixed arrival rate against the validation listener (k6 when installed)',
  },
  'codedeploy.approve': {
    kinds: action,
    required: [],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: 'ContinueDeployment(READY_WAIT): production traffic moves to green',
  },
  'codedeploy.await-traffic-shifted': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    mutates: false,
    summary:
      'production traffic is on green (AfterAllowTraffic succeeded, termination wait started)',
  },
  'codedeploy.await-succeeded': {
    kinds: check,
    required: [],
    optional: [],
    thresholds: [],
    mutates: false,
    summary: 'the deployment ends Succeeded after the termination wait (blue removed)',
  },
  'codedeploy.stop-with-rollback': {
    kinds: action,
    required: [],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: 'StopDeployment(autoRollbackEnabled) and follow the rollback deployment to its end',
  },
  'codedeploy.redeploy-last-known-good': {
    kinds: action,
    required: [],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: 'CreateDeployment of the last known good revision (from latest-success / the group)',
  },
  'vault.latest-success': {
    kinds: action,
    required: [],
    optional: [],
    thresholds: [],
    mutates: true,
    summary: "writes the environment's latest-success.json in the release vault",
  },
  'notify.slack': {
    kinds: action,
    required: ['channel'],
    optional: [],
    thresholds: [],
    // Slack refusing the webhook must not hold a released run open: the operator posts by hand and records why.
    overridable: true,
    mutates: true,
    summary: 'posts the deployment summary to Slack (journaled either way)',
  },
  'notify.email': {
    kinds: action,
    required: ['audience'],
    optional: [],
    thresholds: [],
    mutates: true,
    summary:
      'renders the email notice from the template and the run evidence (sent where configured)',
  },
  'grafana.annotate': {
    kinds: action,
    required: ['dashboard'],
    optional: [],
    thresholds: [],
    integration: 'grafana',
    // Grafana down or the token refused: production already serves the release; the operator annotates by hand
    // and records why.
    overridable: true,
    mutates: true,
    summary: 'annotates the Grafana dashboard with the deployment',
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof operations;
export const operationNames = Object.keys(operations) as OperationName[];

export function isOperationName(value: unknown): value is OperationName {
  return typeof value === 'string' && Object.hasOwn(operations, value);
}

export function operationSpec(name: OperationName): OperationSpec {
  return operations[name];
}
