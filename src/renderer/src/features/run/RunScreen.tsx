import { useRef, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ArtifactViewer } from '../../components/ArtifactViewer';
import { ProgressBar } from '../../components/ProgressBar';
import { selectActiveProgress, type RunTab } from '../../store';
import { useAppStore } from '../../store/context';
import { Checklist } from '../checklist/Checklist';
import { StepDetail } from '../checklist/StepDetail';
import { CommunicationPanel } from '../communication/CommunicationPanel';
import { DeploymentPanel } from '../deployment/DeploymentPanel';
import { EvidencePanel } from '../evidence/EvidencePanel';
import { GatesPanel } from '../gates/GatesPanel';
import { RunBar } from './RunBar';

const tabs: { id: RunTab; label: string }[] = [
  { id: 'step', label: 'Step' },
  { id: 'deployment', label: 'Deployment' },
  { id: 'gates', label: 'Gates' },
  { id: 'evidence', label: 'Evidence' },
  { id: 'communication', label: 'Communication' },
];

/** A run: the checklist on the left, the selected step or a panel on the right, rollback always at hand. */
export function RunScreen() {
  const tab = useAppStore((s) => s.tab);
  const setTab = useAppStore((s) => s.actions.setTab);
  const deploymentStatus = useAppStore((s) => s.run?.deployment?.status);
  const gates = useAppStore(
    useShallow((s) => [s.run?.smoke?.passed, s.run?.probe?.passed] as const),
  );
  const progress = useAppStore(useShallow(selectActiveProgress));
  const tabRefs = useRef(new Map<RunTab, HTMLButtonElement>());

  const badgeFor = (id: RunTab): string | undefined => {
    if (id === 'deployment') return deploymentStatus;
    if (id === 'gates') {
      const known = gates.filter((passed) => passed !== undefined);
      if (known.length === 0) return undefined;
      return known.every(Boolean) ? 'passed' : 'failed';
    }
    return undefined;
  };

  const onTabKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((t) => t.id === tab);
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (delta === 0) return;
    event.preventDefault();
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (next === undefined) return;
    setTab(next.id);
    tabRefs.current.get(next.id)?.focus();
  };

  return (
    <div className="run-screen">
      <RunBar />
      {progress.length > 0 && (
        <div className="progress-strip" aria-label="Work in progress">
          {progress.map((item) => (
            <ProgressBar
              key={item.task}
              label={item.label ?? item.task}
              done={item.done}
              total={item.total}
            />
          ))}
        </div>
      )}
      <div className="run-body">
        <Checklist />
        <section className="detail">
          <div className="tabs" role="tablist" aria-label="Run views" onKeyDown={onTabKey}>
            {tabs.map((t) => {
              const badge = badgeFor(t.id);
              return (
                <button
                  key={t.id}
                  ref={(element) => {
                    if (element === null) tabRefs.current.delete(t.id);
                    else tabRefs.current.set(t.id, element);
                  }}
                  type="button"
                  role="tab"
                  id={`tab-${t.id}`}
                  aria-selected={tab === t.id}
                  aria-controls={tab === t.id ? `panel-${t.id}` : undefined}
                  tabIndex={tab === t.id ? 0 : -1}
                  className={tab === t.id ? 'tab tab-selected' : 'tab'}
                  onClick={() => setTab(t.id)}
                >
                  {t.label}
                  {badge !== undefined && (
                    <span className={`tab-badge tab-badge-${badge.toLowerCase()}`}> {badge}</span>
                  )}
                </button>
              );
            })}
          </div>
          <div
            className="tab-panel"
            role="tabpanel"
            id={`panel-${tab}`}
            aria-labelledby={`tab-${tab}`}
          >
            {tab === 'step' && <StepDetail />}
            {tab === 'deployment' && <DeploymentPanel />}
            {tab === 'gates' && <GatesPanel />}
            {tab === 'evidence' && <EvidencePanel />}
            {tab === 'communication' && <CommunicationPanel />}
          </div>
        </section>
      </div>
      <ArtifactViewer />
    </div>
  );
}
