import { useEffect, useEffectEvent, useRef, useState, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { StepView } from '../../../../shared/domain/run';
import { StateBadge, stepStateLabel } from '../../components/StateBadge';
import { selectNextStepId, selectSelectedStepId, selectSteps } from '../../store';
import { useAppStore } from '../../store/context';

const kindIcons: Record<StepView['kind'], string> = {
  check: '✓',
  action: '▶',
  gate: '◆',
  attestation: '✎',
};

function isTypingTarget(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) ||
      target.closest('dialog') !== null)
  );
}

/**
 * The runbook's sections in order, each step with its state and, when blocked, why. Arrow keys or j/k move
 * between steps (roving focus), Enter opens one; j/k work from anywhere outside a text field.
 */
export function Checklist() {
  const sections = useAppStore((s) => s.run?.sections);
  const steps = useAppStore(useShallow(selectSteps));
  const selectedId = useAppStore(selectSelectedStepId);
  const nextId = useAppStore(selectNextStepId);
  const selectStep = useAppStore((s) => s.actions.selectStep);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const [focusedId, setFocusedId] = useState<string | undefined>(undefined);
  const rovingId =
    focusedId !== undefined && steps.some((s) => s.id === focusedId) ? focusedId : selectedId;

  const move = (from: string | undefined, delta: number) => {
    if (steps.length === 0) return;
    const index = steps.findIndex((step) => step.id === from);
    const target = steps[Math.min(steps.length - 1, Math.max(0, index === -1 ? 0 : index + delta))];
    if (target === undefined) return;
    setFocusedId(target.id);
    buttons.current.get(target.id)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const current = (event.target as HTMLElement).dataset['stepId'] ?? rovingId;
    const deltas: Record<string, number> = {
      ArrowDown: 1,
      j: 1,
      ArrowUp: -1,
      k: -1,
      Home: -Infinity,
      End: Infinity,
    };
    const delta = deltas[event.key];
    if (delta === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    if (!Number.isFinite(delta)) move(delta < 0 ? steps[0]?.id : steps[steps.length - 1]?.id, 0);
    else move(current, delta);
  };

  // The next step stays in view as the run moves on (the list is longer than a laptop screen).
  useEffect(() => {
    if (nextId !== undefined) buttons.current.get(nextId)?.scrollIntoView({ block: 'nearest' });
  }, [nextId]);

  // j/k from anywhere on the page (outside text fields and dialogs) jump into the checklist.
  const onDocumentKey = useEffectEvent((event: globalThis.KeyboardEvent) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key !== 'j' && event.key !== 'k') return;
    if (isTypingTarget(event.target)) return;
    event.preventDefault();
    move(rovingId, event.key === 'j' ? 1 : -1);
  });
  useEffect(() => {
    const listener = (event: globalThis.KeyboardEvent) => onDocumentKey(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

  if (sections === undefined) return null;
  const numbers = new Map(steps.map((step, index) => [step.id, index + 1]));
  return (
    <nav
      className="checklist"
      aria-label="Checklist"
      onKeyDown={onKeyDown}
      data-checklist-ready="true"
    >
      {sections.map((section) => {
        const done = section.steps.filter((step) =>
          ['passed', 'overridden', 'attested', 'skipped'].includes(step.state),
        ).length;
        return (
          <section
            key={section.id}
            className="checklist-section"
            aria-labelledby={`section-${section.id}`}
          >
            <h3 id={`section-${section.id}`} className="section-title">
              <span>{section.title}</span>
              <span className="muted" aria-label={`${done} of ${section.steps.length} done`}>
                {done}/{section.steps.length}
              </span>
            </h3>
            <ol className="steps">
              {section.steps.map((step) => {
                const isNext = step.id === nextId;
                const isSelected = step.id === selectedId;
                const isBlocked = step.state === 'pending' && step.blockedReason !== undefined;
                return (
                  <li key={step.id}>
                    <button
                      type="button"
                      ref={(element) => {
                        if (element === null) buttons.current.delete(step.id);
                        else buttons.current.set(step.id, element);
                      }}
                      className={`step step-${step.state}${isNext ? ' step-next' : ''}${isSelected ? ' step-selected' : ''}${isBlocked ? ' step-blocked' : ''}`}
                      data-step-id={step.id}
                      data-state={step.state}
                      data-kind={step.kind}
                      data-next={isNext ? 'true' : undefined}
                      tabIndex={step.id === rovingId ? 0 : -1}
                      aria-current={isSelected ? 'true' : undefined}
                      aria-label={`${step.title} — ${stepStateLabel(step)}${isNext ? ', next step' : ''}`}
                      aria-describedby={isBlocked ? `blocked-${step.id}` : undefined}
                      onFocus={() => setFocusedId(step.id)}
                      onClick={() => selectStep(step.id)}
                    >
                      <span className="step-number" aria-hidden="true">
                        {numbers.get(step.id)}
                      </span>
                      <span className="step-kind" aria-hidden="true" title={step.kind}>
                        {kindIcons[step.kind]}
                      </span>
                      <span className="step-main">
                        <span className="step-title">
                          {step.title}
                          {isNext && <span className="next-marker">Next</span>}
                        </span>
                        {isBlocked && (
                          <span className="step-blocked-reason" id={`blocked-${step.id}`}>
                            {step.blockedReason}
                          </span>
                        )}
                        {!isBlocked && step.summary !== undefined && (
                          <span className="step-summary">{step.summary}</span>
                        )}
                      </span>
                      <StateBadge step={step} />
                    </button>
                  </li>
                );
              })}
            </ol>
          </section>
        );
      })}
    </nav>
  );
}
