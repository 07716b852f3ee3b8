import type { DeploymentSnapshot, TargetSnapshot } from '../aws/model';
import type { EvidenceLink, ProbeView, RunOutcome, SmokeView } from '../../../shared/domain/run';

/**
 * What the engine writes into the journal and how it is read back. A run's state is never stored anywhere else:
 * `foldJournal` turns the entries (in seq order) into `RunFacts`, and derive.ts turns facts + runbook into the
 * views. Restarting the app therefore simply replays the journal.
 */

/** The subset of a journal entry the fold reads (the evidence store's JournalEntry satisfies it). */
export type EntryLike = {
  seq: number;
  time: string;
  kind: string;
  stepId: string | null;
  actor: string;
  payload: unknown;
};

/** step-state `detail` written by the engine. */
export type StepStateDetail = {
  attempt?: number;
  summary?: string;
  /** Outputs other steps can template on (`steps.<id>.<field>`) and the views read. */
  data?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** Set on entries written by a rehearsal's automatic walk. */
  auto?: boolean;
};

/** Engine-written step states; `interrupted` and `cancelled` leave the step to be run again. */
export type RecordedStepState =
  'running' | 'passed' | 'failed' | 'skipped' | 'interrupted' | 'cancelled';

/** Observation subjects the engine writes. */
export const subjects = {
  settings: 'run-settings',
  life: 'engine-attached',
  deployment: 'deployment',
  rollbackRequested: 'rollback-requested',
  outcome: 'run-outcome',
  reconciled: 'reconciled',
} as const;

export type RunSettings = {
  rehearsal: boolean;
  timeScale: number;
  environmentKind: 'aws' | 'sandbox';
  runbookTitle: string;
  runbookSource: string;
};

export type EngineLife = { life: number; pid: number; host: string; reason: 'start' | 'resume' };

/** One watcher observation: AWS's view of a deployment, with both clocks at the moment it was taken. */
export type DeploymentObservation = {
  role: 'release' | 'rollback' | 'redeploy';
  deployment: DeploymentSnapshot;
  target: TargetSnapshot | undefined;
  /** AWS-side time (ms epoch; the sandbox's clock for the sandbox) when observed. */
  awsNow: number;
  /** Local wall-clock time (ms epoch) when observed. */
  wallNow: number;
  timeScale: number;
  /** AWS-side time at which the deployment was first seen Ready / with the termination wait started. */
  readySince?: number;
  terminationSince?: number;
};

export type StepFacts = {
  state: RecordedStepState | 'attested' | 'overridden' | undefined;
  /** The result before an override (an overridden step failed first). */
  attempt: number;
  startedAt: string | undefined;
  endedAt: string | undefined;
  summary: string | undefined;
  data: Record<string, unknown>;
  error: { code: string; message: string } | undefined;
  evidence: EvidenceLink[];
  decision:
    { actor: string; at: string; note?: string; link?: string; reason?: string } | undefined;
  /** Seq of the latest state change (for ordering). */
  seq: number;
};

export type PendingIntentFacts = {
  intentId: string;
  stepId: string | undefined;
  action: string;
  seq: number;
  time: string;
  request: unknown;
};

export type RunFacts = {
  runId: string;
  environment: string;
  version: string;
  runbook: { id: string; hash: string };
  operator: string;
  startedAt: string;
  settings: RunSettings;
  steps: Map<string, StepFacts>;
  /** The release deployment (and what CodeDeploy did with it), latest observation. */
  deployment: DeploymentObservation | undefined;
  /** The rollback deployment CodeDeploy created, latest observation. */
  rollback: DeploymentObservation | undefined;
  /** A redeploy of the last known good, latest observation. */
  redeploy: DeploymentObservation | undefined;
  /** The release deployment's id as soon as CreateDeployment answered (before any observation). */
  deploymentId: string | undefined;
  redeployId: string | undefined;
  pendingIntents: Map<string, PendingIntentFacts>;
  /** When each action was first intended in this run (CreateDeployment's reconcile window starts there). */
  firstIntent: Map<string, string>;
  /** Every intent, in order (so a test or an auditor can count CreateDeployment calls). */
  intents: PendingIntentFacts[];
  /** Every outcome, in order. */
  outcomes: {
    intentId: string;
    action: string;
    status: string;
    response: Record<string, unknown>;
    seq: number;
  }[];
  rollbackRequested: { reason: string; actor: string; at: string } | undefined;
  smoke: SmokeView | undefined;
  probe: ProbeView | undefined;
  outcome: { outcome: RunOutcome; summary: string; at: string } | undefined;
  finished: { at: string; outcome: string } | undefined;
  lives: EngineLife[];
  entries: number;
  lastSeq: number;
  firstTime: string;
  lastTime: string;
};

