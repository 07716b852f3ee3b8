import type { StepKind } from '../../../shared/domain/run';
import type { OperationName, ThresholdName } from './operations';

/**
 * When a step belongs to the walk: `always` (the normal release path), `on-demand` (only when the operator or
 * the engine asks for it: a manual rollback), `after-rollback` (becomes due once the run rolled back or failed).
 */
export type StepWhen = 'always' | 'on-demand' | 'after-rollback';

export type ParamValue = string | number | boolean | string[];

export type RunbookStep = {
  id: string;
  section: string;
  title: string;
  kind: StepKind;
  /** What it runs (checks, actions, gates); attestations run nothing. */
  operation: OperationName | undefined;
  params: Record<string, ParamValue>;
  requires: string[];
  /** Numbers, or `${{ env.thresholds.* }}` templates resolved against the environment. */
  thresholds: Partial<Record<ThresholdName, number | string>>;
  /** What is kept as evidence, in words (shown next to the step and in the record). */
  evidence: string[];
  guidance: string;
  /** The exact command (AWS CLI shape) shown before the step runs; templated. */
  command: string | undefined;
  /** What an attestation confirms, in one sentence. */
  statement: string | undefined;
  when: StepWhen;
  /** An optional step may be skipped without blocking what follows (the integration it needs is not configured). */
  optional: boolean;
  /** Line in the runbook file (for messages). */
  line: number;
};

export type RunbookSection = { id: string; title: string };

export type Runbook = {
  id: string;
  title: string;
  sections: RunbookSection[];
  steps: RunbookStep[];
  /** `sha256:<hex>` of the file's bytes: recorded in the run, so the evidence names the exact runbook. */
  hash: string;
  /** The file it came from. */
  source: string;
};
