import { describe, expect, it, vi } from 'vitest';
import type { Chart } from 'chart.js';
import type { EnergyBucketRead, EnergyPoint } from '../../core/api/energy.js';
import { backgroundBands } from '../../renderer/src/chart-bands.js';
import { chartColumns, energyInterval, MAX_POINTS, newestReadingsFrom, sourceRuns } from '../../renderer/src/energy.js';
import { parseMeterDatagram } from '../../core/ingest/meter-payload.js';
import { formatBucketStart, formatSpan, fromIsoInput, meterDatagramCommand, udpTarget } from '../../renderer/src/format.js';
import { timeAxis } from '../../renderer/src/time-axis.js';

const DAY = 86_400;
const NOV_1 = 1_793_491_200; // 2026-11-01T00:00:00Z

const bucket = (bucketStart: number, source: EnergyBucketRead['source'], readings = 1): EnergyBucketRead => ({ bucketStart, source, readings, error: null, cached: false });
const point = (t: number, readings: number): EnergyPoint => ({ t, eReal: readings, eRealPositive: readings, eRealNegative: 0, readings });

describe('energy interval', () => {
  it('is a multiple of 300 s giving at most 300 points, on round clock steps', () => {
    expect(energyInterval(DAY)).toBe(300);
    expect(energyInterval(7 * DAY)).toBe(3600);
    expect(energyInterval(30 * DAY)).toBe(10_800);
    expect(energyInterval(365 * DAY)).toBe(2 * DAY);
    for (const span of [60, 3600, 90_001, 2 * DAY + 1, 100 * DAY, 1000 * DAY]) {
      const interval = energyInterval(span);
      expect(interval % 300).toBe(0);
      expect(span / interval).toBeLessThanOrEqual(MAX_POINTS);
    }
  });
});

describe('source runs', () => {
  it('merges neighbouring buckets of one source into spans that tile the range', () => {
    const runs = sourceRuns([bucket(NOV_1 + DAY, 's3'), bucket(NOV_1, 's3', 5), bucket(NOV_1 + 2 * DAY, 'redis'), bucket(NOV_1 - DAY, 'none', 0)], NOV_1 - 3600, NOV_1 + 2 * DAY + 60);
    expect(runs).toEqual([
      { source: 'none', from: NOV_1 - 3600, to: NOV_1, firstBucket: NOV_1 - DAY, lastBucket: NOV_1 - DAY, buckets: 1, readings: 0 },
      { source: 's3', from: NOV_1, to: NOV_1 + 2 * DAY, firstBucket: NOV_1, lastBucket: NOV_1 + DAY, buckets: 2, readings: 6 },
      { source: 'redis', from: NOV_1 + 2 * DAY, to: NOV_1 + 2 * DAY + 60, firstBucket: NOV_1 + 2 * DAY, lastBucket: NOV_1 + 2 * DAY, buckets: 1, readings: 1 },
    ]);
  });
});

describe('chart columns', () => {
  it('breaks the line where intervals are missing or empty', () => {
    const columns = chartColumns([point(0, 2), point(300, 0), point(600, 3), point(1800, 4)], 300);
    expect(columns.x).toEqual([0, 300, 600, 900, 1800]);
    expect(columns.values('eReal')).toEqual([2, null, 3, null, 4]);
  });
});

describe('newest readings window', () => {
  it('starts at the shortest tail of the series holding at most the limit, but at least its last readings', () => {
    const points = [point(0, 40), point(300, 30), point(600, 0), point(900, 20), point(1200, 0)];
    expect(newestReadingsFrom(points, 50)).toBe(300);
    expect(newestReadingsFrom(points, 90)).toBe(0);
    expect(newestReadingsFrom(points, 10)).toBe(900);
    expect(newestReadingsFrom([point(0, 0)], 50)).toBeNull();
  });
});

