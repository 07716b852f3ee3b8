import { formatBytes } from '../lib/format';
import { useAppStore } from '../store/context';
import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';

/** A stored artifact (JUnit XML, probe summary, AWS response) opened from a step or the journal. */
export function ArtifactViewer() {
  const artifact = useAppStore((s) => s.artifact);
  const close = useAppStore((s) => s.actions.closeArtifact);
  if (artifact === undefined) return null;
  return (
    <Dialog title={`Artifact ${artifact.name}`} onClose={close} isWide>
      <p className="muted">
        {artifact.mediaType} · {formatBytes(artifact.size)} · <code>sha256:{artifact.sha256}</code>
      </p>
      {artifact.text !== undefined ? (
        <>
          <div className="row end">
            <CopyButton text={artifact.text} label={`Copy ${artifact.name}`} />
          </div>
          <pre className="artifact-text" aria-label="Artifact content" tabIndex={0}>
            {artifact.text}
          </pre>
        </>
      ) : (
        <p>
          This artifact is binary or too large to show here; it is in the exported bundle under its
          SHA-256.
        </p>
      )}
    </Dialog>
  );
}
