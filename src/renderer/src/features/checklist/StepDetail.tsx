import { useEffect, useRef, useState } from 'react';
import type { StepView } from '../../../../shared/domain/run';
import { ReasonDialog } from '../../components/ReasonDialog';
import { StateBadge } from '../../components/StateBadge';
import { formatDuration, formatTime } from '../../lib/format';
import { selectIsBusy, selectSelectedStep } from '../../store';
import { useAppStore } from '../../store/context';
import { AttestationForm } from './AttestationForm';

const kindLabels: Record<StepView['kind'], string> = {
  check: 'Check — Greenlight verifies and records how',
  action: 'Action — Greenlight changes the world (intent journaled before, outcome after)',
  gate: 'Gate — a measured threshold; a failure blocks what depends on it',
  attestation: 'Attestation — a human fact you confirm; your identity and the time are recorded',
};

/** One step: what it will do (the exact call), its live output, its evidence, and what you can do about it. */
export function StepDetail() {
  const step = useAppStore(selectSelectedStep);
  if (step === undefined) return <p className="empty">This runbook has no steps.</p>;
  return <StepDetailBody key={step.id} step={step} />;
}

function StepDetailBody({ step }: { step: StepView }) {
  const isRunning = useAppStore(selectIsBusy(`step:${step.id}`));
  const isOverriding = useAppStore(selectIsBusy('override'));
  const runStep = useAppStore((s) => s.actions.runStep);
  const cancelStep = useAppStore((s) => s.actions.cancelStep);
  const overrideStep = useAppStore((s) => s.actions.overrideStep);
  const openArtifact = useAppStore((s) => s.actions.openArtifact);
  const [isOverrideOpen, setOverrideOpen] = useState(false);
  const isBlocked = step.state === 'pending' && step.blockedReason !== undefined;
  const verb = step.state === 'failed' ? 'Retry' : 'Run';

  return (
    <article
      className="step-detail stack"
      aria-labelledby="step-detail-title"
      data-step-id={step.id}
      data-state={step.state}
    >
      <header className="row between">
        <div>
          <h2 id="step-detail-title">{step.title}</h2>
          <p className="muted">{kindLabels[step.kind]}</p>
        </div>
        <StateBadge step={step} />
      </header>

      {isBlocked && (
        <p className="notice notice-warn" role="note" aria-label="Blocked">
          <strong>Blocked:</strong> {step.blockedReason}
        </p>
      )}
      {step.summary !== undefined && (
        <p
          className={`notice ${step.state === 'failed' ? 'notice-bad' : 'notice-info'}`}
          aria-label="Result"
        >
          {step.summary}
        </p>
      )}

      {step.guidance !== '' && <p className="guidance">{step.guidance}</p>}

      {step.command !== undefined && (
        <div>
          <h3>What it {step.kind === 'attestation' ? 'asks for' : 'runs'}</h3>
          <pre className="command" aria-label="Command">
            {step.command}
          </pre>
        </div>
      )}

      <div className="row">
        {step.kind !== 'attestation' && (step.canRun || step.state === 'running') && (
          <button
            type="button"
            className="primary"
            disabled={!step.canRun || isRunning || step.state === 'running'}
            aria-label={`${verb} ${step.title}`}
            onClick={() => void runStep(step.id)}
          >
            {step.state === 'running' ? 'Running…' : verb}
          </button>
        )}
        {step.state === 'running' && (
          <button
            type="button"
            aria-label={`Cancel ${step.title}`}
            onClick={() => void cancelStep(step.id)}
          >
            Cancel
          </button>
        )}
        {step.canOverride && (
          <button
            type="button"
            className="warn"
            aria-label={`Override ${step.title}`}
            onClick={() => setOverrideOpen(true)}
          >
            Override…
          </button>
        )}
        {(step.startedAt !== undefined || step.endedAt !== undefined) && (
          <span className="muted">
            {step.startedAt !== undefined && `started ${formatTime(step.startedAt)}`}
            {step.endedAt !== undefined && ` · ended ${formatTime(step.endedAt)}`}
            {formatDuration(step.startedAt, step.endedAt) !== undefined &&
              ` · ${formatDuration(step.startedAt, step.endedAt)}`}
          </span>
        )}
      </div>

      {step.kind === 'attestation' && step.canAttest && <AttestationForm step={step} />}

      {step.decision !== undefined && (
        <div className="decision" aria-label="Decision">
          <h3>{step.state === 'overridden' ? 'Overridden' : 'Recorded'}</h3>
          <p>
            by <strong>{step.decision.actor}</strong> at{' '}
            <time dateTime={step.decision.at}>{formatTime(step.decision.at)}</time>
          </p>
          {step.decision.reason !== undefined && <p>Reason: {step.decision.reason}</p>}
          {step.decision.note !== undefined && <p>Note: {step.decision.note}</p>}
          {step.decision.link !== undefined && (
            <p>
              Link: <code>{step.decision.link}</code>
            </p>
          )}
        </div>
      )}

      <StepOutput lines={step.output} isLive={step.state === 'running'} />

      {step.evidence.length > 0 && (
        <div>
          <h3>Evidence</h3>
          <ul className="evidence-links" aria-label="Evidence">
            {step.evidence.map((link) => (
              <li key={`${link.seq}-${link.label}`}>
                {link.artifactSha256 !== undefined ? (
                  <button
                    type="button"
                    className="link-button"
                    aria-label={`Open ${link.artifactName ?? link.label}`}
                    onClick={() => void openArtifact(link.artifactSha256 ?? '')}
                  >
                    {link.label}
                    {link.artifactName !== undefined && link.artifactName !== link.label
                      ? ` (${link.artifactName})`
                      : ''}
                  </button>
                ) : (
                  <span>{link.label}</span>
                )}{' '}
                <span className="muted">journal #{link.seq}</span>
              </li>
            ))}
          </ul>
        </div>
      )}

      {isOverrideOpen && (
        <ReasonDialog
          title={`Override “${step.title}”`}
          description="The step stays failed in the record, marked as overridden with your reason, identity and time; what it blocked can then go ahead."
          confirmLabel="Override"
          isDanger
          isBusy={isOverriding}
          onConfirm={(reason) => overrideStep(step.id, reason)}
          onClose={() => setOverrideOpen(false)}
        />
      )}
    </article>
  );
}

/** The last attempt's output, following the end while the step runs unless the operator scrolled up. */
function StepOutput({ lines, isLive }: { lines: string[]; isLive: boolean }) {
  const ref = useRef<HTMLPreElement>(null);
  const isPinned = useRef(true);
  useEffect(() => {
    const element = ref.current;
    if (element !== null && isPinned.current) element.scrollTop = element.scrollHeight;
  }, [lines]);
  if (lines.length === 0 && !isLive) return null;
  return (
    <div>
      <h3>Output{isLive ? ' (live)' : ''}</h3>
      <pre
        ref={ref}
        className="output"
        role="log"
        aria-label="Output"
        aria-live={isLive ? 'polite' : 'off'}
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          isPinned.current = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
        }}
      >
        {lines.length === 0 ? 'waiting for output…' : lines.join('\n')}
      </pre>
    </div>
  );
}
