import { useAppStore } from '../store/context';

/** Failed requests, each with its code and message, until the operator dismisses them. */
export function ErrorSurface() {
  const errors = useAppStore((s) => s.errors);
  const dismiss = useAppStore((s) => s.actions.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="errors" role="alert" aria-label="Errors">
      {errors.map((error, index) => (
        <div className="error" key={index}>
          <div>
            <strong>{error.request} failed</strong> <code>{error.code}</code>
            <p>{error.message}</p>
          </div>
          <button type="button" onClick={() => dismiss(index)} aria-label={`Dismiss error ${error.code}`}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
