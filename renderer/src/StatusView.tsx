import { useEffect, useState } from 'react';
import type { ApiClient } from '../../core/server/api-client.js';
import type { StackStatus } from '../../core/server/contract.js';

const number = new Intl.NumberFormat();
const fixed = (value: number | null | undefined, digits = 1) => (value == null ? '–' : value.toFixed(digits));

/** The stack's parts and live ingest figures, refreshed once a second. */
export function StatusView({ client }: { client: ApiClient }) {
  const [status, setStatus] = useState<StackStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const refresh = () =>
      client.status().then(
        (next) => !cancelled && (setStatus(next), setError(null)),
        (failure: Error) => !cancelled && setError(failure.message),
      );
    void refresh();
    const timer = setInterval(refresh, 1000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [client]);

  if (error) return <p role="alert">Cannot reach the workbench: {error}</p>;
  if (!status) return <p>Connecting…</p>;
  const { ingest, rates, latencyMs } = status.figures;
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '1rem 2rem' }}>
      <h1>Sensor Workbench</h1>
      <table>
        <tbody>
          {Object.entries(status.parts).map(([name, part]) => (
            <tr key={name}>
              <th style={{ textAlign: 'left', paddingRight: '1rem' }}>{name}</th>
              <td>{part.state}</td>
              <td>{part.address ?? ''}</td>
              <td>{part.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Ingest</h2>
      <dl>
        <dt>received / written / rejected</dt>
        <dd>
          {number.format(ingest.received)} / {number.format(ingest.written)} / {number.format(ingest.rejected)}
        </dd>
        <dt>readings/s in, written</dt>
        <dd>
          {fixed(rates?.receivedPerSec)} / {fixed(rates?.writtenPerSec)}
        </dd>
        <dt>buffered</dt>
        <dd>
          {number.format(ingest.buffered)} of {number.format(ingest.bufferLimit)} {ingest.bufferFull ? '(FULL)' : ''}
        </dd>
        <dt>publish→written latency p50 / p99 (ms)</dt>
        <dd>
          {fixed(latencyMs.p50, 2)} / {fixed(latencyMs.p99, 2)}
        </dd>
        <dt>MQTT clients</dt>
        <dd>{status.figures.mqttClients}</dd>
      </dl>
    </main>
  );
}
