import { useId, useState } from 'react';
import { Dialog } from './Dialog';

/** The contract refuses shorter reasons (src/shared/contract.ts `Reason`); saying so here saves a round trip. */
export const MIN_REASON_LENGTH = 10;

type ReasonDialogProps = {
  title: string;
  /** What will happen, in one or two sentences, so the confirmation is informed. */
  description: string;
  confirmLabel: string;
  isDanger?: boolean;
  isBusy: boolean;
  /** Resolves true when main accepted it; the dialog then closes. */
  onConfirm: (reason: string) => Promise<boolean>;
  onClose: () => void;
};

/** One confirmation that asks for a written reason: overrides and rollbacks are read by auditors. */
export function ReasonDialog({
  title,
  description,
  confirmLabel,
  isDanger,
  isBusy,
  onConfirm,
  onClose,
}: ReasonDialogProps) {
  const [reason, setReason] = useState('');
  const hintId = useId();
  const length = reason.trim().length;
  const isValid = length >= MIN_REASON_LENGTH;
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (!isValid) return;
          void onConfirm(reason.trim()).then((isAccepted) => {
            if (isAccepted) onClose();
          });
        }}
      >
        <p>{description}</p>
        <label className="field">
          <span>Reason</span>
          <textarea
            aria-label="Reason"
            aria-describedby={hintId}
            aria-invalid={reason !== '' && !isValid}
            rows={3}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            autoFocus
            required
          />
        </label>
        <p id={hintId} className={reason !== '' && !isValid ? 'hint hint-error' : 'hint'}>
          {isValid
            ? 'Recorded in the journal with your identity and the time.'
            : `A reason of at least ${MIN_REASON_LENGTH} characters is required (${length}/${MIN_REASON_LENGTH}).`}
        </p>
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={isDanger === true ? 'danger' : 'primary'}
            disabled={!isValid || isBusy}
          >
            {isBusy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
