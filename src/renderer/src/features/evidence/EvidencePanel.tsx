import { useEffect } from 'react';
import { formatTime, shortHash } from '../../lib/format';
import { selectChain } from '../../store';
import { useAppStore } from '../../store/context';
import { ExportPanel } from './ExportPanel';
import { JournalTimeline } from './JournalTimeline';

/** The run's evidence: chain status, export and verify, and the journal itself. */
export function EvidencePanel() {
  const chain = useAppStore(selectChain);
  const startedAt = useAppStore((s) => s.run?.startedAt);
  const isJournalLoaded = useAppStore(
    (s) => s.journal !== undefined && s.journal.runId === s.runId,
  );
  const loadJournal = useAppStore((s) => s.actions.loadJournal);
  // The journal is read when the evidence is first shown, not on every run opened: a resumed run with thousands of
  // entries shows its checklist without waiting for them.
  useEffect(() => {
    if (!isJournalLoaded) void loadJournal();
  }, [isJournalLoaded, loadJournal]);
  return (
    <div className="evidence stack">
      {chain !== undefined && (
        <div
          className={chain.ok ? 'notice notice-ok' : 'notice notice-bad'}
          role="status"
          aria-label="Journal chain"
          data-chain-ok={chain.ok ? 'true' : 'false'}
        >
          {chain.ok ? (
            <>
              <strong>Journal chain intact</strong> · {chain.entries.toLocaleString()} entries since{' '}
              {formatTime(startedAt)} · head{' '}
              <code title={chain.head}>{shortHash(chain.head, 16)}</code>
            </>
          ) : (
            <>
              <strong>Journal chain broken</strong>
              {chain.brokenAtSeq !== undefined && <> at entry #{chain.brokenAtSeq}</>}: an entry was
              changed or removed after it was written. Export and keep the bundle as it is; do not
              continue the release.
            </>
          )}
        </div>
      )}
      <ExportPanel />
      <JournalTimeline />
    </div>
  );
}
