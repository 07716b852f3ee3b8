import { useEffect } from 'react';
import { CopyButton } from '../../components/CopyButton';
import { selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';

/** The Slack summary and the email notice rendered by main from the run's evidence, to copy or send. */
export function CommunicationPanel() {
  const notice = useAppStore((s) => s.notice);
  const sendResult = useAppStore((s) => s.sendResult);
  const environment = useAppStore((s) => s.run?.environment);
  const isLoading = useAppStore(selectIsBusy('notice'));
  const isSending = useAppStore(selectIsBusy('send'));
  const loadNotice = useAppStore((s) => s.actions.loadNotice);
  const sendSlack = useAppStore((s) => s.actions.sendSlack);
  // The notice is rendered from the evidence so far: read it fresh whenever the panel opens.
  useEffect(() => {
    void loadNotice();
  }, [loadNotice]);

  if (notice === undefined) {
    return (
      <p className="empty">
        {isLoading ? 'Rendering the notices from the evidence…' : 'No notice rendered yet.'}
      </p>
    );
  }
  return (
    <div className="communication stack">
      <section className="stack" aria-labelledby="slack-heading">
        <header className="row between">
          <h2 id="slack-heading">Slack summary</h2>
          <span className="row">
            <CopyButton text={notice.slack} label="Copy Slack summary" />
            {notice.slackPostedAt !== undefined && (
              <span className="muted" aria-label="Slack status">
                Posted to Slack at {notice.slackPostedAt.slice(11, 19)}Z
              </span>
            )}
            {notice.isSlackConfigured ? (
              <button
                type="button"
                className={notice.slackPostedAt === undefined ? 'primary' : undefined}
                disabled={isSending}
                onClick={() => void sendSlack()}
              >
                {isSending
                  ? 'Sending…'
                  : notice.slackPostedAt === undefined
                    ? 'Send to Slack'
                    : 'Send again'}
              </button>
            ) : (
              <span className="muted">
                No Slack webhook configured for {environment}: copy and paste it.
              </span>
            )}
          </span>
        </header>
        <pre className="notice-text" aria-label="Slack summary text" tabIndex={0}>
          {notice.slack}
        </pre>
        {sendResult !== undefined && (
          <p
            className={sendResult.sent ? 'notice notice-ok' : 'notice notice-bad'}
            role="status"
            aria-label="Send result"
          >
            {sendResult.message}
          </p>
        )}
      </section>
      <section className="stack" aria-labelledby="email-heading">
        <header className="row between">
          <h2 id="email-heading">Email notice</h2>
          <span className="row">
            <button type="button" disabled={isLoading} onClick={() => void loadNotice()}>
              Refresh
            </button>
            <CopyButton text={notice.email} label="Copy email notice" />
          </span>
        </header>
        <p className="muted">Template: {notice.templateSource}</p>
        <pre className="notice-text" aria-label="Email notice text" tabIndex={0}>
          {notice.email}
        </pre>
      </section>
    </div>
  );
}
