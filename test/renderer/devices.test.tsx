// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RefusalSummary } from '../../core/api/devices.js';
import { fakeClient, installDomStubs, registeredDevice, renderApp } from './helpers.js';

installDomStubs();

/** jsdom has no object URLs: record the blobs the page offers for download. */
const blobs = new Map<string, Blob>();
beforeEach(() => {
  blobs.clear();
  URL.createObjectURL = vi.fn((blob: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, blob);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => {
  Reflect.deleteProperty(URL, 'createObjectURL');
  Reflect.deleteProperty(URL, 'revokeObjectURL');
});

async function connect(user: ReturnType<typeof userEvent.setup>, id: string, choices: { kind?: string; password?: boolean; publish?: string } = {}) {
  const form = await screen.findByTestId('connect-device-form');
  await user.type(within(form).getByLabelText('Device id'), id);
  if (choices.kind) await user.selectOptions(within(form).getByLabelText('Kind'), choices.kind);
  if (choices.password) await user.click(within(form).getByLabelText('Password'));
  if (choices.publish) await user.type(within(form).getByLabelText(/Extra publish patterns/), choices.publish);
  await user.click(within(form).getByRole('button', { name: 'Register and get its kit' }));
  return screen.findByTestId('connection-kit');
}

describe('Devices page: connecting a device', () => {
  it('is in the navigation after Connections', async () => {
    renderApp(fakeClient());
    const titles = within(screen.getByRole('navigation', { name: 'Pages' })).getAllByRole('link').map((link) => link.textContent);
    expect(titles.slice(titles.indexOf('Connections'), titles.indexOf('Connections') + 2)).toEqual(['Connections', 'Devices']);
  });

  it('registers with a client certificate by default, sending the id and kind', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'devices');
    await connect(user, 'D704206000042');
    expect(fake.client.registerDevice).toHaveBeenCalledWith({ id: 'D704206000042', kind: 'meter', auth: 'certificate' });
  });

  it('sends the chosen kind, password authentication and extra topic patterns', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'devices');
    await connect(user, 'T-17', { kind: 'thermostat', password: true, publish: 'alerts/T-17\nsites/+/T-17' });
    expect(fake.client.registerDevice).toHaveBeenCalledWith({ id: 'T-17', kind: 'thermostat', auth: 'password', publish: ['alerts/T-17', 'sites/+/T-17'] });
  });

  it('asks for an id before sending anything', async () => {
    const user = userEvent.setup();
    const fake = fakeClient();
    renderApp(fake, 'devices');
    await user.click(await screen.findByRole('button', { name: 'Register and get its kit' }));
    expect(screen.getByRole('alert').textContent).toMatch(/Give the device an id/);
    expect(fake.client.registerDevice).not.toHaveBeenCalled();
  });

  it('shows why the server refused, e.g. an id already registered', async () => {
    const user = userEvent.setup();
    renderApp(fakeClient({ registerDevice: vi.fn(async () => Promise.reject(new Error('device T-17 is already registered'))) }), 'devices');
    await user.type(await screen.findByLabelText('Device id'), 'T-17');
    await user.click(screen.getByRole('button', { name: 'Register and get its kit' }));
    expect((await screen.findByText(/Not registered:/)).textContent).toBe('Not registered: device T-17 is already registered');
  });

  it('shows a password once, with a copy button and a warning, and it is gone after leaving the page', async () => {
    const user = userEvent.setup();
    renderApp(fakeClient(), 'devices');
    const kit = await connect(user, 'T-17', { password: true });
    expect(within(kit).getByTestId('device-password').textContent).toBe('Zq3-once-only-password');
    expect(within(kit).getByText(/it is not shown again/)).toBeTruthy();
    await user.click(within(kit).getByRole('button', { name: 'Copy password' }));
    expect(await navigator.clipboard.readText()).toBe('Zq3-once-only-password');
    expect(within(kit).getByText('Copied')).toBeTruthy();
    expect(within(kit).queryByTestId('download-link')).toBeNull();

    await user.click(screen.getByRole('link', { name: 'Overview' }));
    await user.click(screen.getByRole('link', { name: 'Devices' }));
    await screen.findByTestId('connect-device-form');
    expect(screen.queryByTestId('connection-kit')).toBeNull();
    expect(document.body.textContent).not.toContain('Zq3-once-only-password');
  });

  it('offers the certificate, key and CA as downloads named for the device', async () => {
    const user = userEvent.setup();
    renderApp(fakeClient(), 'devices');
    const kit = await connect(user, 'D704206000042');
    const links = within(kit).getAllByTestId('download-link');
    expect(links.map((link) => link.getAttribute('download'))).toEqual(['D704206000042.crt', 'D704206000042.key', 'ca.crt']);
    // The object URLs are made in an effect, after the first paint.
    await waitFor(() => expect(links.every((link) => blobs.has(link.getAttribute('href') ?? ''))).toBe(true));
    const contents = await Promise.all(links.map((link) => blobs.get(link.getAttribute('href')!)!.text()));
    expect(contents).toEqual(['CERT of D704206000042', 'KEY of D704206000042', 'CA CERT']);
    expect(within(kit).getByText(/private key is not kept anywhere/)).toBeTruthy();
    expect(within(kit).queryByTestId('device-password')).toBeNull();
  });

  it('shows the broker addresses and both snippets, each with a copy button', async () => {
    const user = userEvent.setup();
    renderApp(fakeClient(), 'devices');
    const kit = await connect(user, 'D704206000042');
    expect(within(kit).getByTestId('broker-endpoints').textContent).toContain('mqtts://127.0.0.1:8883 (client certificate required)');
    expect(within(kit).getByLabelText('mosquitto_pub snippet').textContent).toBe('mosquitto_pub -h 127.0.0.1 -i D704206000042');
    expect(within(kit).getByLabelText('mqtt.js snippet').textContent).toContain('mqtt.connectAsync');
    expect(within(kit).getByLabelText('mosquitto_pub, MQTT 5 snippet').textContent).toBe('mosquitto_pub -V 5 -h 127.0.0.1 -i D704206000042');
    expect(within(kit).getByLabelText('mqtt.js, MQTT 5 snippet').textContent).toContain('protocolVersion: 5');
    await user.click(within(kit).getByRole('button', { name: 'Copy the mosquitto_pub snippet' }));
    expect(await navigator.clipboard.readText()).toBe('mosquitto_pub -h 127.0.0.1 -i D704206000042');
  });
});

