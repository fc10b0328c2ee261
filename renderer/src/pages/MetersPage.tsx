import { useCallback, useState } from 'react';
import type { MeterList } from '../../../core/api/energy.js';
import type { PartStatus } from '../../../core/api/status.js';
import { Banner, Command, EmptyState, Loading, PageHeader } from '../components.js';
import { useLive, usePolling, useWorkbench } from '../context.js';
import { formatDateTime, formatInt, formatRelative, isoTime, meterDatagramCommand, udpTarget } from '../format.js';
import { EnergyPanel } from './meters/EnergyPanel.js';
import { METER_EMULATOR_FIELD_ID, MeterEmulatorPanel } from './meters/MeterEmulatorPanel.js';

const REFRESH_MS = 3000;
const METERS_SHOWN = 200;
/** The listener's port when the stack does not report one (config energy.udpPort). */
const DEFAULT_UDP_PORT = '41234';

/** The smart meters seen so far, one meter's energy across Redis and S3, and the meter emulator. */
export function MetersPage() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Meters">
        Smart meters that have sent readings (over UDP or MQTT), most recently seen first. Pick one to chart its energy: recent
        buckets come from Redis, archived ones from S3, merged into one series.
      </PageHeader>
      <Meters selected={selected} onSelect={setSelected} />
      {selected !== null && <EnergyPanel deviceId={selected} />}
      <MeterEmulatorPanel />
    </section>
  );
}

function Meters({ selected, onSelect }: { selected: string | null; onSelect: (deviceId: string) => void }) {
  const { client } = useWorkbench();
  const { status } = useLive();
  const fetchMeters = useCallback(() => client.meters(METERS_SHOWN), [client]);
  const { data, error, refresh } = usePolling(fetchMeters, REFRESH_MS);

  return (
    <div className="panel" role="region" aria-labelledby="meters-title">
      <div className="panel-title-row">
        <h2 id="meters-title">Smart meters</h2>
        <button type="button" className="button button-quiet" onClick={refresh} aria-label="Refresh meters">
          Refresh
        </button>
      </div>
      {error && (
        <Banner tone="error" title="Could not read the meters." onRetry={refresh}>
          {error}
        </Banner>
      )}
      {!data ? (
        !error && <Loading what="the meters" />
      ) : data.meters.length === 0 ? (
        <NoMeters udp={status?.parts.udp ?? null} />
      ) : (
        <MeterTable list={data} selected={selected} onSelect={onSelect} />
      )}
    </div>
  );
}

function MeterTable({ list, selected, onSelect }: { list: MeterList; selected: string | null; onSelect: (deviceId: string) => void }) {
  const now = Date.now();
  return (
    <>
      <p className="muted small">
        {list.total > list.meters.length ? `The ${formatInt(list.meters.length)} most recently seen of ${formatInt(list.total)} meters.` : `${formatInt(list.total)} meters.`}{' '}
        Refreshed every {REFRESH_MS / 1000} seconds.
      </p>
      <div className="table-wrap table-scroll">
        <table className="table" aria-label="Smart meters" data-testid="meters-table">
          <thead>
            <tr>
              <th scope="col">Meter</th>
              <th scope="col">Last seen</th>
              <th scope="col" className="num">
                Readings
              </th>
              <th scope="col">Transport</th>
              <th scope="col" className="num">
                Buckets in Redis
              </th>
              <th scope="col" className="num">
                Buckets archived
              </th>
            </tr>
          </thead>
          <tbody>
            {list.meters.map((meter) => (
              <tr key={meter.deviceId} data-testid="meter">
                <th scope="row">
                  <button type="button" className="device-button" aria-pressed={meter.deviceId === selected} onClick={() => onSelect(meter.deviceId)}>
                    {meter.deviceId}
                  </button>
                </th>
                <td className="nowrap">
                  <time dateTime={isoTime(meter.lastSeen)} title={formatDateTime(meter.lastSeen)}>
                    {formatRelative(meter.lastSeen, now)}
                  </time>
                </td>
                <td className="num">{formatInt(meter.readings)}</td>
                <td>{meter.transport ? meter.transport.toUpperCase() : <span className="muted">—</span>}</td>
                <td className="num">{formatInt(meter.buckets)}</td>
                <td className="num">{formatInt(meter.archivedBuckets)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** How to get a first meter: a datagram to the listener as it is now, or the emulator below. */
function NoMeters({ udp }: { udp: PartStatus | null }) {
  const target = udpTarget(udp?.address);
  const listening = udp?.state === 'running' && target !== null;
  return (
    <EmptyState title="No meters yet — start the meter emulator below, or send a reading yourself." testId="meters-empty">
      {listening ? (
        <p>
          Send one datagram to the UDP listener on <code>{udp?.address}</code>:
        </p>
      ) : (
        <p>
          The UDP listener is {udp ? udp.state : 'not reported'}
          {udp?.detail ? ` (${udp.detail})` : ''}; start the stack with meters on (<code>npm run serve -- --emulate meters</code>), then
          send a datagram to it:
        </p>
      )}
      <Command>{meterDatagramCommand(target ?? { host: '127.0.0.1', port: DEFAULT_UDP_PORT })}</Command>
      <p>
        Over MQTT, publish the readings array to <code>meters/&lt;deviceId&gt;/energy</code>. Or{' '}
        <button type="button" className="link-button" onClick={() => document.getElementById(METER_EMULATOR_FIELD_ID)?.focus()}>
          set up the meter emulator
        </button>{' '}
        and press Start.
      </p>
    </EmptyState>
  );
}
