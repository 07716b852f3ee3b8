import type { RunView, StepView } from '../../../shared/domain/run';

/**
 * The facts a Slack summary and an email notice are made of, taken from the run's evidence (its RunView, which is
 * derived from the journal) — never typed by hand, so a notice cannot claim what the evidence does not show.
 */
export type NoticeFacts = {
  runId: string;
  environment: string;
  version: string;
  outcome: string;
  outcomeWords: string;
  operator: string;
  deploymentId: string;
  image: string;
  imageDigest: string;
  taskDefinitionArn: string;
  startedAt: string;
  endedAt: string;
  approvedBy: string;
  approvedAt: string;
  smoke: string;
  load: string;
  productionCheck: string;
  overrides: string;
  customerImpact: string;
  evidencePath: string;
  runbookHash: string;
  rollback: string;
  /**
   * `SEQ:HASH` of the run's last journal entry when the notice was rendered. Posted to Slack it is a witness held
   * outside the bundle: `greenlight verify <bundle> --witness SEQ:HASH` fails if the journal was rewritten since.
   */
  witness: string;
  isRehearsal: boolean;
};

const none = '—';

function steps(view: RunView): StepView[] {
  return view.sections.flatMap((s) => s.steps);
}

function byOperation(view: RunView, id: string): StepView | undefined {
  return steps(view).find((s) => s.id === id);
}

const outcomeWords: Record<string, string> = {
  released: 'released and verified on production',
  'rolled-back': 'rolled back (production stayed on the previous release)',
  failed: 'failed (production stayed on the previous release)',
  stopped: 'stopped before any change',
  refused: 'refused (another deployment was active)',
  abandoned: 'abandoned',
};

/** Facts for the notices. `extra` carries what the view does not (digest, task definition) from step outputs. */
export function noticeFacts(
  view: RunView,
  extra: {
    imageUri?: string;
    imageDigest?: string;
    taskDefinitionArn?: string;
    evidencePath: string;
    /** The run's last journal entry at rendering time. */
    lastEntry?: { seq: number; hash: string };
  },
): NoticeFacts {
  const approve = byOperation(view, 'approve-traffic-shift');
  const production = byOperation(view, 'production-version');
  const overridden = steps(view).filter((s) => s.state === 'overridden');
  const outcome =
    view.outcome ??
    (byOperation(view, 'deployment-succeeded')?.state === 'passed' ? 'released' : 'in-progress');
  // The release deployment succeeded but a later step failed the run: production serves the new version.
  const isLive =
    outcome === 'released' || (outcome === 'failed' && view.deployment?.status === 'Succeeded');
  const smoke = view.smoke;
  const probe = view.probe;
  return {
    runId: view.id,
    environment: view.environment,
    version: view.version,
    outcome,
    outcomeWords:
      outcome === 'failed' && isLive
        ? 'released, but the run failed before it completed (production serves the new version)'
        : (outcomeWords[outcome] ?? outcome),
    operator: view.operator,
    deploymentId: view.deployment?.deploymentId ?? none,
    image: extra.imageUri ?? none,
    imageDigest: extra.imageDigest ?? none,
    taskDefinitionArn: extra.taskDefinitionArn ?? none,
    startedAt: view.startedAt,
    endedAt: view.endedAt ?? view.deployment?.completeTime ?? new Date().toISOString(),
    approvedBy: approve?.state === 'passed' ? (approve.decision?.actor ?? view.operator) : none,
    approvedAt: approve?.state === 'passed' ? (approve.endedAt ?? none) : none,
    smoke:
      smoke === undefined
        ? 'not run'
        : `${smoke.total - smoke.failed}/${smoke.total} requests passed${smoke.passed ? '' : ' (FAILED)'}`,
    load:
      probe === undefined
        ? 'not run'
        : `p95 ${probe.p95Ms.toFixed(0)} ms (limit ${probe.thresholdP95Ms}), errors ${(probe.errorRate * 100).toFixed(2)} % (limit ${(probe.thresholdErrorRate * 100).toFixed(2)} %) over ${probe.samples} requests${probe.passed ? '' : ' (FAILED)'}`,
    productionCheck: production?.summary ?? 'not run',
    overrides:
      overridden.length === 0
        ? ''
        : `- Overrides: ${overridden.map((s) => `${s.title} — "${s.decision?.reason ?? ''}" (${s.decision?.actor ?? ''})`).join('; ')}\n`,
    customerImpact: isLive
      ? 'none expected (zero-downtime cutover)'
      : 'none: traffic stayed on or returned to the previous release',
    evidencePath: extra.evidencePath,
    runbookHash: view.runbookHash,
    rollback:
      view.deployment?.rollback === undefined
        ? none
        : `${view.deployment.rollback.deploymentId} (${view.deployment.rollback.status ?? 'started'})`,
    witness:
      extra.lastEntry === undefined ? none : `${extra.lastEntry.seq}:${extra.lastEntry.hash}`,
    isRehearsal: view.isRehearsal,
  };
}

/** The #release-ops summary: deployment id, start and end times, validation evidence and where it is kept. */
export function renderSlack(f: NoticeFacts): string {
  const icon =
    f.outcome === 'released'
      ? ':white_check_mark:'
      : f.outcome === 'in-progress'
        ? ':hourglass:'
        : ':warning:';
  const lines = [
    `${icon} ${f.isRehearsal ? '[REHEARSAL] ' : ''}*Fixnado backend ${f.version}* → *${f.environment}*: ${f.outcomeWords}`,
    `• Deployment \`${f.deploymentId}\`, ${f.startedAt} → ${f.endedAt}`,
    `• Image ${f.image} (${f.imageDigest})`,
    `• Smoke: ${f.smoke}`,
    `• Load: ${f.load}`,
    `• Production: ${f.productionCheck}`,
  ];
  if (f.rollback !== none) lines.push(`• Rollback: ${f.rollback}`);
  if (f.overrides !== '') lines.push(`• ${f.overrides.replace(/^- /, '').trim()}`);
  lines.push(`• Approved by ${f.approvedBy}; operated by ${f.operator}`);
  lines.push(`• Evidence: ${f.evidencePath} (run ${f.runId})`);
  if (f.witness !== none) lines.push(`• Journal witness: \`${f.witness}\``);
  return lines.join('\n');
}

/**
 * Fills `{{name}}` placeholders of the notice template with the facts. A placeholder the facts do not have is left
 * visible as `{{name}}` (so a template typo shows up in the preview instead of vanishing), and reported.
 */
export function renderTemplate(
  template: string,
  f: NoticeFacts,
): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const values = f as unknown as Record<string, unknown>;
  const text = template.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (all, name: string) => {
    if (!Object.hasOwn(values, name)) {
      unknown.push(name);
      return all;
    }
    return String(values[name]);
  });
  const banner = f.isRehearsal ? '> REHEARSAL against the sandbox: nothing was released.\n\n' : '';
  return { text: banner + text, unknown };
}
