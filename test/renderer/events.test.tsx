// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { EventSearch } from '../../core/api/events.js';
import { fakeClient, installDomStubs, recentEvents, renderApp } from './helpers.js';

installDomStubs();

const SIX_FIELDS = ['temperature', 'deviceIP', 'humidity', 'climate', 'timestamp', 'requestId'];

describe('Events page', () => {
  it('shows the newest entries from live frames, newest first', async () => {
    const fake = fakeClient();
    renderApp(fake, 'events');
    fake.emit({ events: recentEvents([['2817', 1_700_000_002_000], ['42', 1_700_000_001_000], ['7', 1_700_000_000_000]]) });

    const list = screen.getByRole('list', { name: 'Newest SensorData entries' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(within(items[0]!).getByRole('button').textContent).toBe('2817');
    expect(screen.getByText('ZREVRANGEBYSCORE SensorData +inf -inf WITHSCORES LIMIT 0 24')).toBeTruthy();

    fake.emit({ events: recentEvents([['99', 1_700_000_003_000], ['2817', 1_700_000_002_000]]) });
    expect(within(list).getAllByRole('listitem').map((item) => within(item).getByRole('button').textContent)).toEqual(['99', '2817']);
  });

  it("shows a device's six hash fields beside the list when its id is clicked", async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'events');
    fake.emit({ events: recentEvents([['2817', 1_700_000_002_000], ['42', 1_700_000_001_000]]) });

    await user.click(screen.getByRole('button', { name: '2817' }));
    expect(fake.client.device).toHaveBeenCalledWith('2817');
    const panel = screen.getByTestId('device-hash');
    await within(panel).findByText('HGETALL 2817');
    expect(within(panel).getByRole('heading', { name: 'Device 2817' })).toBeTruthy();
    const names = within(panel)
      .getAllByRole('term')
      .map((term) => term.textContent);
    expect(names).toEqual(SIX_FIELDS);
    expect(within(panel).getByText('10.0.0.7')).toBeTruthy();
    expect(within(panel).getByText('hot')).toBeTruthy();
    expect(screen.getByRole('button', { name: '2817' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('says what to do when SensorData is empty', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'events');
    expect(await screen.findByText(/No readings yet — start the emulator on the Emulator page or publish to temp_readings/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Open the Emulator page' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Emulator' })).toBeTruthy();
  });

  it('runs a time-range query and shows the equivalent redis-cli command', async () => {
    const user = userEvent.setup();
    const eventRange = vi.fn(async (from: number, to: number, limit: number) => ({
      events: [{ deviceId: '5', timestamp: from + 1 }],
      truncated: true,
      command: `ZRANGEBYSCORE SensorData ${from} ${to} WITHSCORES LIMIT 0 ${limit}`,
    }));
    const fake = fakeClient({ eventRange });
    renderApp(fake, 'events');
    await user.click(screen.getByRole('button', { name: 'Last hour' }));
    const result = await screen.findByTestId('range-result');
    const [from, to, limit] = eventRange.mock.calls[0]!;
    expect(to - from).toBe(3_600_000);
    expect(limit).toBe(100);
    expect(within(result).getByText(`ZRANGEBYSCORE SensorData ${from} ${to} WITHSCORES LIMIT 0 100`)).toBeTruthy();
    expect(within(result).getByText(/more fall in this range/)).toBeTruthy();
    expect(within(result).getByRole('button', { name: '5' })).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Run query' }));
    await waitFor(() => expect(eventRange).toHaveBeenCalledTimes(2));
  });

  it('scans with a pattern and "Scan more" continues from the returned cursor', async () => {
    const user = userEvent.setup();
    const steps: EventSearch[] = [
      { events: [{ deviceId: '21', timestamp: 1 }], cursor: '17', command: 'ZSCAN SensorData 0 MATCH 2* COUNT 100' },
      { events: [{ deviceId: '22', timestamp: 2 }], cursor: '0', command: 'ZSCAN SensorData 17 MATCH 2* COUNT 100' },
    ];
    const fake = fakeClient({ searchEvents: vi.fn(async () => steps.shift()!) });
    renderApp(fake, 'events');

    await user.click(screen.getByRole('button', { name: 'Search' }));
    const result = await screen.findByTestId('search-result');
    expect(fake.client.searchEvents).toHaveBeenLastCalledWith('2*', '0', 100);
    expect(within(result).getByText('ZSCAN SensorData 0 MATCH 2* COUNT 100')).toBeTruthy();
    expect(within(result).getByText(/next cursor 17/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Scan more' }));
    await within(result).findByText(/scan complete/);
    expect(fake.client.searchEvents).toHaveBeenLastCalledWith('2*', '17', 100);
    const found = within(screen.getByRole('list', { name: 'Matching SensorData entries' })).getAllByRole('button');
    expect(found.map((button) => button.textContent)).toEqual(['21', '22']);
    expect((screen.getByRole('button', { name: 'Scan more' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
