// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { EnergyPoint, EnergyReadings, MeterList } from '../../core/api/energy.js';
import { energySeries, fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

const NOV_1 = 1_793_491_200; // 2026-11-01T00:00:00Z
const NOV_2 = NOV_1 + 86_400;
const NOV_3 = NOV_2 + 86_400;

function meterList(): MeterList {
  const now = Date.now();
  return {
    meters: [
      { deviceId: 'D704206006772', lastSeen: now - 12_000, firstSeen: now - 86_400_000, readings: 5760, transport: 'udp', buckets: 2, archivedBuckets: 18 },
      { deviceId: 'D704206000002', lastSeen: now - 5 * 60_000, firstSeen: null, readings: 12, transport: 'mqtt', buckets: 1, archivedBuckets: 0 },
    ],
    total: 2,
  };
}

function point(t: number, readings: number): EnergyPoint {
  return { t, eReal: 10 * readings, eRealPositive: 12 * readings, eRealNegative: 2 * readings, readings };
}

const meterEnergyCalls = (fake: ReturnType<typeof fakeClient>) => vi.mocked(fake.client.meterEnergy).mock.calls;

describe('Meters page', () => {
  it('lists the meters with last seen, readings, transport and bucket counts', async () => {
    const fake = fakeClient({ meters: vi.fn(async () => meterList()) });
    renderApp(fake, 'meters');
    const rows = await screen.findAllByTestId('meter');
    expect(fake.client.meters).toHaveBeenCalledWith(200);
    expect(rows).toHaveLength(2);
    const cells = within(rows[0]!).getAllByRole('cell').map((cell) => cell.textContent);
    expect(within(rows[0]!).getByRole('button').textContent).toBe('D704206006772');
    expect(cells).toEqual(['12 s ago', new Intl.NumberFormat().format(5760), 'UDP', '2', '18']);
    expect(within(rows[1]!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['5 min ago', '12', 'MQTT', '1', '0']);
  });

  it('asks for the energy of the chosen meter over the last 24 h in 300 s points, and shows where each bucket came from', async () => {
    const user = userEvent.setup();
    const series = energySeries({
      from: NOV_1 - 3600,
      to: NOV_3 + 3600,
      points: [point(NOV_1, 12), point(NOV_2, 288), point(NOV_3, 6)],
      buckets: [
        { bucketStart: NOV_1 - 86_400, source: 's3', readings: 12, error: null, cached: true },
        { bucketStart: NOV_1, source: 's3', readings: 0, error: 'object energy/D704206006772/1793491200.ndjson.lz4 is missing', cached: false },
        { bucketStart: NOV_2, source: 'both', readings: 288, error: null, cached: false },
        { bucketStart: NOV_3, source: 'redis', readings: 6, error: null, cached: false },
      ],
      readings: 306,
      duplicatesDropped: 7,
      tookMs: 42,
    });
    const fake = fakeClient({ meters: vi.fn(async () => meterList()), meterEnergy: vi.fn(async () => series) });
    renderApp(fake, 'meters');
    const before = Math.floor(Date.now() / 1000);
    await user.click(await screen.findByRole('button', { name: 'D704206006772' }));

    const [deviceId, from, to, interval] = meterEnergyCalls(fake)[0]!;
    expect(deviceId).toBe('D704206006772');
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(to - from).toBe(86_400);
    expect(interval).toBe(300);
    expect(screen.getByRole('button', { name: 'D704206006772' }).getAttribute('aria-pressed')).toBe('true');

    const panel = await screen.findByTestId('energy-figures');
    expect(within(panel).getByTestId('energy-readings').textContent).toBe('306');
    expect(within(panel).getByTestId('energy-duplicates').textContent).toBe('7');
    expect(within(panel).getByTestId('energy-took').textContent).toBe('42 ms');
    expect(within(panel).getByTestId('energy-cached').textContent).toBe('1 of 3');

    const runs = screen.getAllByTestId('source-run');
    expect(runs.map((run) => run.dataset.source)).toEqual(['s3', 'both', 'redis']);
    expect(runs[0]!.textContent).toContain('2026-10-31 – 2026-11-01');
    expect(runs[1]!.textContent).toContain('Redis + S3');
    const legend = screen.getByTestId('source-legend');
    expect(within(legend).getByText('S3').parentElement?.textContent).toContain('2 buckets');
    expect(legend.querySelector('[data-source="none"]')?.textContent).toContain('0 buckets');

    const errors = screen.getByTestId('bucket-errors');
    expect(errors.getAttribute('role')).toBe('alert');
    expect(errors.textContent).toContain('bucket 2026-11-01: object energy/D704206006772/1793491200.ndjson.lz4 is missing');
    expect(screen.getByTestId('energy-chart')).toBeTruthy();
  });

  it('switches range with the presets and a typed 24-hour range', async () => {
    const user = userEvent.setup();
    const fake = fakeClient({ meters: vi.fn(async () => meterList()) });
    renderApp(fake, 'meters');
    await user.click(await screen.findByRole('button', { name: 'D704206000002' }));
    await waitFor(() => expect(fake.client.meterEnergy).toHaveBeenCalledTimes(1));

    await user.click(screen.getByRole('button', { name: 'Last 7 days' }));
    await waitFor(() => expect(fake.client.meterEnergy).toHaveBeenCalledTimes(2));
    let [, from, to, interval] = meterEnergyCalls(fake)[1]!;
    expect([to - from, interval]).toEqual([7 * 86_400, 3600]);
    expect(screen.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');

    await user.click(screen.getByRole('button', { name: 'Last 30 days' }));
    await waitFor(() => expect(fake.client.meterEnergy).toHaveBeenCalledTimes(3));
    [, from, to, interval] = meterEnergyCalls(fake)[2]!;
    expect([to - from, interval]).toEqual([30 * 86_400, 10_800]);

    // A preset ends now whenever it is asked for again.
    await user.click(screen.getByRole('button', { name: 'Refresh energy' }));
    await waitFor(() => expect(fake.client.meterEnergy).toHaveBeenCalledTimes(4));
    const [, refreshedFrom, refreshedTo] = meterEnergyCalls(fake)[3]!;
    expect(refreshedTo).toBeGreaterThanOrEqual(to);
    expect(refreshedTo - refreshedFrom).toBe(30 * 86_400);

    const fromInput = screen.getByLabelText('From (local, 24-hour)');
    const toInput = screen.getByLabelText('To (local, 24-hour)');
    await user.clear(fromInput);
    await user.type(fromInput, '2026-11-01 00:00');
    await user.clear(toInput);
    await user.type(toInput, '2026-11-02 18:30');
    await user.click(screen.getByRole('button', { name: 'Show range' }));
    await waitFor(() => expect(fake.client.meterEnergy).toHaveBeenCalledTimes(5));
    [, from, to, interval] = meterEnergyCalls(fake)[4]!;
    expect(from).toBe(new Date(2026, 10, 1, 0, 0).getTime() / 1000);
    expect(to).toBe(new Date(2026, 10, 2, 18, 30).getTime() / 1000);
    expect(interval).toBe(600);
    expect(screen.getByRole('button', { name: 'Last 30 days' }).getAttribute('aria-pressed')).toBe('false');

    await user.clear(toInput);
    await user.type(toInput, '2026-11-02 7pm');
    await user.click(screen.getByRole('button', { name: 'Show range' }));
    expect(screen.getByRole('alert').textContent).toContain('YYYY-MM-DD HH:MM');
    expect(fake.client.meterEnergy).toHaveBeenCalledTimes(5);
  });

  it('shows the newest readings of the range, newest first, asking only for the tail that holds them', async () => {
    const user = userEvent.setup();
    const series = energySeries({ from: NOV_1, to: NOV_2, points: [point(NOV_1, 40), point(NOV_1 + 300, 30), point(NOV_1 + 600, 20)], readings: 90 });
    const readings: EnergyReadings = {
      deviceId: 'D704206006772',
      readings: [
        { timestamp: NOV_1 + 300, duration: 300, eReal: [1, 0, 0, 0, 0, 0], eRealPositive: [3, 2, 0, 0, 0, 0], eRealNegative: [0, 0, 0, 0, 0, 0] },
        { timestamp: NOV_1 + 600, duration: 300, eReal: [5, 0, 0, 0, 0, 0], eRealPositive: [1500, 0, 0, 0, 0, 0], eRealNegative: [0, 0, 0, 0, 0, 0] },
      ],
      truncated: false,
      buckets: [],
      duplicatesDropped: 0,
    };
    const fake = fakeClient({
      meters: vi.fn(async () => meterList()),
      meterEnergy: vi.fn(async () => series),
      meterReadings: vi.fn(async () => readings),
    });
    renderApp(fake, 'meters');
    await user.click(await screen.findByRole('button', { name: 'D704206006772' }));
    const rows = await screen.findAllByTestId('meter-reading');
    // The last two points hold 50 readings; with the one before they would be 90.
    expect(fake.client.meterReadings).toHaveBeenCalledWith('D704206006772', NOV_1 + 300, NOV_2, 50);
    expect(rows.map((row) => row.querySelector('time')?.getAttribute('datetime'))).toEqual([
      new Date((NOV_1 + 600) * 1000).toISOString(),
      new Date((NOV_1 + 300) * 1000).toISOString(),
    ]);
    expect(rows[0]!.textContent).toContain(`${(1.5).toLocaleString()} kWh`);
    expect(rows[1]!.textContent).toContain('5 Wh');
  });

  it('says how to get a first meter: the datagram command for the listener as it is, and the emulator', async () => {
    const base = stackStatus();
    const status = stackStatus({ parts: { ...base.parts, udp: { state: 'running', address: 'udp://127.0.0.1:45678', detail: null } } });
    const fake = fakeClient({ status: vi.fn(async () => status) });
    renderApp(fake, 'meters');
    const empty = await screen.findByTestId('meters-empty');
    await waitFor(() => expect(empty.textContent).toContain('udp://127.0.0.1:45678'));
    const command = within(empty).getByText(/^echo '/).textContent!;
    expect(command).toMatch(/^echo '\{"deviceId":"D704206006772","readings":\[\{"eReal":\[.*\]\}' \| nc -u -w0 127\.0\.0\.1 45678$/);
    const datagram = JSON.parse(command.slice("echo '".length, command.indexOf("' |"))) as { readings: Array<Record<string, unknown>> };
    expect(Object.keys(datagram.readings[0]!)).toHaveLength(12);
    expect(datagram.readings[0]!.duration).toBe(300);
    expect(within(empty).getByRole('button', { name: 'set up the meter emulator' })).toBeTruthy();
  });

  it('starts the meter emulator with the chosen meters, speed preset, history and transport, and stops it', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'meters');
    const panel = await screen.findByTestId('meter-emulator');
    await waitFor(() => expect(within(panel).getByLabelText('Meters')).toHaveProperty('value', '20'));

    const meters = within(panel).getByLabelText('Meters');
    await user.clear(meters);
    await user.type(meters, '50');
    await user.click(within(panel).getByRole('button', { name: 'A day per 30 s' }));
    expect(within(panel).getByLabelText('Speed (× real time)')).toHaveProperty('value', '2880');
    const history = within(panel).getByLabelText('History (days)');
    await user.clear(history);
    await user.type(history, '7');
    await user.click(within(panel).getByRole('radio', { name: 'MQTT' }));
    await user.click(within(panel).getByRole('button', { name: 'Start' }));
    expect(fake.client.meterEmulator).toHaveBeenCalledWith({ action: 'start', meters: 50, speed: 2880, historyDays: 7, transport: 'mqtt' });

    // The answer shows at once, before the next live frame; history stays as started, fixed while running.
    await waitFor(() => expect(within(panel).getByTestId('meter-emulator-status')).toBeTruthy());
    expect(within(panel).getByLabelText('History (days)')).toMatchObject({ value: '7', disabled: true });
    await user.click(within(panel).getByRole('button', { name: 'Stop' }));
    expect(fake.client.meterEmulator).toHaveBeenLastCalledWith({ action: 'stop' });
  });

  it('shows what the running meter emulator is doing', async () => {
    const fake = fakeClient();
    renderApp(fake, 'meters');
    await screen.findByTestId('meter-emulator');
    const base = stackStatus();
    fake.emit({
      status: {
        ...base,
        meterEmulator: { ...base.meterEmulator!, running: true, sent: 123_456, ratePerSec: 96, speed: 17_280, caughtUp: false, emulatedNow: Date.UTC(2026, 10, 1, 6) },
      },
    });
    const figures = screen.getByTestId('meter-emulator-status');
    expect(within(figures).getByTestId('meter-emulator-sent').textContent).toBe(new Intl.NumberFormat().format(123_456));
    expect(within(figures).getByTestId('meter-emulator-rate').textContent).toBe('96 /s');
    expect(within(figures).getByTestId('meter-emulator-caught-up').textContent).toBe('no');
    expect(within(screen.getByTestId('meter-emulator')).getByRole('button', { name: 'Apply' })).toBeTruthy();
  });
});