const emptyStep = (): StepFacts => ({
  state: undefined,
  attempt: 0,
  startedAt: undefined,
  endedAt: undefined,
  summary: undefined,
  data: {},
  error: undefined,
  evidence: [],
  decision: undefined,
  seq: 0,
});

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const defaultSettings: RunSettings = {
  rehearsal: false,
  timeScale: 1,
  environmentKind: 'aws',
  runbookTitle: '',
  runbookSource: '',
};

/** Maps the evidence store's coarse outcome (run-finished) to the console's, when no run-outcome was written. */
export function outcomeFromStore(outcome: string): RunOutcome {
  switch (outcome) {
    case 'succeeded':
      return 'released';
    case 'rolled-back':
      return 'rolled-back';
    case 'failed':
      return 'failed';
    default:
      return 'stopped';
  }
}

/** The evidence store's coarse outcome for one of ours. */
export function storeOutcome(
  outcome: RunOutcome,
): 'succeeded' | 'failed' | 'rolled-back' | 'cancelled' {
  switch (outcome) {
    case 'released':
      return 'succeeded';
    case 'rolled-back':
      return 'rolled-back';
    case 'failed':
      return 'failed';
    default:
      return 'cancelled';
  }
}

/** Folds a run's journal (oldest first) into facts. Pure; unknown kinds and subjects are ignored. */
export function foldJournal(runId: string, entries: readonly EntryLike[]): RunFacts {
  const first = entries[0];
  const created = record(first?.payload);
  const facts: RunFacts = {
    runId,
    environment: str(created['environment']) ?? '',
    version: str(created['version']) ?? '',
    runbook: {
      id: str(record(created['runbook'])['id']) ?? '',
      hash: str(record(created['runbook'])['hash']) ?? '',
    },
    operator: str(record(created['operator'])['name']) ?? first?.actor ?? '',
    startedAt: first?.time ?? '',
    settings: { ...defaultSettings },
    steps: new Map(),
    deployment: undefined,
    rollback: undefined,
    redeploy: undefined,
    deploymentId: undefined,
    redeployId: undefined,
    pendingIntents: new Map(),
    firstIntent: new Map(),
    intents: [],
    outcomes: [],
    rollbackRequested: undefined,
    smoke: undefined,
    probe: undefined,
    outcome: undefined,
    finished: undefined,
    lives: [],
    entries: entries.length,
    lastSeq: entries.at(-1)?.seq ?? 0,
    firstTime: first?.time ?? '',
    lastTime: entries.at(-1)?.time ?? '',
  };
  const step = (id: string): StepFacts => {
    let s = facts.steps.get(id);
    if (s === undefined) {
      s = emptyStep();
      facts.steps.set(id, s);
    }
    return s;
  };

  for (const entry of entries) {
    const payload = record(entry.payload);
    const stepId = entry.stepId ?? undefined;
    switch (entry.kind) {
      case 'run-created':
        break;
      case 'step-state': {
        if (stepId === undefined) break;
        const s = step(stepId);
        const state = str(payload['state']) as RecordedStepState | undefined;
        const detail = record(payload['detail']) as StepStateDetail;
        s.seq = entry.seq;
        if (state === 'running') {
          s.state = 'running';
          s.attempt = detail.attempt ?? s.attempt + 1;
          s.startedAt = entry.time;
          s.endedAt = undefined;
          s.summary = detail.summary;
          s.error = undefined;
          s.decision = undefined;
        } else if (state !== undefined) {
          s.state = state;
          s.endedAt = entry.time;
          s.startedAt ??= entry.time;
          s.summary = detail.summary ?? s.summary;
          s.error = detail.error;
          if (state === 'passed' || state === 'failed' || state === 'skipped') {
            s.data = { ...record(detail.data) };
            const view = record(detail.data);
            if (view['smoke'] !== undefined) facts.smoke = view['smoke'] as SmokeView;
            if (view['probe'] !== undefined) facts.probe = view['probe'] as ProbeView;
            if (typeof view['deploymentId'] === 'string' && stepId !== undefined) {
              if (view['role'] === 'redeploy') facts.redeployId = view['deploymentId'];
              else if (view['role'] === 'release') facts.deploymentId ??= view['deploymentId'];
            }
          }
        }
        break;
      }
      case 'attestation': {
        if (stepId === undefined) break;
        const s = step(stepId);
        s.state = 'attested';
        s.seq = entry.seq;
        s.endedAt = entry.time;
        s.startedAt ??= entry.time;
        const note = str(payload['note']);
        const link = str(payload['link']);
        s.decision = {
          actor: entry.actor,
          at: entry.time,
          ...(note === undefined ? {} : { note }),
          ...(link === undefined ? {} : { link }),
        };
        s.summary =
          payload['rehearsal'] === true
            ? 'Attested for the rehearsal (nothing real was confirmed).'
            : `Attested by ${entry.actor}.`;
        s.evidence.push({ label: 'attestation', seq: entry.seq });
        break;
      }
      case 'override': {
        if (stepId === undefined) break;
        const s = step(stepId);
        s.state = 'overridden';
        s.seq = entry.seq;
        const reason = str(payload['reason']) ?? '';
        s.decision = { actor: entry.actor, at: entry.time, reason };
        s.evidence.push({ label: 'override', seq: entry.seq });
        break;
      }
      case 'artifact':
      case 'attachment': {
        const name = str(payload['name']) ?? 'artifact';
        const sha = str(payload['sha256']);
        if (stepId !== undefined) {
          step(stepId).evidence.push({
            label: name,
            seq: entry.seq,
            ...(sha ? { artifactSha256: sha, artifactName: name } : {}),
          });
        }
        break;
      }
      case 'intent': {
        const intentId = str(payload['intentId']) ?? '';
        const intent: PendingIntentFacts = {
          intentId,
          stepId,
          action: str(payload['action']) ?? '',
          seq: entry.seq,
          time: entry.time,
          request: payload['request'],
        };
        facts.pendingIntents.set(intentId, intent);
        facts.intents.push(intent);
        if (!facts.firstIntent.has(intent.action)) facts.firstIntent.set(intent.action, entry.time);
        if (stepId !== undefined)
          step(stepId).evidence.push({
            label: `${str(payload['action']) ?? 'call'} (intent)`,
            seq: entry.seq,
          });
        break;
      }
      case 'outcome': {
        const intentId = str(payload['intentId']) ?? '';
        facts.pendingIntents.delete(intentId);
        facts.outcomes.push({
          intentId,
          action: str(payload['action']) ?? '',
          status: str(payload['status']) ?? '',
          response: record(payload['response']),
          seq: entry.seq,
        });
        if (stepId !== undefined) {
          step(stepId).evidence.push({
            label: `${str(payload['action']) ?? 'call'} (${str(payload['status']) ?? 'outcome'})`,
            seq: entry.seq,
          });
        }
        const response = record(payload['response']);
        if (payload['status'] === 'succeeded' && typeof response['deploymentId'] === 'string') {
          if (response['role'] === 'redeploy') facts.redeployId = response['deploymentId'];
          else if (response['role'] === 'release') facts.deploymentId ??= response['deploymentId'];
        }
        break;
      }
      case 'observation': {
        const subject = str(payload['subject']);
        const data = record(payload['data']);
        if (subject === subjects.settings) {
          facts.settings = { ...defaultSettings, ...(data as Partial<RunSettings>) };
        } else if (subject === subjects.life) {
          facts.lives.push(data as unknown as EngineLife);
        } else if (subject === subjects.deployment) {
          const obs = data as unknown as DeploymentObservation;
          if (obs.role === 'rollback') facts.rollback = obs;
          else if (obs.role === 'redeploy') facts.redeploy = obs;
          else {
            facts.deployment = obs;
            facts.deploymentId ??= obs.deployment.deploymentId;
          }
        } else if (subject === subjects.rollbackRequested) {
          facts.rollbackRequested ??= {
            reason: str(data['reason']) ?? '',
            actor: entry.actor,
            at: entry.time,
          };
        } else if (subject === subjects.outcome) {
          facts.outcome = {
            outcome: (str(data['outcome']) ?? 'stopped') as RunOutcome,
            summary: str(data['summary']) ?? '',
            at: entry.time,
          };
        }
        if (stepId !== undefined && subject !== subjects.deployment) {
          step(stepId).evidence.push({ label: subject ?? 'observation', seq: entry.seq });
        }
        break;
      }
      case 'run-finished': {
        const outcome = str(payload['outcome']) ?? 'cancelled';
        facts.finished = { at: entry.time, outcome };
        facts.outcome ??= {
          outcome: outcomeFromStore(outcome),
          summary: str(payload['summary']) ?? '',
          at: entry.time,
        };
        break;
      }
      default:
        break;
    }
  }
  return facts;
}
