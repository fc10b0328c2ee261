import { useMemo, useState, type FormEvent } from 'react';
import type { EnergyBucketRead, EnergySeries } from '../../../../core/api/energy.js';
import { ChartView, type ChartSeries, type NumericAxis } from '../../Chart.js';
import type { ChartBand } from '../../chart-bands.js';
import { Banner, EmptyState, Figure, InlineError, Loading } from '../../components.js';
import { useFetch, useWorkbench } from '../../context.js';
import { SOURCE_ORDER, SOURCE_STYLES, chartColumns, energyInterval, sourceRuns, type SourceRun } from '../../energy.js';
import { formatBucketStart, formatDateTime, formatEnergy, formatInt, formatMs, formatSpan, fromIsoInput, toIsoInput } from '../../format.js';
import { timeAxis } from '../../time-axis.js';
import { ExportControl } from '../export/ExportControl.js';
import { NewestReadings } from './NewestReadings.js';

const DAY = 86_400;

const RANGE_PRESETS = [
  { id: '24h', label: 'Last 24 h', seconds: DAY },
  { id: '7d', label: 'Last 7 days', seconds: 7 * DAY },
  { id: '30d', label: 'Last 30 days', seconds: 30 * DAY },
] as const;

type RangePreset = (typeof RANGE_PRESETS)[number];

/** A preset ends now whenever it is asked for (a new meter, Refresh); a typed range (Unix seconds) stays put. */
type Range = { preset: RangePreset } | { preset: null; from: number; to: number };

function resolveRange(range: Range): { from: number; to: number } {
  if (range.preset === null) return range;
  const to = Math.floor(Date.now() / 1000);
  return { from: to - range.preset.seconds, to };
}

const LINE_COLORS = { import: '#3b82f6', export: '#16a34a', net: '#8b5cf6' };
/** Hex alpha of the source bands: faint enough for the lines and grid to read through. */
const BAND_ALPHA = '38';

/** One meter's energy over a range: chart, where each bucket came from, figures, newest readings. */
export function EnergyPanel({ deviceId }: { deviceId: string }) {
  const { client } = useWorkbench();
  const [range, setRange] = useState<Range>({ preset: RANGE_PRESETS[0] });
  const fetchSeries = useMemo(
    () => () => {
      const { from, to } = resolveRange(range);
      return client.meterEnergy(deviceId, from, to, energyInterval(to - from));
    },
    [client, deviceId, range],
  );
  const energy = useFetch(fetchSeries);

  return (
    <div className="panel" role="region" aria-labelledby="energy-title" data-testid="energy">
      <div className="panel-title-row">
        <h2 id="energy-title">Energy of {deviceId}</h2>
        <span className="button-row">
          <button type="button" className="button button-quiet" onClick={energy.retry} disabled={energy.loading} aria-label="Refresh energy">
            Refresh
          </button>
          <ExportControl
            view="meter-energy"
            query={energy.data && { deviceId, from: energy.data.from, to: energy.data.to, interval: energy.data.intervalSeconds }}
            what={`the energy of ${deviceId} per interval, as charted`}
          />
        </span>
      </div>
      <RangePicker range={range} onChange={setRange} />
      {energy.error ? (
        <Banner tone="error" title={`Could not read the energy of ${deviceId}.`} onRetry={energy.retry}>
          {energy.error}
        </Banner>
      ) : !energy.data ? (
        <Loading what={`the energy of ${deviceId}`} />
      ) : (
        <div aria-busy={energy.loading}>
          <EnergyView series={energy.data} />
        </div>
      )}
    </div>
  );
}

