import { z } from 'zod';
import type { RequestName, EventName } from './contract-names';
import {
  BundleVerification,
  EnvironmentStatus,
  JournalEntryView,
  Notice,
  RunSummary,
  RunView,
} from './domain/run';

/**
 * The contract between the renderer and main, whatever carries it (Electron IPC or the browser host's WebSocket).
 * Every request is `<domain>.<verb>` with a zod input and output schema; every pushed event has a payload schema.
 * Main validates every input whichever transport it came by; a request answers with a `Result` (see result.ts).
 */

export const HostKind = z.enum(['electron', 'browser']);
export type HostKind = z.infer<typeof HostKind>;

export const EnvironmentSummary = z.object({
  name: z.string(),
  /** Where its AWS calls go: the embedded sandbox or a real account. */
  target: z.enum(['sandbox', 'aws']),
  region: z.string(),
  accountId: z.string().optional(),
});
export type EnvironmentSummary = z.infer<typeof EnvironmentSummary>;

export const AppInfo = z.object({
  product: z.literal('Greenlight'),
  version: z.string(),
  hostKind: HostKind,
  environments: z.array(EnvironmentSummary),
  /** Problems found while loading the environments file, shown to the operator instead of failing the launch. */
  configProblems: z.array(z.string()),
});
export type AppInfo = z.infer<typeof AppInfo>;

const NoInput = z.object({}).strict();

/** Semantic Versioning 2.0.0, as the ECR tags of a release are written (`1.5.1`, `2.0.0-rc.1`). */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/**
 * A release version, accepted exactly when the evidence store and the vault accept it (they name a vault folder
 * after it): the pattern, at most 128 characters, and major.minor.patch numbers JavaScript holds exactly.
 */
export const Version = z
  .string()
  .max(128, 'expected at most 128 characters')
  .regex(SEMVER_PATTERN, 'expected a semantic version such as 1.5.1')
  .refine(
    (value) => value.split(/[-+]/, 1)[0]!.split('.').every((n) => Number.isSafeInteger(Number(n))),
    'expected major, minor and patch numbers of at most 9007199254740991',
  );
const EnvironmentName = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected an environment name such as staging');
const RunId = z.string().min(1).max(64);
const StepId = z.string().min(1).max(100);
/** Overrides and rollbacks are read by auditors: a reason has to say something. */
const Reason = z.string().trim().min(10, 'expected a reason of at least 10 characters');
const RunRef = z.object({ runId: RunId }).strict();

export const Attachment = z.object({
  name: z.string().min(1).max(255),
  mediaType: z.string().max(100).optional(),
  /** The file's bytes, base64; main enforces the configured size limit. */
  contentBase64: z.string(),
});

export const requests = {
  /** Product, version, how the console is hosted and the environments it can release to. */
  'app.info': { input: NoInput, output: AppInfo },
  /** Identity (and SSO state), VPN state and the versions available in ECR for an environment. */
  'env.status': { input: z.object({ environment: EnvironmentName }).strict(), output: EnvironmentStatus },
  /** Runs `aws sso login --profile X` for the environment's profile where the AWS CLI exists. */
  'env.login': {
    input: z.object({ environment: EnvironmentName }).strict(),
    output: z.object({ started: z.boolean(), message: z.string() }),
  },
  /** Runs, unfinished ones first, for resuming. */
  'run.list': { input: NoInput, output: z.array(RunSummary) },
  /** Starts a run of the runbook for an environment and version. */
  'run.start': { input: z.object({ environment: EnvironmentName, version: Version }).strict(), output: RunView },
  'run.get': { input: RunRef, output: RunView },
  /** Runs (or retries) a check, action or gate step. Returns at once; progress arrives as run.updated events. */
  'run.step': { input: z.object({ runId: RunId, stepId: StepId }).strict(), output: RunView },
  /** Cancels a running step (probe, smoke, watch). */
  'run.cancel': { input: z.object({ runId: RunId, stepId: StepId }).strict(), output: RunView },
  /** Marks a failed gate or check as overridden, with the reason recorded. */
  'run.override': { input: z.object({ runId: RunId, stepId: StepId, reason: Reason }).strict(), output: RunView },
  /** Records a human fact with identity and time, and optionally a note, a link and a file. */
  'run.attest': {
    input: z
      .object({
        runId: RunId,
        stepId: StepId,
        note: z.string().max(4000).optional(),
        link: z.url({ protocol: /^https?$/ }).optional(),
        attachment: Attachment.optional(),
      })
      .strict(),
    output: RunView,
  },
  /** ContinueDeployment(READY_WAIT): shifts production traffic to green. */
  'run.approve': { input: z.object({ runId: RunId, overrideReason: Reason.optional() }).strict(), output: RunView },
  /** StopDeployment(autoRollbackEnabled), then follows the rollback deployment. */
  'run.rollback': { input: z.object({ runId: RunId, reason: Reason }).strict(), output: RunView },
  /** ContinueDeployment(TERMINATION_WAIT): removes the blue task set now. */
  'run.terminateBlue': { input: RunRef, output: RunView },
  /** Journal entries of a run, oldest first, for the evidence timeline. */
  'journal.list': {
    input: z
      .object({ runId: RunId, afterSeq: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(10000).optional() })
      .strict(),
    output: z.object({ entries: z.array(JournalEntryView), total: z.number() }),
  },
  /** A stored artifact, as text when it is text and small enough to show. */
  'artifact.get': {
    input: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex') }).strict(),
    output: z.object({ sha256: z.string(), name: z.string(), mediaType: z.string(), size: z.number(), text: z.string().optional() }),
  },
  /** Writes the evidence bundle to the release vault. Progress arrives as app.progress events. */
  'vault.export': {
    input: z.object({ runId: RunId, zip: z.boolean().optional() }).strict(),
    output: z.object({ path: z.string(), files: z.number(), bytes: z.number(), zipPath: z.string().optional() }),
  },
  /** Verifies a bundle folder or zip offline: every hash and the journal chain. */
  'vault.verify': { input: z.object({ path: z.string().min(1) }).strict(), output: BundleVerification },
  /** The Slack summary and the email notice rendered from the run's evidence. */
  'notify.preview': { input: RunRef, output: Notice },
  /** Posts the Slack summary where a webhook is configured; journaled either way. */
  'notify.send': { input: z.object({ runId: RunId, channel: z.literal('slack') }).strict(), output: z.object({ sent: z.boolean(), message: z.string() }) },
} as const satisfies Record<RequestName, { input: z.ZodType; output: z.ZodType }>;

export const events = {
  /** Main's view of a long task's progress (export, smoke run, probe): shown as a progress bar. */
  'app.progress': z.object({
    task: z.string(),
    done: z.number().nonnegative(),
    total: z.number().nonnegative(),
    label: z.string().optional(),
  }),
  /** A run changed: the whole snapshot (runs are small; the journal is streamed separately). */
  'run.updated': RunView,
  /** New journal entries of a run, as they are appended. */
  'journal.appended': z.object({ runId: z.string(), entries: z.array(JournalEntryView) }),
} as const satisfies Record<EventName, z.ZodType>;

export type Requests = typeof requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
/** What a handler receives: the input after parsing (defaults applied). */
export type ParsedInput<K extends RequestName> = z.infer<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.infer<Requests[K]['output']>;
export type EventPayload<K extends EventName> = z.infer<(typeof events)[K]>;
