import { useState, type FormEvent } from 'react';
import type { EmulatorCommand, EmulatorStatus } from '../../../core/api/status.js';
import type { EmulatorPreset } from '../../../core/domain/emulator-preset.js';
import { EmptyState, Figure, InlineError, Loading, PageHeader, StateBadge } from '../components.js';
import { useEmulatorControl, useLive, useWorkbench } from '../context.js';
import { formatInt, formatPercent, formatRate } from '../format.js';

const PRESETS: Array<{ id: EmulatorPreset; name: string; description: string }> = [
  { id: 'document', name: 'Document cadence', description: '11 readings every 4 seconds, temperatures spread evenly over 1–110, as the source document’s emulator.' },
  { id: 'heat-wave', name: 'Heat wave', description: 'Most readings hot (above 85): fills the Warnings feed and climate:hot.' },
  { id: 'burst', name: 'Burst', description: 'High load, thousands of readings a second: watch the buffer, latency and the data model grow.' },
];

interface Draft {
  rate: string;
  devices: string;
  /** Percent, blank for the document's even spread. */
  hotShare: string;
}

function draftFrom(emulator: EmulatorStatus | null): Draft {
  return {
    rate: String(emulator?.rate ?? 2.75),
    devices: String(emulator?.devices ?? 5000),
    hotShare: emulator?.hotShare == null ? '' : String(Math.round(emulator.hotShare * 1000) / 10),
  };
}

