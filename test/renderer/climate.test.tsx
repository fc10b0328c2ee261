// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { ClimateCounters } from '../../core/api/events.js';
import { CLIMATE_HISTORY_CAP, LiveStore } from '../../renderer/src/live-store.js';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

const counters = (hot: number, warm: number, cool: number, cold: number, at: number): ClimateCounters => ({
  counters: { hot, warm, cool, cold },
  at,
});

describe('Climate page', () => {
  it('shows the four counters as text, live, beside the chart', async () => {
    const fake = fakeClient({ climate: vi.fn(async () => counters(1, 2, 3, 4, 1000)) });
    renderApp(fake, 'climate');
    expect((await screen.findByTestId('climate-hot')).textContent).toBe('1');
    expect(screen.getByTestId('climate-warm').textContent).toBe('2');
    expect(screen.getByTestId('climate-cool').textContent).toBe('3');
    expect(screen.getByTestId('climate-cold').textContent).toBe('4');
    expect(screen.getByTestId('climate-chart').querySelector('canvas')?.getAttribute('aria-label')).toBe(
      'Climate counters: hot 1, warm 2, cool 3, cold 4',
    );

    fake.emit({ climate: counters(12_345, 2, 3, 40, 3000) });
    const hot = screen.getByTestId('climate-hot');
    expect(hot.dataset.value).toBe('12345');
    expect(hot.textContent).toBe(new Intl.NumberFormat().format(12_345));
    expect(screen.getByTestId('climate-cold').textContent).toBe('40');
    expect(screen.getByTestId('climate-total').textContent).toBe(new Intl.NumberFormat().format(12_390));
    // (12345 - 1) / 2 s
    expect(screen.getByTestId('climate-rate-hot').textContent).toBe(new Intl.NumberFormat().format(6172));
    expect(fake.current().topics).toEqual(['status', 'climate']);
  });

  it('says what to do while every counter is zero', async () => {
    const fake = fakeClient();
    renderApp(fake, 'climate');
    const empty = await screen.findByText(/No readings counted yet — start the emulator/);
    expect(within(empty.closest('[role="status"]') as HTMLElement).getByRole('button', { name: 'Open the Emulator page' })).toBeTruthy();
  });
});

describe('climate rates', () => {
  it('derives per-second rates over at least a second, bounded, and restarts when counters go back', () => {
    const store = new LiveStore();
    store.applyFrame({ at: 0, climate: counters(0, 0, 0, 0, 0) });
    store.applyFrame({ at: 250, climate: counters(5, 0, 0, 0, 250) });
    expect(store.getSnapshot().climateHistory).toHaveLength(0); // under a second: no point yet
    store.applyFrame({ at: 1000, climate: counters(10, 4, 2, 1, 1000) });
    expect(store.getSnapshot().climateHistory).toEqual([{ at: 1000, rates: { hot: 10, warm: 4, cool: 2, cold: 1 } }]);
    store.applyFrame({ at: 3000, climate: counters(30, 4, 2, 1, 3000) });
    expect(store.getSnapshot().climateHistory.at(-1)?.rates.hot).toBe(10);

    // Older samples are ignored.
    store.applyFrame({ at: 3100, climate: counters(1, 1, 1, 1, 2000) });
    expect(store.getSnapshot().climate?.counters.hot).toBe(30);

    // A FLUSHALL: counters back to zero start the rates afresh instead of going negative.
    store.applyFrame({ at: 4000, climate: counters(0, 0, 0, 0, 4000) });
    expect(store.getSnapshot().climateHistory).toEqual([]);

    for (let i = 1; i <= CLIMATE_HISTORY_CAP + 50; i += 1) store.applyFrame({ at: 4000 + i * 1000, climate: counters(i, i, i, i, 4000 + i * 1000) });
    expect(store.getSnapshot().climateHistory).toHaveLength(CLIMATE_HISTORY_CAP);
  });
});
