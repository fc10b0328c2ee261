import { useState, type FormEvent } from 'react';
import type { MeterEmulatorCommand, MeterEmulatorStatus } from '../../../../core/api/energy.js';
import { Figure, InlineError, StateBadge } from '../../components.js';
import { useLive, useMeterEmulatorControl } from '../../context.js';
import { formatDateTime, formatInt, formatRate, formatSpan } from '../../format.js';

/** Emulated time per real time: a day is 86,400 s, so 2880 runs a day in 30 s. */
const SPEED_PRESETS: ReadonlyArray<{ label: string; speed: number }> = [
  { label: 'Real time', speed: 1 },
  { label: 'A day per 30 s', speed: 2880 },
  { label: 'A day per 5 s', speed: 17_280 },
];

type Transport = MeterEmulatorStatus['transport'];

/** The first field of the settings, for pages that point the user here. */
export const METER_EMULATOR_FIELD_ID = 'meter-emulator-meters';

/** Settings as typed; history is kept apart because the status does not report it. */
interface Draft {
  meters: string;
  speed: string;
  transport: Transport;
}

/** The stack's defaults (config emulator.meters, meterSpeed, meterTransport) until it reports its own. */
function draftFrom(status: MeterEmulatorStatus | null): Draft {
  return {
    meters: String(status?.meters ?? 20),
    speed: String(status?.speed ?? 1),
    transport: status?.transport ?? 'udp',
  };
}

/** Checks the settings against the stack's limits; a message, or the numbers. */
function parseSettings(draft: Draft, historyText: string): string | { meters: number; speed: number; historyDays: number } {
  const meters = Number(draft.meters);
  const speed = Number(draft.speed);
  const historyDays = Number(historyText);
  if (!Number.isInteger(meters) || meters < 1 || meters > 1_000_000) return 'Meters is a whole number from 1 to 1,000,000.';
  if (!Number.isFinite(speed) || speed < 1 || speed > 1_000_000) return 'Speed is from 1 (real time) to 1,000,000.';
  if (!Number.isFinite(historyDays) || historyDays < 0 || historyDays > 366) return 'History is from 0 to 366 days.';
  return { meters, speed, historyDays };
}

