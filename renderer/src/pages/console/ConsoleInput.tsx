import { useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';

/** The command line after a `<name>> ` prompt: Enter sends it, Up and Down walk the history as in redis-cli. */
export function ConsoleInput({
  prompt,
  history,
  onRun,
  inputRef,
}: {
  prompt: string;
  history: readonly string[];
  onRun: (line: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const [line, setLine] = useState('');
  /** The history line on show while walking it; null while on the line being typed. */
  const [recalled, setRecalled] = useState<number | null>(null);
  /** What was typed before Up, brought back by Down past the newest line. */
  const [typed, setTyped] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (line.trim() === '') return;
    onRun(line);
    setLine('');
    setTyped('');
    setRecalled(null);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowUp') {
      if (history.length === 0) return;
      event.preventDefault();
      if (recalled === null) setTyped(line);
      const index = recalled === null ? history.length - 1 : Math.max(0, recalled - 1);
      setRecalled(index);
      setLine(history[index]!);
    } else if (event.key === 'ArrowDown') {
      if (recalled === null) return;
      event.preventDefault();
      const index = recalled + 1;
      setRecalled(index < history.length ? index : null);
      setLine(index < history.length ? history[index]! : typed);
    }
  };

  return (
    <form className="console-input" onSubmit={submit}>
      <span className="console-prompt" aria-hidden="true">
        {prompt}&gt;
      </span>
      <input
        ref={inputRef}
        type="text"
        className="mono"
        aria-label={`Command to ${prompt}`}
        value={line}
        onChange={(event) => {
          // An edited line is a new one: Up starts again from the newest.
          setLine(event.target.value);
          setRecalled(null);
        }}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoComplete="off"
        autoCapitalize="off"
      />
    </form>
  );
}
