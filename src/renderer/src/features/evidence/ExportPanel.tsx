import { useState } from 'react';
import { ProgressBar } from '../../components/ProgressBar';
import { CopyButton } from '../../components/CopyButton';
import { formatBytes } from '../../lib/format';
import { selectExportProgress, selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';

/** Writes the bundle to the release vault with main's progress, then verifies it offline. */
export function ExportPanel() {
  const isExporting = useAppStore(selectIsBusy('export'));
  const isVerifying = useAppStore(selectIsBusy('verify'));
  const progress = useAppStore(selectExportProgress);
  const result = useAppStore((s) => s.exportResult);
  const bundlePath = useAppStore((s) => s.run?.bundlePath);
  const verification = useAppStore((s) => s.verification);
  const exportBundle = useAppStore((s) => s.actions.exportBundle);
  const verifyBundle = useAppStore((s) => s.actions.verifyBundle);
  const [isZip, setZip] = useState(false);
  const path = result?.path ?? bundlePath;

  return (
    <section className="panel-inner stack" aria-labelledby="export-heading">
      <h2 id="export-heading">Evidence bundle</h2>
      <div className="row wrap">
        <button
          type="button"
          className="primary"
          disabled={isExporting}
          onClick={() => void exportBundle(isZip)}
        >
          {isExporting ? 'Exporting…' : 'Export to release vault'}
        </button>
        <label className="field-inline">
          <input
            type="checkbox"
            checked={isZip}
            onChange={(e) => setZip(e.target.checked)}
            aria-label="Also write a zip"
          />
          <span>Also write a zip</span>
        </label>
        <button
          type="button"
          disabled={path === undefined || isVerifying}
          onClick={() => path !== undefined && void verifyBundle(path)}
        >
          {isVerifying ? 'Verifying…' : 'Verify bundle'}
        </button>
      </div>
      {isExporting && (
        <ProgressBar
          label="Export progress"
          done={progress?.done ?? 0}
          total={progress?.total ?? 0}
          detail={progress?.label}
        />
      )}
      {result !== undefined && (
        <div className="notice notice-ok" role="status" aria-label="Export result">
          <div>
            Exported {result.files} files ({formatBytes(result.bytes)}) to{' '}
            <code aria-label="Bundle folder">{result.path}</code>{' '}
            <CopyButton text={result.path} label="Copy bundle folder path" />
          </div>
          {result.zipPath !== undefined && (
            <div>
              Zip: <code>{result.zipPath}</code>
            </div>
          )}
        </div>
      )}
      {result === undefined && bundlePath !== undefined && (
        <p className="muted">
          Last exported to <code>{bundlePath}</code>
        </p>
      )}
      {verification !== undefined && (
        <div
          className={verification.ok ? 'notice notice-ok' : 'notice notice-bad'}
          role="status"
          aria-label="Verification result"
          data-verified={verification.ok ? 'true' : 'false'}
        >
          <strong>{verification.ok ? 'Verified' : 'Verification failed'}</strong>:{' '}
          {verification.summary}
          {verification.problems.length > 0 && (
            <ul>
              {verification.problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
