import { useMemo } from 'react';
import type { PartStatus, StackStatus } from '../../../core/api/status.js';
import { ChartView, type ChartSeries } from '../Chart.js';
import { EmptyState, Figure, InlineError, Loading, PageHeader, StateBadge } from '../components.js';
import { useEmulatorControl, useLive, useMeterEmulatorControl, useWorkbench } from '../context.js';
import { formatClock, formatDuration, formatInt, formatMs, formatPercent, formatRate } from '../format.js';

const PARTS: Array<{ key: keyof StackStatus['parts']; name: string }> = [
  { key: 'redis', name: 'Redis' },
  { key: 'broker', name: 'MQTT broker' },
  { key: 'ingest', name: 'Ingest' },
  { key: 'emulator', name: 'Emulator' },
  { key: 'udp', name: 'UDP listener (meters)' },
  { key: 'meterEmulator', name: 'Meter emulator' },
  { key: 'archive', name: 'Archive' },
];

export const SERIES_COLORS = { received: '#3b82f6', written: '#16a34a', rejected: '#dc2626', meterWritten: '#f59e0b' };

/** The stack at a glance: its parts, throughput, buffer, latency, clients. */
export function OverviewPage() {
  const { status } = useLive();
  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Overview">The parts of the stack and what flows through them, live.</PageHeader>
      {status ? <OverviewBody status={status} /> : <Loading what="the stack's status" />}
    </section>
  );
}

function OverviewBody({ status }: { status: StackStatus }) {
  const { ingest, rates, latencyMs, mqttClients } = status.figures;
  const bufferShare = ingest.bufferLimit > 0 ? ingest.buffered / ingest.bufferLimit : 0;
  return (
    <>
      <PartsTable status={status} />

      <h2>Throughput</h2>
      <dl className="figures">
        <Figure label="Received /s" value={formatRate(rates?.receivedPerSec)} hint={`${formatInt(ingest.received)} in all`} testId="rate-received" />
        <Figure label="Written /s" value={formatRate(rates?.writtenPerSec)} hint={`${formatInt(ingest.written)} in all`} testId="rate-written" />
        <Figure
          label="Rejected /s"
          value={formatRate(rates?.rejectedPerSec)}
          hint={`${formatInt(ingest.rejected)} in all`}
          tone={(rates?.rejectedPerSec ?? 0) > 0 ? 'alert' : undefined}
          testId="rate-rejected"
        />
        <Figure
          label="Meter readings written /s"
          value={formatRate(rates?.meterWrittenPerSec)}
          hint={`${formatInt(ingest.meterReadingsWritten)} in all, ${formatInt(ingest.meterReadingsReceived)} received`}
          testId="rate-meter-written"
        />
        <Figure label="Redis commands /s" value={formatRate(rates?.redisCommandsPerSec)} />
      </dl>
      <ThroughputChart status={status} />

      <h2>Pipeline health</h2>
      <dl className="figures">
        <div className={`figure figure-wide${ingest.bufferFull ? ' figure-alarm' : ''}`} data-testid="buffer">
          <dt>Buffered readings</dt>
          <dd>
            {formatInt(ingest.buffered)} <span className="muted">of {formatInt(ingest.bufferLimit)}</span>
            {ingest.bufferFull && <strong className="alarm-text"> FULL — publishers held back</strong>}
          </dd>
          <dd className="meter-wrap">
            <meter
              className="meter"
              min={0}
              max={Math.max(1, ingest.bufferLimit)}
              value={ingest.buffered}
              high={ingest.bufferLimit * 0.8}
              optimum={0}
              aria-label="Buffer use"
            />
            <span className="figure-hint">
              {formatPercent(bufferShare)}
              {ingest.waitingPublishers > 0 && ` · ${formatInt(ingest.waitingPublishers)} publishers waiting`}
            </span>
          </dd>
        </div>
        <Figure
          label="Latency p50 publish→written"
          value={formatMs(latencyMs.p50)}
          hint={`${formatInt(latencyMs.samples)} samples, last ${formatInt(latencyMs.windowSeconds)} s`}
          testId="latency-p50"
        />
        <Figure label="Latency p99" value={formatMs(latencyMs.p99)} testId="latency-p99" />
        <Figure label="MQTT clients" value={formatInt(mqttClients)} testId="mqtt-clients" />
        <Figure label="Dropped" value={formatInt(ingest.dropped)} tone={ingest.dropped > 0 ? 'alert' : undefined} testId="dropped" />
        <Figure
          label="Write errors"
          value={formatInt(ingest.writeErrors)}
          tone={ingest.writeErrors > 0 ? 'alert' : undefined}
          hint={ingest.lastError ?? undefined}
          testId="write-errors"
        />
        <Figure
          label="Meter payloads rejected"
          value={formatInt(ingest.meterPayloadsRejected)}
          tone={ingest.meterPayloadsRejected > 0 ? 'alert' : undefined}
          hint="reasons on the Rejected page"
          testId="meter-rejected"
        />
        <Figure
          label="Meter datagrams dropped"
          value={formatInt(ingest.meterDatagramsDropped)}
          tone={ingest.meterDatagramsDropped > 0 ? 'alert' : undefined}
          hint="UDP cannot wait while the buffer is full"
          testId="meter-dropped"
        />
      </dl>
      <p className="muted small">
        Up {formatDuration(Date.now() - status.startedAt)}
        {status.readOnly && ' · read-only: nothing is written to Redis'}
      </p>
    </>
  );
}