describe('Devices page: registered devices', () => {
  const meter = registeredDevice({ id: 'D704206000042', lastSeen: Date.now() - 5 * 60_000, lastAddress: '192.168.1.40' });
  const thermostat = registeredDevice({ id: 'T-17', kind: 'thermostat', auth: 'password', hasPassword: true, certificateFingerprint: null, publish: ['temp_readings', 'thermostats/T-17/#'] });
  const listed = () => fakeClient({ registeredDevices: vi.fn(async () => ({ cursor: '0', devices: [meter, thermostat] })) });
  const row = (id: string) => screen.getAllByTestId('device-row').find((one) => within(one).getByRole('rowheader').textContent === id)!;

  it('lists them with kind, authentication, topics, last seen and address', async () => {
    renderApp(listed(), 'devices');
    await screen.findAllByTestId('device-row');
    const cells = within(row('D704206000042')).getAllByRole('cell').map((cell) => cell.textContent);
    expect(cells.slice(0, 3)).toEqual(['meter', 'client certificate', 'meters/D704206000042/#']);
    expect(cells[4]).toBe('5 min ago');
    expect(cells[5]).toBe('192.168.1.40');
    expect(within(row('T-17')).getAllByRole('cell')[4]!.textContent).toBe('never');
  });

  it('removes a device only after asking', async () => {
    const user = userEvent.setup();
    const fake = listed();
    renderApp(fake, 'devices');
    await screen.findAllByTestId('device-row');
    await user.click(screen.getByRole('button', { name: 'Remove T-17' }));
    expect(fake.client.removeDevice).not.toHaveBeenCalled();
    expect(screen.getByText(/Remove T-17\? It is disconnected at once/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Yes, remove T-17' }));
    expect(fake.client.removeDevice).toHaveBeenCalledWith('T-17');
    await waitFor(() => expect(vi.mocked(fake.client.registeredDevices).mock.calls.length).toBeGreaterThan(1));
  });

  it('gives a password device a new password, shown once; a certificate device has no such button', async () => {
    const user = userEvent.setup();
    const fake = listed();
    renderApp(fake, 'devices');
    await screen.findAllByTestId('device-row');
    expect(screen.queryByRole('button', { name: 'New password for D704206000042' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'New password for T-17' }));
    expect(fake.client.newDevicePassword).toHaveBeenCalledWith('T-17');
    expect((await screen.findByTestId('device-password')).textContent).toBe('fresh-rotated-password');
  });
});

describe('Devices page: refusals', () => {
  const refused: RefusalSummary = {
    total: 4,
    byCode: { 'wrong-password': 2, 'publish-not-allowed': 1, 'limit-exceeded': 1, 'unknown-device': 0 },
    recent: [
      { at: Date.now(), action: 'publish', clientId: 'D704206000042', address: '192.168.1.40', deviceId: 'D704206000042', topic: 'meters/D704206000099/energy', code: 'publish-not-allowed', reason: 'D704206000042 may publish only under meters/D704206000042/#', answer: 'PUBACK 0x87 not authorized' },
      { at: Date.now() - 5000, action: 'connect', clientId: 'T-17', address: '192.168.1.41', deviceId: null, topic: null, code: 'wrong-password', reason: 'wrong password for T-17', answer: 'CONNACK 0x04 bad user name or password' },
      { at: Date.now() - 6000, action: 'publish', clientId: '', address: '192.168.1.50', deviceId: null, topic: null, code: 'limit-exceeded', reason: 'a PUBLISH packet of 5000000 bytes is larger than the broker allows', answer: 'disconnected' },
    ],
  };

  it('counts them by reason and lists the recent ones with client, address, topic and reason', async () => {
    renderApp(fakeClient({ refusals: vi.fn(async () => refused) }), 'devices');
    const panel = await screen.findByTestId('refusals');
    await within(panel).findAllByTestId('refusal-row');
    expect(within(panel).getByRole('heading').textContent).toBe('Refusals (4)');
    expect(within(panel).getByRole('list', { name: 'Refusals by reason' }).textContent).toBe('wrong-password 2publish-not-allowed 1limit-exceeded 1');
    const rows = within(panel).getAllByTestId('refusal-row').map((one) => within(one).getAllByRole('cell').slice(1).map((cell) => cell.textContent));
    expect(rows).toEqual([
      ['publish', 'D704206000042', '192.168.1.40', 'meters/D704206000099/energy', 'D704206000042 may publish only under meters/D704206000042/#'],
      ['connect', 'T-17', '192.168.1.41', '—', 'wrong password for T-17'],
      // Cut at the packet header before its CONNECT was through: no client id to show.
      ['publish', 'not yet known', '192.168.1.50', '—', 'a PUBLISH packet of 5000000 bytes is larger than the broker allows'],
    ]);
  });

  it('polls every few seconds', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const fake = fakeClient();
      renderApp(fake, 'devices');
      await screen.findByText('Nothing refused since the broker started.');
      const before = vi.mocked(fake.client.refusals).mock.calls.length;
      await vi.advanceTimersByTimeAsync(3100);
      expect(vi.mocked(fake.client.refusals).mock.calls.length).toBeGreaterThan(before);
    } finally {
      vi.useRealTimers();
    }
  });
});
