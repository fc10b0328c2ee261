import { useEffect, useMemo, useState } from 'react';
import type { ClimateName } from '../../../core/domain/climate.js';
import { ChartView, type ChartSeries } from '../Chart.js';
import { Command, EmptyState, Figure, InlineError, Loading, PageHeader } from '../components.js';
import { useLive, useWorkbench } from '../context.js';
import { formatClock, formatInt, formatPercent, formatRate } from '../format.js';
import { CLIMATE_NAMES } from '../live-store.js';

export const CLIMATE_COLORS: Record<ClimateName, string> = {
  hot: '#dc2626',
  warm: '#f59e0b',
  cool: '#14b8a6',
  cold: '#3b82f6',
};

const CLIMATE_RULES: Record<ClimateName, string> = {
  hot: 'temperature > 85',
  warm: '75 < temperature ≤ 85',
  cool: '65 < temperature ≤ 75',
  cold: 'temperature ≤ 65',
};

/** The four climate counters, live, as numbers and a bar chart, and their rates over time. */
export function ClimatePage() {
  const { client, store, navigate } = useWorkbench();
  const { climate, climateHistory } = useLive();
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client.climate().then(
      (counters) => current && store.setClimate(counters),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [client, store]);

  const counters = climate?.counters;
  const total = counters ? CLIMATE_NAMES.reduce((sum, name) => sum + counters[name], 0) : 0;
  const latestRates = climateHistory.at(-1)?.rates;

  const bar = useMemo(
    () => ({
      labels: [...CLIMATE_NAMES],
      series: [{ label: 'readings', color: '#64748b', values: CLIMATE_NAMES.map((name) => counters?.[name] ?? 0) }] as ChartSeries[],
      colors: CLIMATE_NAMES.map((name) => CLIMATE_COLORS[name]),
    }),
    [counters],
  );
  const rates = useMemo(
    () => ({
      labels: climateHistory.map((point) => formatClock(point.at)),
      series: CLIMATE_NAMES.map((name) => ({
        label: `${name} /s`,
        color: CLIMATE_COLORS[name],
        values: climateHistory.map((point) => point.rates[name]),
      })),
    }),
    [climateHistory],
  );

  return (
    <section aria-labelledby="page-title" className="page">
      <PageHeader title="Climate">
        The counters <code>climate:hot</code>, <code>climate:warm</code>, <code>climate:cool</code> and <code>climate:cold</code>:
        one INCR per reading, live.
      </PageHeader>
      {!climate ? (
        error ? <InlineError>Could not read the climate counters: {error}</InlineError> : <Loading what="the climate counters" />
      ) : (
        <>
          <dl className="figures climate-figures" data-testid="climate-counters">
            {CLIMATE_NAMES.map((name) => (
              <div key={name} className={`figure climate-${name}`}>
                <dt>
                  <span className="swatch" style={{ background: CLIMATE_COLORS[name] }} aria-hidden="true" />
                  {name}
                </dt>
                <dd data-testid={`climate-${name}`} data-value={climate.counters[name]}>
                  {formatInt(climate.counters[name])}
                </dd>
                <dd className="figure-hint">
                  {CLIMATE_RULES[name]} · {total > 0 ? formatPercent(climate.counters[name] / total) : '–'} ·{' '}
                  <span data-testid={`climate-rate-${name}`}>{formatRate(latestRates?.[name])}</span> /s
                </dd>
              </div>
            ))}
            <Figure label="total" value={formatInt(total)} testId="climate-total" />
          </dl>
          {total === 0 && (
            <EmptyState title="No readings counted yet — start the emulator on the Emulator page or publish to temp_readings.">
              <button type="button" className="button" onClick={() => navigate('emulator')}>
                Open the Emulator page
              </button>
            </EmptyState>
          )}
          <div className="grid-2">
            <div className="panel">
              <h2>Counters</h2>
              <ChartView
                kind="bar"
                labels={bar.labels}
                series={bar.series}
                barColors={bar.colors}
                label={`Climate counters: ${CLIMATE_NAMES.map((name) => `${name} ${climate.counters[name]}`).join(', ')}`}
                testId="climate-chart"
              />
            </div>
            <div className="panel">
              <h2>Rates</h2>
              {climateHistory.length === 0 ? (
                <p className="muted">The rates appear after the counters have been read twice, a second apart.</p>
              ) : null}
              <ChartView kind="line" labels={rates.labels} series={rates.series} label="Readings per second by climate" yTitle="readings /s" testId="climate-rates-chart" />
            </div>
          </div>
          <Command label="redis-cli">get climate:hot</Command>
          <p className="muted small">As of {formatClock(climate.at)}.</p>
        </>
      )}
    </section>
  );
}
