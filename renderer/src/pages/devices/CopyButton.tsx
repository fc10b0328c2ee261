import { useState } from 'react';

/** Copies `text` to the clipboard and says whether it worked; where the clipboard is refused, the text is still there to select. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | null>(null);
  const copy = () => {
    const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
    if (!clipboard) {
      setOutcome('failed');
      return;
    }
    clipboard.writeText(text).then(
      () => setOutcome('copied'),
      () => setOutcome('failed'),
    );
  };
  return (
    <span className="button-row">
      <button type="button" className="button" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span role="status">{outcome === 'copied' ? 'Copied' : outcome === 'failed' ? 'Could not copy: select the text instead' : ''}</span>
    </span>
  );
}
