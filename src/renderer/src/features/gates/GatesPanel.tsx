import { selectProbe, selectSmoke } from '../../store';
import { useAppStore } from '../../store/context';
import { ProbeChart } from './ProbeChart';
import { SmokeTable } from './SmokeTable';

/** The measured gates on green: the smoke collection and the load probe. */
export function GatesPanel() {
  const smoke = useAppStore(selectSmoke);
  const probe = useAppStore(selectProbe);
  const openArtifact = useAppStore((s) => s.actions.openArtifact);
  return (
    <div className="gates stack">
      <section aria-labelledby="smoke-heading" className="stack">
        <header className="row between">
          <h2 id="smoke-heading">Smoke tests</h2>
          {smoke !== undefined && (
            <span className="row">
              <span
                className={smoke.passed ? 'verdict verdict-pass' : 'verdict verdict-fail'}
                aria-label="Smoke verdict"
              >
                {smoke.passed ? 'Passed' : 'Failed'} · {smoke.total - smoke.failed}/{smoke.total}{' '}
                requests passed
              </span>
              {smoke.artifactSha256 !== undefined && (
                <button type="button" onClick={() => void openArtifact(smoke.artifactSha256 ?? '')}>
                  Open JUnit report
                </button>
              )}
            </span>
          )}
        </header>
        {smoke === undefined ? (
          <p className="empty">The smoke collection has not run on green yet.</p>
        ) : (
          <SmokeTable />
        )}
      </section>
      <section aria-labelledby="probe-heading" className="stack">
        <header className="row between">
          <h2 id="probe-heading">Load probe</h2>
          {probe !== undefined && probe.artifactSha256 !== undefined && (
            <button type="button" onClick={() => void openArtifact(probe.artifactSha256 ?? '')}>
              Open probe summary
            </button>
          )}
        </header>
        {probe === undefined ? (
          <p className="empty">The load probe has not run on green yet.</p>
        ) : (
          <ProbeChart probe={probe} />
        )}
      </section>
    </div>
  );
}
