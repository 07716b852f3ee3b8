import { useAppStore } from '../../store/context';
import { selectIsBusy } from '../../store';

const identityLabels = {
  ok: 'Signed in',
  'sso-expired': 'SSO session expired',
  'sso-missing': 'Not signed in to SSO',
  'profile-missing': 'AWS profile not found',
  'account-mismatch': 'Wrong AWS account',
  error: 'Identity unknown',
} as const;

/** Who the operator is on this environment (STS), the SSO sign-in when needed, and whether the VPN is up. */
export function IdentityPanel({ environment }: { environment: string }) {
  const status = useAppStore((s) => s.environmentStatus[environment]);
  const loginMessage = useAppStore((s) => s.loginMessage);
  const isLoggingIn = useAppStore(selectIsBusy('login'));
  const login = useAppStore((s) => s.actions.login);
  const reload = useAppStore((s) => s.actions.loadEnvironmentStatus);

  if (status === undefined) {
    return (
      <p className="muted" role="status" aria-label="Identity">
        Checking identity and VPN for {environment}…
      </p>
    );
  }
  const { identity, vpn } = status;
  const isOk = identity.state === 'ok';
  return (
    <div className="identity stack">
      <div
        className={isOk ? 'check check-ok' : 'check check-bad'}
        role="status"
        aria-label="Identity"
      >
        <span className="check-mark" aria-hidden="true">
          {isOk ? '✓' : '!'}
        </span>
        <div>
          <strong>{identityLabels[identity.state]}</strong>
          {identity.arn !== undefined && (
            <div>
              <code>{identity.arn}</code>
            </div>
          )}
          {identity.accountId !== undefined && (
            <div className="muted">Account {identity.accountId}</div>
          )}
          {identity.message !== undefined && <div className="muted">{identity.message}</div>}
        </div>
      </div>
      {identity.loginCommand !== undefined && !isOk && (
        <div className="signin stack">
          <p>
            Sign in runs <code aria-label="Sign-in command">{identity.loginCommand}</code>; a
            browser window asks you to approve it.
          </p>
          <div className="row">
            <button
              type="button"
              className="primary"
              disabled={isLoggingIn}
              onClick={() => void login(environment)}
            >
              {isLoggingIn ? 'Starting sign-in…' : 'Sign in with AWS SSO'}
            </button>
            <button type="button" onClick={() => void reload(environment)}>
              Check again
            </button>
          </div>
          {loginMessage !== undefined && (
            <p role="status" aria-label="Sign-in result">
              {loginMessage}
            </p>
          )}
        </div>
      )}
      <div className={vpn.ok ? 'check check-ok' : 'check check-bad'} role="status" aria-label="VPN">
        <span className="check-mark" aria-hidden="true">
          {vpn.ok ? '✓' : '!'}
        </span>
        <div>
          <strong>{vpn.ok ? 'VPN connected' : 'VPN not connected'}</strong>
          <div className="muted">{vpn.message}</div>
        </div>
      </div>
    </div>
  );
}
