import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isSemver } from '../../lib/semver';
import { selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';

/** The version to release: typed or picked from the ECR tags, checked against the same pattern main enforces. */
export function VersionForm({ environment }: { environment: string }) {
  const [version, setVersion] = useState('');
  const errorId = useId();
  const versions = useAppStore(useShallow((s) => s.environmentStatus[environment]?.versions ?? []));
  const currentVersion = useAppStore((s) => s.environmentStatus[environment]?.currentVersion);
  const isStarting = useAppStore(selectIsBusy('start'));
  const startRun = useAppStore((s) => s.actions.startRun);
  const trimmed = version.trim();
  const isValid = isSemver(trimmed);
  const showError = trimmed !== '' && !isValid;
  const isInEcr = versions.includes(trimmed);

  return (
    <section className="panel" aria-labelledby="start-version">
      <h2 id="start-version">Version to release</h2>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (isValid) void startRun(environment, trimmed);
        }}
      >
        <label className="field">
          <span>Semantic version, as tagged in ECR</span>
          <input
            aria-label="Version to release"
            aria-invalid={showError}
            aria-describedby={errorId}
            placeholder="1.5.1"
            value={version}
            onChange={(event) => setVersion(event.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </label>
        <p id={errorId} className={showError ? 'hint hint-error' : 'hint'}>
          {showError
            ? `"${trimmed}" is not a semantic version: expected MAJOR.MINOR.PATCH such as 1.5.1 or 2.0.0-rc.1.`
            : trimmed !== '' && versions.length > 0 && !isInEcr
              ? `${trimmed} is not among the ECR tags listed below; the image check will say whether it exists.`
              : currentVersion !== undefined
                ? `Running now on ${environment}: ${currentVersion}`
                : ' '}
        </p>
        {versions.length > 0 && (
          <div className="tags" role="group" aria-label="Versions in ECR">
            {versions.slice(0, 12).map((tag) => (
              <button
                type="button"
                key={tag}
                className={tag === trimmed ? 'tag tag-selected' : 'tag'}
                aria-pressed={tag === trimmed}
                aria-label={`Use version ${tag}`}
                onClick={() => setVersion(tag)}
              >
                {tag}
                {tag === currentVersion ? ' (running)' : ''}
              </button>
            ))}
          </div>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={!isValid || isStarting}>
            {isStarting ? 'Starting…' : `Start release${isValid ? ` of ${trimmed}` : ''}`}
          </button>
        </div>
      </form>
    </section>
  );
}
