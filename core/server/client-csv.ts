import { stringify } from 'csv-stringify/sync';
import type { ClientRouteName, ClientRoutes } from '../api/client-api.js';
import type { RouteResponse } from '../api/route.js';

type Row = Record<string, unknown>;
type RowsOf = { [Name in ClientRouteName]: (answer: RouteResponse<ClientRoutes[Name]>) => Row[] };

/** What each route's CSV holds: one row per item of its list (per point of an energy series). */
const ROWS: RowsOf = {
  meters: (answer) => answer.meters,
  meter: (answer) => [answer],
  meterEnergy: (answer) => answer.points.map((point) => ({ deviceId: answer.deviceId, ...point })),
  meterReadings: (answer) => answer.readings,
  thermostat: (answer) => [{ deviceId: answer.deviceId, ...answer.fields }],
  events: (answer) => answer.events,
  climate: (answer) => [{ ...answer.counters, at: answer.at }],
};

/** RFC 4180 CSV with a header row; the columns are every field any row has, in first-seen order. */
export function csvOf<Name extends ClientRouteName>(name: Name, answer: RouteResponse<ClientRoutes[Name]>): string {
  const rows = ROWS[name](answer);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return stringify(rows.map((row) => columns.map((column) => cell(row[column]))), { header: true, columns, record_delimiter: '\r\n' });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
