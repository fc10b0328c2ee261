// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DataModel, RejectedPayloads } from '../../core/api/events.js';
import { fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

const format = (n: number) => new Intl.NumberFormat().format(n);

describe('Overview page', () => {
  it('shows every part with state and address, and the live figures formatted', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake);
    const redis = await screen.findByTestId('part-redis');
    expect(redis.textContent).toContain('running');
    expect(redis.textContent).toContain('redis://127.0.0.1:6379');
    for (const part of ['broker', 'ingest', 'emulator']) expect(screen.getByTestId(`part-${part}`)).toBeTruthy();
    expect(screen.getByTestId('rate-received').textContent).toBe('200');
    expect(screen.getByText(`${format(1234)} in all`)).toBeTruthy();
    expect(screen.getByTestId('latency-p50').textContent).toBe(`${(1.5).toLocaleString()} ms`);
    expect(screen.getByTestId('latency-p99').textContent).toBe(`${(12.25).toLocaleString()} ms`);
    expect(screen.getByTestId('mqtt-clients').textContent).toBe('2');
    expect(screen.getByTestId('buffer').textContent).toContain(format(200_000));

    await user.click(within(screen.getByTestId('part-emulator')).getByRole('button', { name: 'Start' }));
    expect(fake.client.emulator).toHaveBeenCalledWith({ action: 'start' });
  });

  it('shows the smart-meter parts and figures beside the thermostat ones', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake);
    const udp = await screen.findByTestId('part-udp');
    expect(udp.textContent).toContain('UDP listener');
    expect(udp.textContent).toContain('udp://127.0.0.1:41234');
    expect(screen.getByTestId('part-meterEmulator').textContent).toContain('stopped');
    expect(screen.getByTestId('part-archive').textContent).toContain('s3://energy-archive');
    expect(screen.getByTestId('rate-meter-written').textContent).toBe('48');
    expect(screen.getByText(`${format(5750)} in all, ${format(5760)} received`)).toBeTruthy();
    expect(screen.getByTestId('meter-dropped').textContent).toBe('0');

    await user.click(within(screen.getByTestId('part-meterEmulator')).getByRole('button', { name: 'Start' }));
    expect(fake.client.meterEmulator).toHaveBeenCalledWith({ action: 'start' });
    expect(fake.client.emulator).not.toHaveBeenCalled();
  });

  it('says how to get readings flowing when the throughput history is idle', async () => {
    const fake = fakeClient();
    renderApp(fake);
    expect(await screen.findByText('No readings flowing yet.')).toBeTruthy();
    const base = stackStatus();
    const sample = { at: Date.now(), receivedPerSec: 10, writtenPerSec: 10, rejectedPerSec: 0, redisCommandsPerSec: 3, meterWrittenPerSec: 0 };
    fake.emit({ status: { ...base, figures: { ...base.figures, history: [sample] } } });
    expect(screen.queryByText('No readings flowing yet.')).toBeNull();
  });
});

describe('Data model page', () => {
  it('lists every key pattern with type, size, growth and commands, and the totals', async () => {
    const model: DataModel = {
      entries: [
        { pattern: 'SensorData', type: 'zset', sizeUnit: 'members', size: 4321, growthPerSec: 12.5, writtenBy: 'ZADD SensorData <ts> <deviceId>', inspect: 'ZCARD SensorData' },
        { pattern: 'climate:hot', type: 'string', sizeUnit: 'value', size: 7, growthPerSec: null, writtenBy: 'INCRBY climate:hot n', inspect: 'GET climate:hot' },
      ],
      totalKeys: 4326,
      usedMemoryBytes: 3 * 1024 * 1024,
      at: Date.now(),
    };
    const fake = fakeClient({ dataModel: vi.fn(async () => model) });
    renderApp(fake, 'model');
    const rows = await screen.findAllByTestId('model-entry');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('SensorData');
    expect(rows[0]!.textContent).toContain('zset');
    expect(rows[0]!.textContent).toContain(`${format(4321)} members`);
    expect(rows[0]!.textContent).toContain(`+${(12.5).toLocaleString()} /s`);
    expect(rows[0]!.textContent).toContain('ZADD SensorData <ts> <deviceId>');
    expect(rows[0]!.textContent).toContain('ZCARD SensorData');
    expect(rows[1]!.textContent).toContain('measuring…');
    expect(screen.getByTestId('total-keys').textContent).toBe(format(4326));
    expect(screen.getByTestId('used-memory').textContent).toBe('3 MiB');
  });

  it('shows why it cannot read the model', async () => {
    const fake = fakeClient({ dataModel: vi.fn(async () => Promise.reject(new Error('Redis is unavailable: ECONNREFUSED'))) });
    renderApp(fake, 'model');
    expect((await screen.findByRole('alert')).textContent).toContain('Redis is unavailable: ECONNREFUSED');
  });
});

describe('Rejected page', () => {
  it('shows the dead letters with reason, detail, topic, client, time, a truncated payload, and counts by reason', async () => {
    const long = `{"deviceId": 1, "padding": "${'x'.repeat(300)}"}`;
    const rejected: RejectedPayloads = {
      letters: [
        { at: 1_700_000_000_000, topic: 'temp_readings', clientId: 'sensor-1', reason: 'not-json', detail: 'Unexpected token', payload: 'not json', payloadBytes: 8 },
        { at: 1_700_000_000_500, topic: 'temp_readings', clientId: null, reason: 'missing-field', detail: 'humidity: required', payload: long, payloadBytes: long.length },
      ],
      countsByReason: { 'not-json': 5, 'missing-field': 2 },
      total: 7,
    };
    const fake = fakeClient({ rejected: vi.fn(async () => rejected) });
    renderApp(fake, 'rejected');
    const letters = await screen.findAllByTestId('rejected-letter');
    expect(letters).toHaveLength(2);
    expect(letters[0]!.textContent).toContain('not-json');
    expect(letters[0]!.textContent).toContain('Unexpected token');
    expect(letters[0]!.textContent).toContain('sensor-1');
    expect(letters[0]!.querySelector('time')?.getAttribute('datetime')).toBe(new Date(1_700_000_000_000).toISOString());
    const payload = letters[1]!.querySelector('code.payload')!;
    expect(payload.textContent!.length).toBeLessThan(100);
    expect(payload.textContent!.endsWith('…')).toBe(true);
    expect(payload.getAttribute('title')).toBe(long);
    expect(screen.getByTestId('rejected-total').textContent).toBe('7');
    expect(screen.getByTestId('rejected-reason-not-json').textContent).toBe('5');
    expect(screen.getByTestId('rejected-reason-missing-field').textContent).toBe('2');
  });

  it('says how to see one when nothing was rejected', async () => {
    const fake = fakeClient();
    renderApp(fake, 'rejected');
    expect(await screen.findByText(/No rejected payloads/)).toBeTruthy();
    expect(screen.getByText(/mosquitto_pub -h 127\.0\.0\.1 -p 1883 -t temp_readings -m 'not json'/)).toBeTruthy();
  });
});
