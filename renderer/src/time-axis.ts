import { formatDay, formatHourMinute } from './format.js';

const DAY = 86_400;
/** Steps between tick labels, in seconds: on the clock's round numbers. */
const STEPS = [300, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, DAY, 2 * DAY, 7 * DAY, 14 * DAY];

export interface TimeAxis {
  /** Unix seconds, on local-clock boundaries. */
  ticks: number[];
  label: (seconds: number) => string;
}

/**
 * Ticks for a time axis in Unix seconds, on local hours or midnights rather than wherever
 * Chart.js's linear steps fall, labelled with the time of day or, at midnight, the date.
 */
export function timeAxis(from: number, to: number, maxTicks = 8): TimeAxis {
  const span = Math.max(1, to - from);
  const step = STEPS.find((one) => span / one <= maxTicks) ?? Math.ceil(span / maxTicks / DAY) * DAY;
  const ticks: number[] = [];
  if (step < DAY) {
    // Local clock alignment: the zone offset of the range's start (a DST change shifts later ticks by an hour).
    const offset = -new Date(from * 1000).getTimezoneOffset() * 60;
    for (let t = Math.ceil((from + offset) / step) * step - offset; t <= to; t += step) ticks.push(t);
  } else {
    const day = new Date(from * 1000);
    day.setHours(0, 0, 0, 0);
    if (day.getTime() < from * 1000) day.setDate(day.getDate() + 1);
    for (; day.getTime() <= to * 1000; day.setDate(day.getDate() + step / DAY)) ticks.push(day.getTime() / 1000);
  }
  const label = (seconds: number) => {
    const ms = seconds * 1000;
    const date = new Date(ms);
    return step >= DAY || (date.getHours() === 0 && date.getMinutes() === 0) ? formatDay(ms) : formatHourMinute(ms);
  };
  return { ticks, label };
}
