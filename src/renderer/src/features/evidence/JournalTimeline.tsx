import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import type { JournalEntryView } from '../../../../shared/domain/run';
import { formatTime, shortHash } from '../../lib/format';
import { useAppStore } from '../../store/context';

const ROW_HEIGHT = 46;

/**
 * The journal as a timeline, virtualized: only the rows in view exist in the DOM, so a run with thousands of
 * entries scrolls as smoothly as one with ten.
 */
export function JournalTimeline() {
  const journal = useAppStore((s) => s.journal);
  const openArtifact = useAppStore((s) => s.actions.openArtifact);
  const [filter, setFilter] = useState('');
  const deferredFilter = useDeferredValue(filter.trim().toLowerCase());
  const entries = journal?.entries;
  const shown = useMemo(() => {
    if (entries === undefined) return [];
    if (deferredFilter === '') return entries;
    return entries.filter((entry) =>
      `${entry.kind} ${entry.summary} ${entry.actor} ${entry.stepId ?? ''}`
        .toLowerCase()
        .includes(deferredFilter),
    );
  }, [entries, deferredFilter]);
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  return (
    <section className="journal stack" aria-labelledby="journal-heading">
      <header className="row between">
        <h2 id="journal-heading">Journal</h2>
        <span className="muted" aria-label="Journal size">
          {journal === undefined
            ? 'not loaded'
            : `${journal.entries.length.toLocaleString()}${journal.isLoading ? ` of ${journal.total.toLocaleString()} (loading…)` : ''} entries`}
        </span>
      </header>
      <input
        type="search"
        aria-label="Filter journal"
        placeholder="Filter by kind, step, actor or text"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
      />
      <div
        ref={scrollRef}
        className="journal-scroll"
        tabIndex={0}
        role="list"
        aria-label="Journal entries"
        aria-rowcount={shown.length}
        data-journal-count={shown.length}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const entry = shown[item.index];
            if (entry === undefined) return null;
            return (
              <JournalRow
                key={entry.seq}
                entry={entry}
                top={item.start}
                position={item.index + 1}
                setSize={shown.length}
                onOpen={(sha) => void openArtifact(sha)}
              />
            );
          })}
        </div>
      </div>
    </section>
  );
}

function JournalRow({
  entry,
  top,
  position,
  setSize,
  onOpen,
}: {
  entry: JournalEntryView;
  top: number;
  position: number;
  setSize: number;
  onOpen: (sha256: string) => void;
}) {
  return (
    <div
      className={`journal-row journal-${entry.kind.split('.')[0] ?? 'entry'}`}
      role="listitem"
      aria-posinset={position}
      aria-setsize={setSize}
      data-seq={entry.seq}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
    >
      <span className="journal-seq">#{entry.seq}</span>
      <time className="journal-time" dateTime={entry.time}>
        {formatTime(entry.time)}
      </time>
      <span className="journal-main">
        <span className="journal-summary">{entry.summary}</span>
        <span className="journal-meta muted">
          <code>{entry.kind}</code>
          {entry.stepId !== undefined && <> · {entry.stepId}</>} · {entry.actor} ·{' '}
          <span title={entry.hash}>{shortHash(entry.hash, 10)}</span>
        </span>
      </span>
      <span className="journal-artifacts">
        {entry.artifactSha256s.map((sha) => (
          <button
            key={sha}
            type="button"
            className="link-button"
            aria-label={`Open artifact ${shortHash(sha, 12)} of entry ${entry.seq}`}
            onClick={() => onOpen(sha)}
          >
            artifact
          </button>
        ))}
      </span>
    </div>
  );
}
