import { z } from 'zod';

/**
 * What a release run looks like from the outside: the snapshots main pushes to the renderer and the CLI prints.
 * The engine (src/main/core/runbook) derives them from the journal; nothing here decides anything.
 */

export const StepKind = z.enum(['check', 'action', 'gate', 'attestation']);
export type StepKind = z.infer<typeof StepKind>;

/** `pending` with a `blockedReason` is a blocked step; `ready` is runnable now. */
export const StepState = z.enum(['pending', 'ready', 'running', 'passed', 'failed', 'overridden', 'attested', 'skipped']);
export type StepState = z.infer<typeof StepState>;

export const EvidenceLink = z.object({
  label: z.string(),
  /** Journal entry that holds it. */
  seq: z.number().int(),
  /** Stored artifact, when the evidence is a file (JUnit XML, probe summary, AWS response). */
  artifactSha256: z.string().optional(),
  artifactName: z.string().optional(),
});
export type EvidenceLink = z.infer<typeof EvidenceLink>;

export const StepView = z.object({
  id: z.string(),
  sectionId: z.string(),
  title: z.string(),
  kind: StepKind,
  state: StepState,
  /** Why a pending step cannot run yet, in words ("waits for: Smoke tests on green"). */
  blockedReason: z.string().optional(),
  /** Operator guidance from the runbook (markdown-ish plain text). */
  guidance: z.string(),
  /** The exact AWS call or command this step runs or asks for, shown before it runs. */
  command: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** One line: what happened ("image 1.5.1 found: sha256:ab12…"). */
  summary: z.string().optional(),
  /** Live output lines of the last attempt (bounded). */
  output: z.array(z.string()),
  evidence: z.array(EvidenceLink),
  /** Who attested or overrode it, with the note or reason. */
  decision: z
    .object({ actor: z.string(), at: z.string(), note: z.string().optional(), link: z.string().optional(), reason: z.string().optional() })
    .optional(),
  canRun: z.boolean(),
  canOverride: z.boolean(),
  canAttest: z.boolean(),
});
export type StepView = z.infer<typeof StepView>;

export const SectionView = z.object({ id: z.string(), title: z.string(), steps: z.array(StepView) });
export type SectionView = z.infer<typeof SectionView>;

