import { useMemo } from 'react';
import type { EnergySeries } from '../../../../core/api/energy.js';
import { Banner, Loading } from '../../components.js';
import { useFetch, useWorkbench } from '../../context.js';
import { channelSum, newestReadingsFrom } from '../../energy.js';
import { formatDateTime, formatEnergy, formatSpan, isoTime } from '../../format.js';
import { ExportControl } from '../export/ExportControl.js';

const NEWEST_READINGS = 50;

const ENERGY_COLUMNS = [
  { field: 'eRealPositive', name: 'Import' },
  { field: 'eRealNegative', name: 'Export' },
  { field: 'eReal', name: 'Net' },
] as const;

/**
 * The newest readings of the series, newest first. Readings come oldest first, so the request
 * covers only the tail of the range that holds the newest NEWEST_READINGS (known from the series).
 */
export function NewestReadings({ series }: { series: EnergySeries }) {
  const { client } = useWorkbench();
  const from = useMemo(() => newestReadingsFrom(series.points, NEWEST_READINGS), [series]);
  const fetchReadings = useMemo(
    () => (from === null ? null : () => client.meterReadings(series.deviceId, from, series.to, NEWEST_READINGS)),
    [client, series, from],
  );
  const { data, error, retry } = useFetch(fetchReadings);
  if (from === null) return null;

  return (
    <div role="region" aria-labelledby="newest-readings-title">
      <div className="panel-title-row">
        <h3 id="newest-readings-title">Newest readings</h3>
        <ExportControl
          view="meter-readings"
          query={{ deviceId: series.deviceId, from: series.from, to: series.to }}
          what={`every reading of ${series.deviceId} in the charted range`}
        />
      </div>
      {error ? (
        <Banner tone="error" title="Could not read the newest readings." onRetry={retry}>
          {error}
        </Banner>
      ) : !data ? (
        <Loading what="the newest readings" />
      ) : (
        <>
          <p className="muted small">
            Newest first, at most {NEWEST_READINGS}, each channel summed over the six channels (Wh).
            {data.truncated && ` The newest interval alone holds more than ${NEWEST_READINGS} readings: these are its first ${NEWEST_READINGS}.`}
          </p>
          <div className="table-wrap table-scroll">
            <table className="table" aria-label={`Newest readings of ${series.deviceId}`} data-testid="newest-readings">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col" className="num">
                    Duration
                  </th>
                  {ENERGY_COLUMNS.map((column) => (
                    <th key={column.field} scope="col" className="num">
                      {column.name} <span className="muted">Σ {column.field}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...data.readings].reverse().map((reading, index) => (
                  <tr key={`${reading.timestamp}-${index}`} data-testid="meter-reading">
                    <td className="nowrap">
                      <time dateTime={isoTime(reading.timestamp * 1000)}>{formatDateTime(reading.timestamp * 1000)}</time>
                    </td>
                    <td className="num">{typeof reading.duration === 'number' ? formatSpan(reading.duration) : '–'}</td>
                    {ENERGY_COLUMNS.map((column) => (
                      <td key={column.field} className="num">
                        {formatEnergy(channelSum(reading[column.field]))}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