/** Start, stop and tune the emulated smart meters, with what they are doing now. */
export function MeterEmulatorPanel() {
  const { status } = useLive();
  const control = useMeterEmulatorControl();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [historyDays, setHistoryDays] = useState('0');
  const [formError, setFormError] = useState<string | null>(null);

  const emulator = status?.meterEmulator ?? null;
  const running = emulator?.running ?? false;
  const readOnly = status?.readOnly ?? false;
  const busy = control.pending !== null;
  const shown = draft ?? draftFrom(emulator);
  const edit = (field: keyof Draft) => (event: { target: { value: string } }) => setDraft({ ...shown, [field]: event.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseSettings(shown, historyDays);
    if (typeof parsed === 'string') return setFormError(parsed);
    setFormError(null);
    // History only means something at start: it sets where the emulated clock begins.
    const command: MeterEmulatorCommand = running
      ? { action: 'configure', meters: parsed.meters, speed: parsed.speed, transport: shown.transport }
      : { action: 'start', ...parsed, transport: shown.transport };
    if (await control.send(command)) setDraft(null);
  };

  return (
    <div className="panel" role="region" aria-labelledby="meter-emulator-title" data-testid="meter-emulator">
      <div className="panel-title-row">
        <h2 id="meter-emulator-title">Meter emulator</h2>
        <StateBadge state={running ? 'running' : 'stopped'} />
      </div>
      <p className="muted small">
        Emulated smart meters sending one reading per meter per interval of emulated time, as datagrams to the UDP listener or to
        <code>meters/&lt;deviceId&gt;/energy</code> over MQTT. With history, the emulated clock starts that many days ago and runs
        at the chosen speed until it reaches now, so past buckets fill (and go stale for the archive) in a demo: 7 days at a day
        per 5 s takes 35 s.
      </p>
      {readOnly && <p className="notice">Read-only mode: nothing is written to Redis, so the meter emulator cannot start.</p>}
      {control.error && <InlineError>The meter emulator refused: {control.error}</InlineError>}
      {emulator && <MeterEmulatorFigures emulator={emulator} />}

      <form className="form-grid" onSubmit={(event) => void submit(event)} aria-label="Meter emulator settings" noValidate>
        <div className="form-row">
          <label>
            Meters
            <input
              id={METER_EMULATOR_FIELD_ID}
              type="number"
              min={1}
              step={1}
              value={shown.meters}
              onChange={edit('meters')}
              disabled={readOnly}
              className="input-narrow"
            />
          </label>
          <label>
            Speed (× real time)
            <input type="number" min={1} step="any" value={shown.speed} onChange={edit('speed')} disabled={readOnly} className="input-narrow" />
          </label>
          <label>
            History (days)
            <input
              type="number"
              min={0}
              max={366}
              step="any"
              value={historyDays}
              onChange={(event) => setHistoryDays(event.target.value)}
              disabled={readOnly || running}
              className="input-narrow"
              aria-describedby="history-hint"
            />
          </label>
          <fieldset className="choice">
            <legend>Transport</legend>
            {(['udp', 'mqtt'] as const).map((transport) => (
              <label key={transport} className="choice-option">
                <input
                  type="radio"
                  name="meter-transport"
                  value={transport}
                  checked={shown.transport === transport}
                  onChange={() => setDraft({ ...shown, transport })}
                  disabled={readOnly}
                />
                {transport === 'udp' ? 'UDP' : 'MQTT'}
              </label>
            ))}
          </fieldset>
        </div>
        <p id="history-hint" className="muted small">
          History applies when the emulator starts.
        </p>
        <div className="button-row" role="group" aria-label="Speed presets">
          {SPEED_PRESETS.map((preset) => (
            <button
              key={preset.speed}
              type="button"
              className="button button-quiet"
              aria-pressed={Number(shown.speed) === preset.speed}
              disabled={readOnly}
              onClick={() => setDraft({ ...shown, speed: String(preset.speed) })}
            >
              {preset.label}
            </button>
          ))}
        </div>
        {formError && <InlineError>{formError}</InlineError>}
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={readOnly || busy}>
            {running ? 'Apply' : 'Start'}
          </button>
          <button type="button" className="button" disabled={busy || !running} onClick={() => void control.send({ action: 'stop' })}>
            Stop
          </button>
          {draft && (
            <button type="button" className="button button-quiet" onClick={() => setDraft(null)}>
              Discard changes
            </button>
          )}
        </div>
      </form>
    </div>
  );
}

function MeterEmulatorFigures({ emulator }: { emulator: MeterEmulatorStatus }) {
  return (
    <dl className="figures" data-testid="meter-emulator-status">
      <Figure label="Sent" value={formatInt(emulator.sent)} hint="readings" testId="meter-emulator-sent" />
      <Figure label="Rate" value={`${formatRate(emulator.ratePerSec)} /s`} testId="meter-emulator-rate" />
      <Figure
        label="Emulated clock"
        value={formatDateTime(emulator.emulatedNow)}
        hint={emulator.caughtUp ? 'caught up: real time' : `×${formatInt(emulator.speed)}, ${formatSpan((Date.now() - emulator.emulatedNow) / 1000)} behind`}
        testId="meter-emulator-clock"
      />
      <Figure label="Caught up" value={emulator.caughtUp ? 'yes' : 'no'} testId="meter-emulator-caught-up" />
      <Figure
        label="Meters"
        value={formatInt(emulator.meters)}
        hint={`one reading each per ${formatSpan(emulator.intervalSeconds)}, over ${emulator.transport.toUpperCase()}`}
      />
      <Figure
        label="Send errors"
        value={formatInt(emulator.sendErrors)}
        tone={emulator.sendErrors > 0 ? 'alert' : undefined}
        hint={emulator.lastError ?? undefined}
        testId="meter-emulator-errors"
      />
    </dl>
  );
}
