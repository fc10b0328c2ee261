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

/** "12 s ago", "3 min ago", "in 2 h": how far a time is from now, to the largest whole unit. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (!valid(ms)) return DASH;
  const seconds = Math.round((now - ms) / 1000);
  const size = Math.abs(seconds);
  const amount =
    size < 60 ? `${size} s` : size < 3600 ? `${Math.floor(size / 60)} min` : size < 172_800 ? `${Math.floor(size / 3600)} h` : `${Math.floor(size / 86_400)} d`;
  return seconds >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** A length of time in seconds, compactly: "5 min", "1 d", "2 h 30 min". */
export function formatSpan(seconds: number | null | undefined): string {
  if (!valid(seconds)) return DASH;
  const units: Array<[number, string]> = [
    [86_400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [size, name] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join(' ') : '0 s';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * An energy bucket's start (Unix seconds) as its UTC date, the way bucket keys are cut:
 * "2026-11-02", or "2026-11-02 06:00 UTC" for buckets shorter than a day.
 */
export function formatBucketStart(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  const date = iso.slice(0, 10);
  return seconds % 86_400 === 0 ? date : `${date} ${iso.slice(11, 16)} UTC`;
}

/** "2026-11-02 14:05" in local time: a 24-hour text the range inputs show and accept. */
export function toIsoInput(ms: number): string {
  const date = new Date(ms);
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/** ms since epoch from "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or "YYYY-MM-DDTHH:MM[:SS]" in local time; null otherwise. */
export function fromIsoInput(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(year, month - 1, day, hours, minutes, seconds);
  // Date rolls 2026-02-30 over into March; such a text is a typo, not a date.
  if (date.getMonth() !== month - 1 || date.getDate() !== day || hours > 23 || minutes > 59 || seconds > 59) return null;
  return date.getTime();
}

/** Watt-hours, switching to kWh and MWh as they grow. */
export function formatEnergy(wh: number | null | undefined): string {
  if (!valid(wh)) return DASH;
  const size = Math.abs(wh);
  if (size >= 1e6) return `${twoDecimals.format(wh / 1e6)} MWh`;
  if (size >= 1e3) return `${twoDecimals.format(wh / 1e3)} kWh`;
  return `${oneDecimal.format(wh)} Wh`;
}

/** A compression ratio, bytes in per byte out: "4.2×". */
export const formatRatio = (ratio: number | null | undefined): string => (valid(ratio) ? `${oneDecimal.format(ratio)}×` : DASH);

/** Host and port to send meter datagrams to, from the UDP listener's address ("udp://127.0.0.1:41234" or "127.0.0.1:41234"). */
export function udpTarget(address: string | null | undefined): { host: string; port: string } | null {
  const match = /^(?:udp:\/\/)?\[?([^\]]*?)\]?:(\d+)\/?$/.exec(address?.trim() ?? '');
  if (!match) return null;
  const host = match[1] === '' || match[1] === '0.0.0.0' || match[1] === '::' ? '127.0.0.1' : match[1]!;
  return { host, port: match[2]! };
}

const SAMPLE_CHANNELS: Record<string, number[]> = {
  eReal: [12, 0, 0, 0, 0, 0],
  eRealNegative: [0, 0, 0, 0, 0, 0],
  eRealPositive: [12, 0, 0, 0, 0, 0],
  eReactive: [0, 0, 0, 0, 0, 0],
  eReactiveNegative: [0, 0, 0, 0, 0, 0],
  eReactivePositive: [0, 0, 0, 0, 0, 0],
  vRMSMin: [229, 0, 0, 0, 0, 0],
  vRMSMax: [231, 0, 0, 0, 0, 0],
  iRMSMin: [0, 0, 0, 0, 0, 0],
  iRMSMax: [1, 0, 0, 0, 0, 0],
};

/**
 * A shell command that sends one valid meter datagram (one 5-minute reading, stamped now) to the
 * listener, so the Meters page's empty state can be copied and run as it stands.
 */
export function meterDatagramCommand(target: { host: string; port: string }, nowMs = Date.now()): string {
  const timestamp = Math.floor(nowMs / 300_000) * 300;
  const datagram = JSON.stringify({ deviceId: 'D704206006772', readings: [{ ...SAMPLE_CHANNELS, timestamp, duration: 300 }] });
  return `echo '${datagram}' | nc -u -w0 ${target.host} ${target.port}`;
}

const hourMinute = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "14:05" of a ms-since-epoch time. */
export const formatHourMinute = (ms: number): string => hourMinute.format(ms);

/** "2 Nov" (or the locale's order) of a ms-since-epoch time. */
export const formatDay = (ms: number): string => dayMonth.format(ms);

/** How long something took: milliseconds below a second, "3 min 4 s" above. */
export const formatElapsed = (ms: number | null | undefined): string => (!valid(ms) ? DASH : ms < 1000 ? formatMs(ms) : formatDuration(ms));
