// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { activeConnection, emulatorStatus, fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

describe('Emulator page', () => {
  it('shows the current status and starts and stops with the Start and Stop buttons', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'emulator');
    const base = stackStatus();
    fake.emit({ status: { ...base, emulator: emulatorStatus({ running: false, published: 12_000, acknowledged: 11_990, throttledTicks: 3 }) } });
    const figures = screen.getByTestId('emulator-status');
    expect(within(figures).getByTestId('emulator-running').textContent).toBe('stopped');
    expect(within(figures).getByTestId('emulator-published').textContent).toBe(new Intl.NumberFormat().format(12_000));
    expect(within(figures).getByTestId('emulator-acknowledged').textContent).toBe(new Intl.NumberFormat().format(11_990));
    expect(within(figures).getByTestId('emulator-throttled').textContent).toBe('3');
    expect((screen.getByRole('button', { name: 'Stop' }) as HTMLButtonElement).disabled).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(fake.client.emulator).toHaveBeenCalledWith({ action: 'start' });
    await waitFor(() => expect(screen.getByTestId('emulator-running').textContent).toBe('running'));

    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(fake.client.emulator).toHaveBeenLastCalledWith({ action: 'stop' });
    await waitFor(() => expect(screen.getByTestId('emulator-running').textContent).toBe('stopped'));
  });

  it('applies rate, devices and hot share, and the presets', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'emulator');
    await screen.findByTestId('emulator-status');

    const rate = screen.getByLabelText('Rate (readings per second)');
    await user.clear(rate);
    await user.type(rate, '5000');
    const devices = screen.getByLabelText('Devices (ids 1…n)');
    await user.clear(devices);
    await user.type(devices, '100');
    await user.type(screen.getByLabelText(/Hot share/), '25');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(fake.client.emulator).toHaveBeenCalledWith({ action: 'configure', rate: 5000, devices: 100, hotShare: 0.25 });

    for (const [name, preset] of [
      ['Document cadence', 'document'],
      ['Heat wave', 'heat-wave'],
      ['Burst', 'burst'],
    ] as const) {
      await user.click(screen.getByRole('button', { name }));
      await waitFor(() => expect(fake.client.emulator).toHaveBeenLastCalledWith({ action: 'configure', preset }));
    }
  });

  it('rejects a bad rate before asking the server, and shows the server refusing', async () => {
    const user = userEvent.setup();
    const fake = fakeClient({ emulator: vi.fn(async () => Promise.reject(new Error('read-only mode: the emulator cannot write'))) });
    renderApp(fake, 'emulator');
    await screen.findByTestId('emulator-status');
    const rate = screen.getByLabelText('Rate (readings per second)');
    await user.clear(rate);
    await user.type(rate, '0');
    await user.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByRole('alert').textContent).toContain('Rate is readings per second');
    expect(fake.client.emulator).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByText(/The emulator refused/)).textContent).toContain('read-only mode');
  });

  it('says how to start when the emulator has never run', async () => {
    const fake = fakeClient({ status: vi.fn(async () => stackStatus({ emulator: null })) });
    renderApp(fake, 'emulator');
    expect((await screen.findByTestId('emulator-empty')).textContent).toContain('Press Start');
  });

  it('cannot start while another connection is in use, and says where to switch back', async () => {
    const user = userEvent.setup();
    const staging = activeConnection({ id: 'staging', name: 'Staging', builtIn: false, readOnly: false });
    const fake = fakeClient({ status: vi.fn(async () => stackStatus({ connection: staging, emulator: emulatorStatus({ running: true }) })) });
    renderApp(fake, 'emulator');
    const notice = await screen.findByTestId('emulator-elsewhere');
    expect(notice.textContent).toBe("The emulators write to the workbench's own Redis; switch to it on the Connections page.");
    expect((screen.getByRole('button', { name: 'Start' }) as HTMLButtonElement).disabled).toBe(true);
    // One started before the switch can still be stopped.
    expect((screen.getByRole('button', { name: 'Stop' }) as HTMLButtonElement).disabled).toBe(false);

    await user.click(within(notice).getByRole('button', { name: 'Connections page' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Connections' })).toBeTruthy();
  });
});
