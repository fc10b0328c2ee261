import { useCallback, useState } from 'react';
import { USAGE_RANGES, type ApiKeyUsage, type ApiKeyView, type UsageRange } from '../../../../core/api/api-keys.js';
import { ChartView } from '../../Chart.js';
import { Banner, Command, Figure, Loading } from '../../components.js';
import { usePolling, useWorkbench } from '../../context.js';

const USAGE_POLL_MS = 5000;
const RANGE_NAMES: Record<UsageRange, string> = { hour: 'Last hour', day: 'Last day', '90d': 'Last 90 days' };

/** One key's usage counters as a chart of requests/s and 429s/s per minute (per hour over 90 days), and per route. */
export function ApiKeyUsagePanel({ apiKey }: { apiKey: ApiKeyView }) {
  const [range, setRange] = useState<UsageRange>('hour');
  return (
    <section className="panel" aria-labelledby="api-key-usage-title" data-testid="api-key-usage">
      <h2 id="api-key-usage-title">Usage of {apiKey.name}</h2>
      <div className="button-row" role="group" aria-label="Range">
        {USAGE_RANGES.map((option) => (
          <button key={option} type="button" className="button" aria-pressed={option === range} onClick={() => setRange(option)}>
            {RANGE_NAMES[option]}
          </button>
        ))}
      </div>
      {/* One poller per range: a new range asks at once instead of at the next tick. */}
      <PolledUsage key={range} keyId={apiKey.id} range={range} />
      <Command label="Counters">{`HGETALL <ns>:apiKeys:${apiKey.id}:usage:${range === '90d' ? 'hour' : 'minute'}:<start>`}</Command>
    </section>
  );
}

function PolledUsage({ keyId, range }: { keyId: string; range: UsageRange }) {
  const { client } = useWorkbench();
  const fetchUsage = useCallback(() => client.apiKeyUsage(keyId, range), [client, keyId, range]);
  const { data: usage, error, refresh } = usePolling(fetchUsage, USAGE_POLL_MS);
  return (
    <>
      {error && (
        <Banner tone="error" title="Could not read the usage counters." onRetry={refresh}>
          {error}
        </Banner>
      )}
      {!usage ? !error && <Loading what="the usage counters" /> : <UsageView usage={usage} />}
    </>
  );
}

function UsageView({ usage }: { usage: ApiKeyUsage }) {
  const totals = usage.points.reduce((sum, point) => ({ requests: sum.requests + point.requests, throttled: sum.throttled + point.throttled, refused: sum.refused + point.refused }), { requests: 0, throttled: 0, refused: 0 });
  const labels = usage.points.map((point) => label(point.t, usage.periodSeconds));
  const perSecond = (count: number) => count / usage.periodSeconds;
  return (
    <>
      <dl className="figures">
        <Figure label="Requests" value={totals.requests} testId="api-key-requests" />
        <Figure label="Answered 429" value={totals.throttled} testId="api-key-throttled" tone={totals.throttled > 0 ? 'alert' : undefined} />
        <Figure label="Answered 403" value={totals.refused} />
      </dl>
      <ChartView
        kind="line"
        labels={labels}
        series={[
          { label: 'requests /s', values: usage.points.map((point) => perSecond(point.requests)), color: '#3b82f6' },
          { label: '429 /s', values: usage.points.map((point) => perSecond(point.throttled)), color: '#ef4444' },
        ]}
        label={`Requests per second and 429s per second, per ${usage.periodSeconds === 60 ? 'minute' : 'hour'}`}
        yTitle="per second"
        testId="api-key-usage-chart"
      />
      {Object.keys(usage.byRoute).length > 0 && (
        <table className="table" aria-label="Requests by route and status class">
          <thead>
            <tr>
              <th scope="col">Route and status</th>
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(usage.byRoute).map(([route, count]) => (
              <tr key={route}>
                <th scope="row">
                  <code>{route}</code>
                </th>
                <td className="num">{count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function label(seconds: number, periodSeconds: number): string {
  const date = new Date(seconds * 1000);
  return periodSeconds === 60 ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit' });
}
