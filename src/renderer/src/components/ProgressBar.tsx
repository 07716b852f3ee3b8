type ProgressBarProps = { label: string; done: number; total: number; detail?: string };

/** Main's view of a long task (app.progress), as a native progressbar with its numbers readable. */
export function ProgressBar({ label, done, total, detail }: ProgressBarProps) {
  const isKnown = total > 0;
  const percent = isKnown ? Math.min(100, Math.round((done / total) * 100)) : undefined;
  const shown = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  return (
    <div className="progress">
      <div className="row between">
        <span>{label}</span>
        <span className="muted">
          {isKnown
            ? `${shown(done)} / ${shown(total)}${detail ? ` · ${detail}` : ''}`
            : (detail ?? 'working…')}
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={isKnown ? total : undefined}
        aria-valuenow={isKnown ? done : undefined}
        aria-valuetext={percent === undefined ? 'working' : `${percent} %`}
      >
        <div
          className={isKnown ? 'progress-fill' : 'progress-fill indeterminate'}
          style={{ width: `${percent ?? 30}%` }}
        />
      </div>
    </div>
  );
}
