import { useState } from 'react';
import { copyText } from '../lib/browser';

/** Copies text and says so (or says it could not). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [outcome, setOutcome] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      aria-label={label}
      onClick={() =>
        void copyText(text).then((isCopied) => setOutcome(isCopied ? 'copied' : 'failed'))
      }
    >
      {outcome === 'copied'
        ? 'Copied'
        : outcome === 'failed'
          ? 'Copy failed — select the text'
          : 'Copy'}
    </button>
  );
}