/** The thermostat emulator: its status, start/stop, rate/devices/hot share, presets. */
export function EmulatorPage() {
  const { status } = useLive();
  const { navigate } = useWorkbench();
  const control = useEmulatorControl();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [applied, setApplied] = useState<string | null>(null);

  if (!status) {
    return (
      <section aria-labelledby="page-title" className="page">
        <PageHeader title="Emulator" />
        <Loading what="the emulator's status" />
      </section>
    );
  }

  const emulator = status.emulator;
  const running = emulator?.running ?? false;
  const readOnly = status.readOnly;
  // The emulators publish into the workbench's own stack, never into another connection's Redis.
  const elsewhere = !status.connection.builtIn;
  const shown = draft ?? draftFrom(emulator);
  const busy = control.pending !== null;

  const send = async (command: EmulatorCommand, done: string) => {
    setApplied(null);
    const result = await control.send(command);
    if (result) {
      setDraft(null);
      setApplied(done);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const rate = Number(shown.rate);
    const devices = Number(shown.devices);
    const hot = shown.hotShare.trim() === '' ? null : Number(shown.hotShare);
    if (!Number.isFinite(rate) || rate <= 0 || rate > 1_000_000) return setFormError('Rate is readings per second, above 0 and at most 1,000,000.');
    if (!Number.isInteger(devices) || devices < 1 || devices > 10_000_000) return setFormError('Devices is a whole number from 1 to 10,000,000.');
    if (hot !== null && (!Number.isFinite(hot) || hot < 0 || hot > 100)) return setFormError('Hot share is a percentage from 0 to 100, or blank.');
    setFormError(null);
    void send({ action: 'configure', rate, devices, hotShare: hot === null ? null : hot / 100 }, 'Settings applied.');
  };

  const edit = (field: keyof Draft) => (event: { target: { value: string } }) => setDraft({ ...shown, [field]: event.target.value });

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Emulator"
        actions={
          <span className="button-row">
            <button type="button" className="button button-primary" disabled={readOnly || elsewhere || busy || running} onClick={() => void send({ action: 'start' }, 'Started.')}>
              Start
            </button>
            <button type="button" className="button" disabled={busy || !running} onClick={() => void send({ action: 'stop' }, 'Stopped.')}>
              Stop
            </button>
          </span>
        }
      >
        Fake thermostats publishing to <code>temp_readings</code> on the bundled broker
        {status.parts.broker.address && (
          <>
            {' '}
            (<code>{status.parts.broker.address}</code>)
          </>
        )}
        , as the source document’s emulator does.
      </PageHeader>

      {elsewhere ? (
        <p className="notice" data-testid="emulator-elsewhere">
          The emulators write to the workbench&apos;s own Redis; switch to it on the{' '}
          <button type="button" className="link-button" onClick={() => navigate('connections')}>
            Connections page
          </button>
          .
        </p>
      ) : (
        readOnly && <p className="notice">Read-only mode: nothing is written to Redis, so the emulator cannot start.</p>
      )}
      {control.error && <InlineError>The emulator refused: {control.error}</InlineError>}
      {applied && !control.error && (
        <p className="small" role="status">
          {applied}
        </p>
      )}

      <h2>Status</h2>
      {emulator ? (
        <dl className="figures" data-testid="emulator-status">
          <Figure label="State" value={<StateBadge state={running ? 'running' : 'stopped'} />} testId="emulator-running" />
          <Figure label="Rate" value={`${formatRate(emulator.rate)} /s`} testId="emulator-rate" />
          <Figure label="Devices" value={formatInt(emulator.devices)} testId="emulator-devices" />
          <Figure label="Hot share" value={emulator.hotShare === null ? 'even 1–110' : formatPercent(emulator.hotShare)} />
          <Figure label="QoS" value={emulator.qos} />
          <Figure label="Published" value={formatInt(emulator.published)} testId="emulator-published" />
          <Figure label="Acknowledged" value={formatInt(emulator.acknowledged)} testId="emulator-acknowledged" />
          <Figure
            label="Throttled ticks"
            value={formatInt(emulator.throttledTicks)}
            hint="ticks that waited for the broker (backpressure)"
            tone={emulator.throttledTicks > 0 ? 'alert' : undefined}
            testId="emulator-throttled"
          />
        </dl>
      ) : (
        <EmptyState title="The emulator has not run yet." testId="emulator-empty">
          Press Start to run it with the settings below, or pick a preset. (<code>npm run serve -- --emulate thermostats</code> starts it
          with the stack.)
        </EmptyState>
      )}

      <div className="grid-2">
        <form className="panel form-grid" onSubmit={apply} aria-labelledby="settings-title" noValidate>
          <h2 id="settings-title">Settings</h2>
          <label>
            Rate (readings per second)
            <input type="number" min={0.01} step="any" value={shown.rate} onChange={edit('rate')} disabled={readOnly} />
          </label>
          <label>
            Devices (ids 1…n)
            <input type="number" min={1} step={1} value={shown.devices} onChange={edit('devices')} disabled={readOnly} />
          </label>
          <label>
            Hot share (%; blank for the document’s even spread)
            <input type="number" min={0} max={100} step="any" value={shown.hotShare} onChange={edit('hotShare')} disabled={readOnly} placeholder="even" />
          </label>
          {formError && <InlineError>{formError}</InlineError>}
          <div className="button-row">
            <button type="submit" className="button button-primary" disabled={readOnly || busy}>
              Apply
            </button>
            {draft && (
              <button type="button" className="button button-quiet" onClick={() => setDraft(null)}>
                Discard changes
              </button>
            )}
          </div>
          <p className="muted small">Applies while running; the new rate takes effect at once.</p>
        </form>

        <div className="panel" role="region" aria-labelledby="presets-title">
          <h2 id="presets-title">Presets</h2>
          <ul className="presets">
            {PRESETS.map((preset) => (
              <li key={preset.id}>
                <button
                  type="button"
                  className="button"
                  disabled={readOnly || busy}
                  onClick={() => void send({ action: 'configure', preset: preset.id }, `${preset.name} applied${running ? '.' : ': press Start to run it.'}`)}
                  aria-describedby={`preset-${preset.id}`}
                >
                  {preset.name}
                </button>
                <span id={`preset-${preset.id}`} className="muted small">
                  {preset.description}
                </span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