describe('formatting for meters and the archive', () => {
  it('reads 24-hour ISO-style local times and refuses anything else', () => {
    expect(fromIsoInput('2026-11-02 14:05')).toBe(new Date(2026, 10, 2, 14, 5).getTime());
    expect(fromIsoInput('2026-11-02T14:05:30')).toBe(new Date(2026, 10, 2, 14, 5, 30).getTime());
    expect(fromIsoInput(' 2026-11-02 ')).toBe(new Date(2026, 10, 2).getTime());
    for (const bad of ['2026-02-30 10:00', '2026-11-02 24:00', '2026-11-02 2:05 pm', '11/02/2026', '']) expect(fromIsoInput(bad)).toBeNull();
  });

  it('names buckets by their UTC start', () => {
    expect(formatBucketStart(NOV_1)).toBe('2026-11-01');
    expect(formatBucketStart(NOV_1 + 6 * 3600)).toBe('2026-11-01 06:00 UTC');
  });

  it('says spans compactly', () => {
    expect([formatSpan(300), formatSpan(DAY), formatSpan(9000), formatSpan(0), formatSpan(90_061)]).toEqual(['5 min', '1 d', '2 h 30 min', '0 s', '1 d 1 h']);
  });

  it('offers a datagram command the listener accepts', () => {
    const command = meterDatagramCommand({ host: '127.0.0.1', port: '41234' }, Date.UTC(2026, 10, 1, 12, 7));
    expect(command.endsWith("' | nc -u -w0 127.0.0.1 41234")).toBe(true);
    const datagram = command.slice("echo '".length, command.indexOf("' |"));
    const parsed = parseMeterDatagram(Buffer.from(datagram), 65_507);
    expect(parsed.ok && parsed.value.deviceId).toBe('D704206006772');
    expect(parsed.ok && parsed.value.readings[0]!.timestamp).toBe(Date.UTC(2026, 10, 1, 12, 5) / 1000);
  });

  it('finds where to send datagrams from the listener address', () => {
    expect(udpTarget('udp://127.0.0.1:41234')).toEqual({ host: '127.0.0.1', port: '41234' });
    expect(udpTarget('10.0.0.5:5000')).toEqual({ host: '10.0.0.5', port: '5000' });
    expect(udpTarget('udp://0.0.0.0:41234')).toEqual({ host: '127.0.0.1', port: '41234' });
    expect(udpTarget('udp://[::1]:41234')).toEqual({ host: '::1', port: '41234' });
    expect(udpTarget(null)).toBeNull();
  });
});

describe('time axis', () => {
  it('puts ticks on round local times within the range', () => {
    const from = new Date(2026, 10, 1, 9, 37).getTime() / 1000;
    const { ticks, label } = timeAxis(from, from + DAY);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((tick) => tick >= from && tick <= from + DAY)).toBe(true);
    expect(ticks.map((tick) => new Date(tick * 1000).getMinutes())).toEqual(ticks.map(() => 0));
    expect(ticks.map((tick) => new Date(tick * 1000).getHours() % 3)).toEqual(ticks.map(() => 0));
    const midnight = ticks.find((tick) => new Date(tick * 1000).getHours() === 0)!;
    expect(label(midnight)).not.toMatch(/:/);
  });

  it('steps in local days over weeks', () => {
    const from = new Date(2026, 10, 1, 9, 37).getTime() / 1000;
    const { ticks } = timeAxis(from, from + 30 * DAY);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks.every((tick) => new Date(tick * 1000).getHours() === 0)).toBe(true);
  });
});

describe('background bands plugin', () => {
  it('fills each band behind the data, clipped to the chart area', () => {
    const ctx = { save: vi.fn(), restore: vi.fn(), fillRect: vi.fn(), fillStyle: '' };
    const fills: string[] = [];
    ctx.fillRect.mockImplementation(() => fills.push(ctx.fillStyle));
    const chart = {
      ctx,
      chartArea: { left: 10, right: 110, top: 5, bottom: 55 },
      scales: { x: { getPixelForValue: (value: number) => 10 + value } },
    } as unknown as Chart;
    const plugin = backgroundBands(() => [
      { from: -20, to: 30, color: 'red' },
      { from: 30, to: 200, color: 'blue' },
      { from: 150, to: 160, color: 'grey' },
    ]);
    plugin.beforeDatasetsDraw!(chart, { cancelable: true }, {});
    expect(ctx.fillRect.mock.calls).toEqual([
      [10, 5, 30, 50],
      [40, 5, 70, 50],
    ]);
    expect(fills).toEqual(['red', 'blue']);
    expect(ctx.restore).toHaveBeenCalled();
  });
});