export const LifecycleEventView = z.object({
  name: z.string(),
  status: z.string(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
});

export const TaskSetView = z.object({
  label: z.string(),
  trafficWeight: z.number(),
  status: z.string(),
  desiredCount: z.number().optional(),
  runningCount: z.number().optional(),
});

export const CountdownView = z.object({
  /** What happens when it runs out, as AWS names it (STOP_DEPLOYMENT, CONTINUE_DEPLOYMENT, TERMINATE). */
  action: z.string(),
  minutes: z.number(),
  /** ISO time at which it runs out, once it has started; computed from AWS's own times. */
  deadline: z.string().optional(),
});

export const DeploymentView = z.object({
  deploymentId: z.string(),
  /** AWS's status verbatim; unknown values are shown as they come. */
  status: z.string(),
  creator: z.string().optional(),
  createTime: z.string().optional(),
  completeTime: z.string().optional(),
  lifecycleEvents: z.array(LifecycleEventView),
  taskSets: z.array(TaskSetView),
  readyWait: CountdownView.optional(),
  terminationWait: CountdownView.optional(),
  errorInformation: z.object({ code: z.string(), message: z.string() }).optional(),
  rollback: z.object({ deploymentId: z.string(), status: z.string().optional(), message: z.string().optional() }).optional(),
  /** Approve = ContinueDeployment(READY_WAIT): only while Ready and every gate passed or was overridden. */
  canApprove: z.boolean(),
  /** Why Approve is disabled, when it is. */
  approveBlockedReason: z.string().optional(),
  canRollback: z.boolean(),
  canTerminateBlue: z.boolean(),
  isActive: z.boolean(),
});
export type DeploymentView = z.infer<typeof DeploymentView>;

export const SmokeRequestView = z.object({
  name: z.string(),
  method: z.string(),
  url: z.string(),
  status: z.number().optional(),
  timeMs: z.number().optional(),
  failedAssertions: z.array(z.object({ name: z.string(), message: z.string() })),
});

export const SmokeView = z.object({
  passed: z.boolean(),
  total: z.number(),
  failed: z.number(),
  requests: z.array(SmokeRequestView),
  artifactSha256: z.string().optional(),
});
export type SmokeView = z.infer<typeof SmokeView>;

export const ProbeView = z.object({
  passed: z.boolean(),
  verdict: z.string(),
  samples: z.number(),
  errorRate: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  maxMs: z.number(),
  thresholdP95Ms: z.number(),
  thresholdErrorRate: z.number(),
  /** Latency histogram for the chart: upper bound of each bucket in ms and its count. */
  histogram: z.array(z.object({ upToMs: z.number(), count: z.number() })),
  artifactSha256: z.string().optional(),
});
export type ProbeView = z.infer<typeof ProbeView>;

export const RunOutcome = z.enum(['released', 'rolled-back', 'failed', 'stopped', 'refused', 'abandoned']);
export type RunOutcome = z.infer<typeof RunOutcome>;

export const Identity = z.object({
  state: z.enum(['ok', 'sso-expired', 'sso-missing', 'profile-missing', 'account-mismatch', 'error']),
  accountId: z.string().optional(),
  arn: z.string().optional(),
  /** The exact command that fixes a missing or expired SSO session. */
  loginCommand: z.string().optional(),
  message: z.string().optional(),
});
export type Identity = z.infer<typeof Identity>;

export const RunView = z.object({
  id: z.string(),
  environment: z.string(),
  version: z.string(),
  runbookId: z.string(),
  runbookHash: z.string(),
  operator: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: RunOutcome.optional(),
  /** A sentence for the header: where the run is and what is next. */
  headline: z.string(),
  sections: z.array(SectionView),
  nextStepId: z.string().optional(),
  deployment: DeploymentView.optional(),
  smoke: SmokeView.optional(),
  probe: ProbeView.optional(),
  chain: z.object({ ok: z.boolean(), entries: z.number(), head: z.string(), brokenAtSeq: z.number().optional() }),
  bundlePath: z.string().optional(),
  isRehearsal: z.boolean(),
});
export type RunView = z.infer<typeof RunView>;

export const RunSummary = z.object({
  id: z.string(),
  environment: z.string(),
  version: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: RunOutcome.optional(),
  headline: z.string(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const JournalEntryView = z.object({
  seq: z.number().int(),
  time: z.string(),
  kind: z.string(),
  stepId: z.string().optional(),
  actor: z.string(),
  /** One line for the timeline. */
  summary: z.string(),
  payload: z.unknown(),
  hash: z.string(),
  prevHash: z.string(),
  artifactSha256s: z.array(z.string()),
});
export type JournalEntryView = z.infer<typeof JournalEntryView>;

export const EnvironmentStatus = z.object({
  environment: z.string(),
  identity: Identity,
  vpn: z.object({ ok: z.boolean(), message: z.string() }),
  /** ECR tags that are semver, newest first. */
  versions: z.array(z.string()),
  currentVersion: z.string().optional(),
});
export type EnvironmentStatus = z.infer<typeof EnvironmentStatus>;

export const BundleVerification = z.object({
  ok: z.boolean(),
  summary: z.string(),
  problems: z.array(z.string()),
});
export type BundleVerification = z.infer<typeof BundleVerification>;

export const Notice = z.object({
  slack: z.string(),
  email: z.string(),
  isSlackConfigured: z.boolean(),
  /** When this run last posted the summary to Slack (its journaled outcome), so nobody posts it twice unawares. */
  slackPostedAt: z.string().optional(),
  /** Where the email template came from: the vault's governance/templates/deployment-notice.md or the default. */
  templateSource: z.string(),
});
export type Notice = z.infer<typeof Notice>;
