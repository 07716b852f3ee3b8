import { useId, useState } from 'react';
import type { StepView } from '../../../../shared/domain/run';
import { readFileBase64 } from '../../lib/browser';
import { selectIsBusy } from '../../store';
import { useAppStore } from '../../store/context';

const isHttpUrl = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/** Confirms a human fact with an optional note, link and file; main records it with identity and time. */
export function AttestationForm({ step }: { step: StepView }) {
  const operator = useAppStore((s) => s.run?.operator);
  const isBusy = useAppStore(selectIsBusy('attest'));
  const attest = useAppStore((s) => s.actions.attest);
  const [note, setNote] = useState('');
  const [link, setLink] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const linkHintId = useId();
  const isLinkValid = link.trim() === '' || isHttpUrl(link.trim());

  return (
    <form
      className="attest stack"
      aria-label={`Attest ${step.title}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (!isLinkValid) return;
        void (async () => {
          const attachment =
            file === undefined
              ? undefined
              : {
                  name: file.name,
                  contentBase64: await readFileBase64(file),
                  ...(file.type ? { mediaType: file.type } : {}),
                };
          await attest(step.id, {
            ...(note.trim() !== '' ? { note: note.trim() } : {}),
            ...(link.trim() !== '' ? { link: link.trim() } : {}),
            ...(attachment !== undefined ? { attachment } : {}),
          });
        })();
      }}
    >
      <h3>Attest</h3>
      <label className="field">
        <span>Note</span>
        <textarea
          aria-label="Note"
          rows={2}
          maxLength={4000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Link (Slack message, ticket, page)</span>
        <input
          aria-label="Link"
          type="url"
          placeholder="https://"
          value={link}
          aria-invalid={!isLinkValid}
          aria-describedby={linkHintId}
          onChange={(e) => setLink(e.target.value)}
        />
      </label>
      {!isLinkValid && (
        <p id={linkHintId} className="hint hint-error">
          Expected an http or https address.
        </p>
      )}
      <label className="field">
        <span>Attach a file (screenshot, export)</span>
        <input
          aria-label="Attach file"
          type="file"
          onChange={(e) => setFile(e.target.files?.[0])}
        />
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={isBusy || !isLinkValid}>
          {isBusy ? 'Recording…' : 'Confirm and record'}
        </button>
        <span className="muted">Recorded as {operator ?? 'you'}, with the time.</span>
      </div>
    </form>
  );
}