function PartsTable({ status }: { status: StackStatus }) {
  const emulator = useEmulatorControl();
  const meterEmulator = useMeterEmulatorControl();
  return (
    <>
      <h2>Stack</h2>
      <div className="table-wrap">
        <table className="table" aria-label="Parts of the stack">
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">State</th>
              <th scope="col">Address</th>
              <th scope="col">Detail</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {PARTS.map(({ key, name }) => {
              const part: PartStatus = status.parts[key];
              return (
                <tr key={key} data-testid={`part-${key}`}>
                  <th scope="row">{name}</th>
                  <td>
                    <StateBadge state={part.state} />
                  </td>
                  <td>{part.address ? <code>{part.address}</code> : <span className="muted">—</span>}</td>
                  <td className="detail">{part.detail ?? ''}</td>
                  <td className="actions">
                    {key === 'emulator' && (
                      <StartStop
                        id="emulator-state"
                        what="emulator"
                        control={emulator}
                        running={status.emulator?.running ?? part.state === 'running'}
                        readOnly={status.readOnly}
                      />
                    )}
                    {key === 'meterEmulator' && (
                      <StartStop
                        id="meter-emulator-state"
                        what="meter emulator"
                        control={meterEmulator}
                        running={status.meterEmulator?.running ?? part.state === 'running'}
                        readOnly={status.readOnly}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {emulator.error && <InlineError>Emulator: {emulator.error}</InlineError>}
      {meterEmulator.error && <InlineError>Meter emulator: {meterEmulator.error}</InlineError>}
    </>
  );
}

/** Start and Stop with the stack's defaults; the emulator pages have the settings. */
function StartStop({
  id,
  what,
  control,
  running,
  readOnly,
}: {
  id: string;
  what: string;
  control: { send: (command: { action: 'start' | 'stop' }) => Promise<unknown>; pending: string | null };
  running: boolean;
  readOnly: boolean;
}) {
  return (
    <span className="button-row">
      <button
        type="button"
        className="button button-primary"
        disabled={readOnly || control.pending !== null}
        onClick={() => void control.send({ action: 'start' })}
        aria-describedby={id}
      >
        Start
      </button>
      <button type="button" className="button" disabled={control.pending !== null || !running} onClick={() => void control.send({ action: 'stop' })}>
        Stop
      </button>
      <span id={id} className="visually-hidden">
        {what} {running ? 'running' : 'stopped'}
      </span>
    </span>
  );
}

function ThroughputChart({ status }: { status: StackStatus }) {
  const { navigate } = useWorkbench();
  const history = status.figures.history;
  const { labels, series } = useMemo(() => {
    const series: ChartSeries[] = [
      { label: 'received /s', color: SERIES_COLORS.received, values: history.map((s) => s.receivedPerSec) },
      { label: 'written /s', color: SERIES_COLORS.written, values: history.map((s) => s.writtenPerSec) },
      { label: 'rejected /s', color: SERIES_COLORS.rejected, values: history.map((s) => s.rejectedPerSec) },
      { label: 'meter readings written /s', color: SERIES_COLORS.meterWritten, values: history.map((s) => s.meterWrittenPerSec) },
    ];
    return { labels: history.map((s) => formatClock(s.at)), series };
  }, [history]);
  const idle = history.length === 0 || history.every((s) => s.receivedPerSec === 0 && s.writtenPerSec === 0 && s.meterWrittenPerSec === 0);
  return (
    <div className="panel">
      <ChartView
        kind="line"
        labels={labels}
        series={series}
        label="Readings received, written and rejected, and meter readings written, per second over the last two minutes"
        yTitle="readings /s"
        testId="throughput-chart"
      />
      {idle && (
        <EmptyState title="No readings flowing yet.">
          Start the emulator here or on the{' '}
          <button type="button" className="link-button" onClick={() => navigate('emulator')}>
            Emulator page
          </button>
          , or publish to <code>temp_readings</code> on {status.parts.broker.address ?? 'the broker'}. For smart meters, see the{' '}
          <button type="button" className="link-button" onClick={() => navigate('meters')}>
            Meters page
          </button>
          .
        </EmptyState>
      )}
    </div>
  );
}
