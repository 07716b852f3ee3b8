/** The named fault scenarios; switchable on a running sandbox (control endpoint or `setScenario`). */
export type ScenarioName =
  | 'happy'
  | 'smoke-fails'
  | 'slow-green'
  | 'alarm-rollback'
  | 'hook-fails'
  | 'ready-timeout'
  | 'throttling'
  | 'already-active'
  | 'vpn-down'
  | 'sso-expired';

export const scenarioNames: readonly ScenarioName[] = [
  'happy',
  'smoke-fails',
  'slow-green',
  'alarm-rollback',
  'hook-fails',
  'ready-timeout',
  'throttling',
  'already-active',
  'vpn-down',
  'sso-expired',
];

/** One line per scenario, shown by the CLI and the control endpoint. */
export const scenarioSummaries: Record<ScenarioName, string> = {
  happy: 'everything works: green is healthy, the deployment succeeds when approved',
  'smoke-fails': 'green answers 500 on GET /api/v1/bookings (the smoke collection fails)',
  'slow-green': 'green stalls ~650 ms every 1.5 s of wall time: median low, p95 well above 450 ms',
  'alarm-rollback':
    'fixnado-sandbox-alb-5xx goes ALARM 60 s (sandbox time) after traffic shifts: Stopped ALARM_ACTIVE + rollback',
  'hook-fails':
    'the AfterAllowTestTraffic hook fails: Failed HOOK_EXECUTION_FAILURE + automatic rollback',
  'ready-timeout':
    "the group's Ready wait is 1 minute instead of 20: unapproved deployments become Stopped",
  throttling: '3 AWS calls in 10 answer 400 ThrottlingException (never two in a row)',
  'already-active':
    "another operator's deployment is InProgress in the group (held in Install while this scenario is on)",
  'vpn-down': 'the validation listener refuses connections',
  'sso-expired':
    'AWS calls answer 400 ExpiredTokenException; the SSO portal answers 401 UnauthorizedException',
};

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (scenarioNames as readonly string[]).includes(value);
}
