import { Command, EmptyState, PageHeader } from '../components.js';
import { useLive, useWorkbench } from '../context.js';
import { formatClockMs, formatDecimal, formatInt, isoTime, mosquittoFlags } from '../format.js';
import { WARNINGS_CAP } from '../live-store.js';

/** The Warnings pub/sub channel as it arrives: pausable, newest first, capped. */
export function WarningsPage() {
  const { store, navigate } = useWorkbench();
  const { warnings, warningsDropped, warningsPaused, warningsSkipped, status } = useLive();

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader
        title="Warnings"
        actions={
          <span className="button-row">
            <button
              type="button"
              className={`button${warningsPaused ? ' button-primary' : ''}`}
              aria-pressed={warningsPaused}
              onClick={() => store.setWarningsPaused(!warningsPaused)}
              data-testid="warnings-pause"
            >
              {warningsPaused ? 'Resume' : 'Pause'}
            </button>
            <button type="button" className="button button-quiet" onClick={() => store.clearWarnings()} disabled={warnings.length === 0}>
              Clear
            </button>
          </span>
        }
      >
        Every hot reading (temperature above 85) is published on the <code>Warnings</code> channel; they appear here as they arrive.
      </PageHeader>

      <p className="small" aria-live="polite">
        {warningsPaused ? (
          <strong>
            Paused: {formatInt(warningsSkipped)} {warningsSkipped === 1 ? 'warning' : 'warnings'} not shown since.
          </strong>
        ) : (
          <>Showing the newest {formatInt(warnings.length)} (at most {formatInt(WARNINGS_CAP)}).</>
        )}
      </p>
      {warningsDropped > 0 && (
        <p className="notice" data-testid="warnings-dropped">
          {formatInt(warningsDropped)} warnings were not sent to this page because more arrived in one interval than a live frame
          carries. Redis published them all.
        </p>
      )}

      {warnings.length === 0 ? (
        <EmptyState title="No warnings yet — they arrive for every hot reading (temperature above 85).">
          <p>
            Start the emulator with the heat-wave preset on the{' '}
            <button type="button" className="link-button" onClick={() => navigate('emulator')}>
              Emulator page
            </button>
            , or publish one:
          </p>
          <Command>
            {`mosquitto_pub ${mosquittoFlags(status?.parts.broker.address)} -t temp_readings -m '{"deviceId": 42, "temperature": 91, "deviceIP": "10.0.0.7", "humidity": 40}'`}
          </Command>
        </EmptyState>
      ) : (
        <div className="table-wrap table-scroll">
          <table className="table" aria-label="Warnings" data-testid="warnings-table">
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Device</th>
                <th scope="col" className="num">
                  Temperature
                </th>
                <th scope="col">Reading time</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {warnings.map((warning) => (
                <tr key={warning.key} data-testid="warning">
                  <td>
                    <time dateTime={isoTime(warning.receivedAt)}>{formatClockMs(warning.receivedAt)}</time>
                  </td>
                  <td data-testid="warning-device">{warning.deviceId}</td>
                  <td className="num hot" data-testid="warning-temperature">
                    {formatDecimal(warning.temperature)}
                  </td>
                  <td>{formatClockMs(warning.timestamp)}</td>
                  <td className="mono small">{warning.requestId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Command label="redis-cli">subscribe Warnings</Command>
    </section>
  );
}
