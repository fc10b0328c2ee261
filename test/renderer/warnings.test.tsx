// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { WARNINGS_CAP } from '../../renderer/src/live-store.js';
import { fakeClient, installDomStubs, renderApp, warning } from './helpers.js';

installDomStubs();

const rows = () => screen.queryAllByTestId('warning');
const devices = () => rows().map((row) => within(row).getByTestId('warning-device').textContent);

describe('Warnings page', () => {
  it('shows each warning with time, device and temperature, newest first', () => {
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    expect(fake.current().topics).toEqual(['status', 'warnings']);
    fake.emit({ warnings: [warning('7', 91.5, 1_700_000_000_000), warning('8', 99, 1_700_000_000_100)] });
    expect(devices()).toEqual(['8', '7']);
    const first = rows()[0]!;
    expect(within(first).getByTestId('warning-temperature').textContent).toBe('99');
    expect(first.querySelector('time')?.getAttribute('datetime')).toBe(new Date(1_700_000_000_100).toISOString());
  });

  it('stops adding entries while paused and adds them again after Resume', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    fake.emit({ warnings: [warning('1', 90)] });
    expect(devices()).toEqual(['1']);

    await user.click(screen.getByRole('button', { name: 'Pause' }));
    expect(screen.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed')).toBe('true');
    fake.emit({ warnings: [warning('2', 91), warning('3', 92)] });
    expect(devices()).toEqual(['1']);
    expect(screen.getByText(/Paused: 2 warnings not shown since/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Resume' }));
    fake.emit({ warnings: [warning('4', 93)] });
    expect(devices()).toEqual(['4', '1']);
  });

  it(`keeps only the newest ${WARNINGS_CAP} and reports what the server dropped`, () => {
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    const many = Array.from({ length: WARNINGS_CAP + 20 }, (_, i) => warning(String(i), 90));
    fake.emit({ warnings: many.slice(0, 300) });
    fake.emit({ warnings: many.slice(300), warningsDropped: 1234 });
    expect(rows()).toHaveLength(WARNINGS_CAP);
    expect(devices()[0]).toBe(String(WARNINGS_CAP + 19));
    expect(devices().at(-1)).toBe('20');
    expect(screen.getByTestId('warnings-dropped').textContent).toContain(new Intl.NumberFormat().format(1234));
  });

  it('says how to make a warning when there is none', async () => {
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    expect(await screen.findByText(/No warnings yet/)).toBeTruthy();
    expect(screen.getByText(/mosquitto_pub -h 127\.0\.0\.1 -p 1883 -t temp_readings/)).toBeTruthy();
  });

  it('keeps the feed across pages and Clear empties it', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    fake.emit({ warnings: [warning('1', 90)] });
    await user.click(screen.getByRole('link', { name: 'Overview' }));
    await user.click(screen.getByRole('link', { name: 'Warnings' }));
    expect(devices()).toEqual(['1']);
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(rows()).toHaveLength(0);
  });
});
