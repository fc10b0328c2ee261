/** Number, time and size formatting for the whole UI, all through Intl. */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const signed = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

const DASH = '–';

const valid = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

export const formatInt = (value: number | null | undefined): string => (valid(value) ? integer.format(value) : DASH);

/** Readings per second and similar: one decimal below 100, whole numbers above. */
export const formatRate = (value: number | null | undefined): string =>
  valid(value) ? (Math.abs(value) >= 100 ? integer.format(value) : oneDecimal.format(value)) : DASH;

export const formatSignedRate = (value: number | null | undefined): string => (valid(value) ? signed.format(value) : DASH);

export const formatMs = (value: number | null | undefined): string =>
  valid(value) ? `${value >= 100 ? integer.format(value) : twoDecimals.format(value)} ms` : DASH;

export const formatPercent = (value: number | null | undefined): string => (valid(value) ? percent.format(value) : DASH);

export const formatDecimal = (value: number | null | undefined): string => (valid(value) ? twoDecimals.format(value) : DASH);

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(value: number | null | undefined): string {
  if (!valid(value)) return DASH;
  let size = value;
  let unit = 0;
  while (Math.abs(size) >= 1024 && unit < BYTE_UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? integer.format(size) : oneDecimal.format(size)} ${BYTE_UNITS[unit]}`;
}

/** hh:mm:ss of a ms-since-epoch time. */
export const formatClock = (ms: number | null | undefined): string => (valid(ms) ? clock.format(ms) : DASH);

/** hh:mm:ss.mmm: readings arrive several per second. */
export function formatClockMs(ms: number | null | undefined): string {
  if (!valid(ms)) return DASH;
  return `${clock.format(ms)}.${String(Math.floor(((ms % 1000) + 1000) % 1000)).padStart(3, '0')}`;
}

export const formatDateTime = (ms: number | null | undefined): string => (valid(ms) ? dateTime.format(ms) : DASH);

/** "12 s ago", "3 min ago": for uptime-like figures. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Value for an <input type="datetime-local" step="1"> in local time. */
export function toLocalInput(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** ms since epoch from a datetime-local value, or null when it does not parse. */
export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** ISO text for a <time dateTime>, or undefined when the value is not a valid time. */
export function isoTime(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

/** mosquitto_pub -h/-p flags for a broker address such as mqtt://127.0.0.1:1883. */
export function mosquittoFlags(address: string | null | undefined): string {
  try {
    const url = new URL(address ?? '');
    return `-h ${url.hostname} -p ${url.port || 1883}`;
  } catch {
    return '-h 127.0.0.1 -p 1883';
  }
}