function RangePicker({ range, onChange }: { range: Range; onChange: (range: Range) => void }) {
  // Typed but not yet shown text; the inputs show the range itself otherwise.
  const [draft, setDraft] = useState<{ from: string; to: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const resolved = resolveRange(range);
  const shown = draft ?? { from: toIsoInput(resolved.from * 1000), to: toIsoInput(resolved.to * 1000) };

  const pick = (preset: RangePreset) => {
    setDraft(null);
    setError(null);
    onChange({ preset });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const from = fromIsoInput(shown.from);
    const to = fromIsoInput(shown.to);
    if (from === null || to === null) return setError('Enter both times as YYYY-MM-DD HH:MM (24-hour, local time).');
    if (from >= to) return setError('"From" must be before "To".');
    setDraft(null);
    setError(null);
    onChange({ preset: null, from: Math.floor(from / 1000), to: Math.floor(to / 1000) });
  };

  return (
    <form className="form-row" onSubmit={submit} aria-label="Energy time range" noValidate>
      <span className="button-row" role="group" aria-label="Range presets">
        {RANGE_PRESETS.map((preset) => (
          <button key={preset.id} type="button" className="button button-quiet" aria-pressed={range.preset === preset} onClick={() => pick(preset)}>
            {preset.label}
          </button>
        ))}
      </span>
      <label>
        From (local, 24-hour)
        <input
          type="text"
          placeholder="YYYY-MM-DD HH:MM"
          spellCheck={false}
          value={shown.from}
          onChange={(event) => setDraft({ ...shown, from: event.target.value })}
          className="input-time"
        />
      </label>
      <label>
        To (local, 24-hour)
        <input
          type="text"
          placeholder="YYYY-MM-DD HH:MM"
          spellCheck={false}
          value={shown.to}
          onChange={(event) => setDraft({ ...shown, to: event.target.value })}
          className="input-time"
        />
      </label>
      <button type="submit" className="button">
        Show range
      </button>
      {error && <InlineError>{error}</InlineError>}
    </form>
  );
}

function EnergyView({ series }: { series: EnergySeries }) {
  const runs = useMemo(() => sourceRuns(series.buckets, series.from, series.to), [series]);
  const failed = series.buckets.filter((bucket) => bucket.error !== null);
  const fromS3 = series.buckets.filter((bucket) => bucket.source === 's3' || bucket.source === 'both');
  const cached = fromS3.filter((bucket) => bucket.cached).length;
  const total = (field: 'eRealPositive' | 'eRealNegative' | 'eReal') => series.points.reduce((sum, point) => sum + point[field], 0);

  return (
    <>
      <dl className="figures" data-testid="energy-figures">
        <Figure label="Readings" value={formatInt(series.readings)} hint={`per ${formatSpan(series.intervalSeconds)} point`} testId="energy-readings" />
        <Figure label="Duplicates dropped" value={formatInt(series.duplicatesDropped)} hint="in Redis and S3 both, counted once" testId="energy-duplicates" />
        <Figure label="Query time" value={formatMs(series.tookMs)} testId="energy-took" />
        <Figure
          label="Cached buckets"
          value={`${formatInt(cached)} of ${formatInt(fromS3.length)}`}
          hint="S3 buckets served from the cache of decompressed objects"
          testId="energy-cached"
        />
        <Figure label="Import" value={formatEnergy(total('eRealPositive'))} hint="Σ eRealPositive" testId="energy-import" />
        <Figure label="Export" value={formatEnergy(total('eRealNegative'))} hint="Σ eRealNegative" testId="energy-export" />
        <Figure label="Net" value={formatEnergy(total('eReal'))} hint="Σ eReal" testId="energy-net" />
      </dl>
      {failed.length > 0 && <BucketErrors buckets={failed} />}
      <EnergyChart series={series} runs={runs} />
      <SourceLegend runs={runs} />
      {series.readings === 0 && (
        <EmptyState title="No readings in this range." testId="energy-empty">
          Pick a longer range, or let the meter emulator run with some days of history.
        </EmptyState>
      )}
      <SourceRuns runs={runs} />
      <NewestReadings series={series} />
    </>
  );
}

function BucketErrors({ buckets }: { buckets: EnergyBucketRead[] }) {
  return (
    <div className="notice bucket-errors" role="alert" data-testid="bucket-errors">
      <strong>
        {buckets.length === 1 ? 'One bucket' : `${formatInt(buckets.length)} buckets`} could not be read; the rest of the range is shown.
      </strong>
      <ul className="notice-list">
        {buckets.map((bucket) => (
          <li key={bucket.bucketStart}>
            bucket {formatBucketStart(bucket.bucketStart)}: {bucket.error}
          </li>
        ))}
      </ul>
    </div>
  );
}

function EnergyChart({ series, runs }: { series: EnergySeries; runs: SourceRun[] }) {
  const view = useMemo(() => {
    const columns = chartColumns(series.points, series.intervalSeconds);
    const axis = timeAxis(series.from, series.to);
    const x: NumericAxis = {
      values: columns.x,
      min: series.from,
      max: series.to,
      ticks: axis.ticks,
      tickLabel: axis.label,
      pointLabel: (seconds) => formatDateTime(seconds * 1000),
    };
    const lines: ChartSeries[] = [
      { label: 'import (eRealPositive)', color: LINE_COLORS.import, values: columns.values('eRealPositive') },
      { label: 'export (eRealNegative)', color: LINE_COLORS.export, values: columns.values('eRealNegative') },
      { label: 'net (eReal)', color: LINE_COLORS.net, values: columns.values('eReal') },
    ];
    const bands: ChartBand[] = runs.map((run) => ({ from: run.from, to: run.to, color: `${SOURCE_STYLES[run.source].color}${BAND_ALPHA}` }));
    return { x, lines, bands };
  }, [series, runs]);
  const per = formatSpan(series.intervalSeconds);

  return (
    <ChartView
      kind="line"
      x={view.x}
      series={view.lines}
      bands={view.bands}
      label={`Energy of meter ${series.deviceId} per ${per}, ${formatDateTime(series.from * 1000)} to ${formatDateTime(series.to * 1000)}: import, export and net, shaded by where each bucket was read from (listed below).`}
      yTitle={`Wh per ${per}`}
      testId="energy-chart"
    />
  );
}

function SourceLegend({ runs }: { runs: SourceRun[] }) {
  const buckets = (source: SourceRun['source']) => runs.filter((run) => run.source === source).reduce((sum, run) => sum + run.buckets, 0);
  return (
    <ul className="legend" aria-label="Background: where each bucket was read from" data-testid="source-legend">
      {SOURCE_ORDER.map((source) => (
        <li key={source} data-source={source}>
          <span className="swatch swatch-band" style={{ background: SOURCE_STYLES[source].color }} aria-hidden="true" />
          {SOURCE_STYLES[source].name} <span className="muted">{formatInt(buckets(source))} buckets</span>
        </li>
      ))}
    </ul>
  );
}

function SourceRuns({ runs }: { runs: SourceRun[] }) {
  if (runs.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Bucket sources" data-testid="source-runs">
        <thead>
          <tr>
            <th scope="col">Buckets (UTC)</th>
            <th scope="col">Read from</th>
            <th scope="col" className="num">
              Buckets
            </th>
            <th scope="col" className="num">
              Readings
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.firstBucket} data-testid="source-run" data-source={run.source}>
              <td className="nowrap">
                {formatBucketStart(run.firstBucket)}
                {run.lastBucket !== run.firstBucket && ` – ${formatBucketStart(run.lastBucket)}`}
              </td>
              <td>
                <span className="badge badge-source" style={{ borderColor: SOURCE_STYLES[run.source].color }}>
                  <span className="swatch" style={{ background: SOURCE_STYLES[run.source].color }} aria-hidden="true" /> {SOURCE_STYLES[run.source].name}
                </span>
              </td>
              <td className="num">{formatInt(run.buckets)}</td>
              <td className="num">{formatInt(run.readings)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
