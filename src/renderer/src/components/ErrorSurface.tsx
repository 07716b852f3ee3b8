import type { ShownError } from '../store';
import { useAppStore } from '../store/context';

/** What to do next, from what main told us about the failure. */
export function nextStepFor(error: ShownError): string {
  if (error.loginCommand !== undefined)
    return `Sign in with \`${error.loginCommand}\` in a terminal, then try again.`;
  if (error.code === 'disconnected')
    return 'Wait for the connection to come back (the header shows it), then try again.';
  if (error.code === 'not-available')
    return 'This part of the console is not available in this build.';
  if (error.code === 'invalid-input') return 'Correct the field named above and submit again.';
  if (error.isRetryable === true)
    return 'This is usually temporary: try the same action again in a moment.';
  if (error.awsCode !== undefined)
    return 'Fix the cause AWS names above, then retry the step; the journal keeps this attempt.';
  return 'Retry the action; if it fails the same way, export the evidence and ask for help with the code above.';
}

/**
 * Failed requests until the operator dismisses them: our message, AWS's own words verbatim (with the request id
 * support will ask for), the explanation main gave and the next thing to do.
 */
export function ErrorSurface() {
  const errors = useAppStore((s) => s.errors);
  const dismiss = useAppStore((s) => s.actions.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="errors" role="alert" aria-label="Errors">
      {errors.map((error) => (
        <div className="error" key={error.id} data-error-code={error.code}>
          <div className="error-body">
            <p className="error-title">
              <strong>{error.request} failed</strong> <code>{error.code}</code>
            </p>
            <p>{error.message}</p>
            {error.problems !== undefined && error.problems.length > 0 && (
              <ul className="problems">
                {error.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            )}
            {(error.awsCode !== undefined || error.awsMessage !== undefined) && (
              <p aria-label="AWS error">
                <span className="muted">AWS said: </span>
                {error.awsCode !== undefined && <code>{error.awsCode}</code>} {error.awsMessage}
                {error.requestId !== undefined && (
                  <span className="muted"> (request id {error.requestId})</span>
                )}
              </p>
            )}
            {error.explanation !== undefined && error.explanation !== error.message && (
              <p aria-label="Explanation">{error.explanation}</p>
            )}
            <p aria-label="Next step" className="error-next">
              <span className="muted">Next: </span>
              {nextStepFor(error)}
            </p>
          </div>
          <button
            type="button"
            onClick={() => dismiss(error.id)}
            aria-label={`Dismiss error ${error.code}`}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
