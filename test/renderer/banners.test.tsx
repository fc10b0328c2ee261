// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

describe('when something is down', () => {
  it('shows a banner with the reason and a Retry that asks again and reconnects, not a blank page', async () => {
    const user = userEvent.setup();
    const status = vi.fn().mockRejectedValueOnce(new TypeError('Failed to fetch')).mockResolvedValue(stackStatus());
    const fake = fakeClient({ status });
    renderApp(fake);

    const banner = await screen.findByTestId('api-down-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('Cannot reach the workbench API at http://127.0.0.1:4000');
    expect(banner.textContent).toContain('Failed to fetch');
    // The page itself is still there.
    expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Pages' })).toBeTruthy();

    const first = fake.current();
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByTestId('api-down-banner')).toBeNull());
    expect(status).toHaveBeenCalledTimes(2);
    expect(first.close).toHaveBeenCalled();
    expect(fake.current()).not.toBe(first);
    expect(screen.getByTestId('part-redis')).toBeTruthy();
  });

  it('shows the banner while the live socket is closed and clears it when it reopens', async () => {
    const fake = fakeClient();
    renderApp(fake);
    await screen.findByTestId('part-redis');
    fake.setConnected(true);
    expect(screen.getByTestId('live-indicator').textContent).toBe('Live');

    fake.setConnected(false);
    const banner = screen.getByTestId('api-down-banner');
    expect(banner.textContent).toContain('live connection closed');
    expect(banner.textContent).toContain('last ones received');
    expect(screen.getByTestId('live-indicator').textContent).toBe('Offline');
    expect(screen.getByTestId('part-redis')).toBeTruthy(); // last figures stay on screen

    fake.setConnected(true);
    expect(screen.queryByTestId('api-down-banner')).toBeNull();
  });

  it('names a failed or stopped part with its detail', async () => {
    const fake = fakeClient();
    renderApp(fake);
    await screen.findByTestId('part-redis');
    const base = stackStatus();
    fake.emit({
      status: {
        ...base,
        parts: {
          ...base.parts,
          redis: { state: 'failed', address: 'redis://127.0.0.1:6379', detail: 'connect ECONNREFUSED 127.0.0.1:6379' },
          broker: { state: 'stopped', address: null, detail: 'port 1883 in use' },
        },
      },
    });
    const banners = screen.getAllByTestId('part-banner');
    expect(banners.map((banner) => banner.textContent)).toEqual([
      expect.stringContaining('Redis is failed.connect ECONNREFUSED 127.0.0.1:6379'),
      expect.stringContaining('MQTT broker is stopped.port 1883 in use'),
    ]);
    expect(within(banners[0]!).getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('does not call a stopped emulator, or ingest in read-only mode, a problem', async () => {
    const fake = fakeClient();
    renderApp(fake);
    await screen.findByTestId('part-redis');
    const base = stackStatus();
    fake.emit({ status: { ...base, readOnly: true, parts: { ...base.parts, ingest: { state: 'stopped', address: null, detail: 'nothing is written' } } } });
    expect(screen.queryAllByTestId('part-banner')).toHaveLength(0);
    expect(screen.getByText('read-only')).toBeTruthy();
  });

  it('names a failed meter part, but not the meter parts resting stopped', async () => {
    const fake = fakeClient();
    renderApp(fake);
    await screen.findByTestId('part-redis');
    const base = stackStatus();
    const stopped = { state: 'stopped' as const, address: null, detail: 'not configured' };
    fake.emit({ status: { ...base, parts: { ...base.parts, udp: stopped, meterEmulator: stopped, archive: stopped } } });
    expect(screen.queryAllByTestId('part-banner')).toHaveLength(0);

    fake.emit({ status: { ...base, parts: { ...base.parts, archive: { state: 'failed', address: null, detail: 'bucket energy-archive: AccessDenied' } } } });
    expect(screen.getByTestId('part-banner').textContent).toContain('Archive is failed.bucket energy-archive: AccessDenied');
  });

  it('shouts when the ingest buffer is full', async () => {
    const fake = fakeClient();
    renderApp(fake);
    await screen.findByTestId('part-redis');
    const base = stackStatus();
    fake.emit({
      status: {
        ...base,
        figures: { ...base.figures, ingest: { ...base.figures.ingest, buffered: 200_000, bufferFull: true, waitingPublishers: 3 } },
      },
    });
    expect(screen.getByTestId('buffer-full-banner').textContent).toContain('buffer is full');
    const buffer = screen.getByTestId('buffer');
    expect(buffer.className).toContain('figure-alarm');
    expect(buffer.textContent).toContain('FULL');
    expect(buffer.textContent).toContain('3 publishers waiting');
  });
});
