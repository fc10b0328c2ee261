// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ActiveConnection, ConnectionCheck, ConnectionView } from '../../core/api/connections.js';
import { activeConnection, connectionList, connectionView, fakeClient, installDomStubs, renderApp, stackStatus, warning } from './helpers.js';

installDomStubs();

const DEFAULT_SCHEMA = { keyPrefix: '', namespace: 'backend:dev', sensorData: 'SensorData', climatePrefix: 'climate:', devicePrefix: '', warningsChannel: 'Warnings' };

const builtIn = connectionView();
const staging = connectionView({
  id: 'staging',
  name: 'Staging',
  builtIn: false,
  host: 'redis.staging.internal',
  port: 6380,
  db: 2,
  username: 'reader',
  tls: { enabled: true, verify: true, servername: 'redis.staging' },
  readOnly: true,
  storedSecrets: { password: true, sentinelPassword: false, tlsKey: false },
});
const sentinel = connectionView({
  id: 'ha',
  name: 'HA',
  builtIn: false,
  kind: 'sentinel',
  sentinel: { masterName: 'mymaster', nodes: [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }], tls: false },
  readOnly: false,
});
const cluster = connectionView({
  id: 'cl',
  name: 'Cluster',
  builtIn: false,
  kind: 'cluster',
  cluster: { seeds: [{ host: '10.0.1.1', port: 7000 }], natMap: [] },
  readOnly: true,
});

/**
 * A workbench whose active connection follows activateConnection, as the server's does; `refuse`
 * makes activation fail with that reason instead.
 */
function workbench(connections: ConnectionView[] = [builtIn, staging, sentinel, cluster], refuse: string | null = null) {
  let active: ActiveConnection = activeConnection();
  const toActive = (view: ConnectionView) =>
    activeConnection({ id: view.id, name: view.name, kind: view.kind, builtIn: view.builtIn, readOnly: view.readOnly, address: `address of ${view.name}` });
  return fakeClient({
    status: vi.fn(async () => stackStatus({ connection: active, readOnly: active.readOnly })),
    connections: vi.fn(async () => connectionList(connections, { activeId: active.id })),
    activateConnection: vi.fn(async (id: string) => {
      if (refuse) throw new Error(refuse);
      active = toActive(connections.find((view) => view.id === id)!);
      return active;
    }),
  });
}

const row = (name: string) => screen.getAllByTestId('connection-row').find((one) => within(one).getByRole('rowheader').textContent!.startsWith(name))!;
const cells = (name: string) => within(row(name)).getAllByRole('cell').map((cell) => cell.textContent);

async function openForm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Add connection' }));
  return screen.getByTestId('connection-form');
}

describe('Connections page', () => {
  it('lists every saved connection with kind, address, access, TLS, and which is active and built in', async () => {
    renderApp(workbench(), 'connections');
    const rows = await screen.findAllByTestId('connection-row');
    expect(rows.map((one) => within(one).getByRole('rowheader').textContent)).toEqual(['Workbench Redisactivebuilt-in', 'Staging', 'HA', 'Cluster']);
    expect(rows[0]!.getAttribute('aria-current')).toBe('true');

    expect(cells('Workbench')).toEqual(['standalone', 'redis://127.0.0.1:6379', 'writable', 'off', expect.any(String)]);
    expect(cells('Staging').slice(0, 4)).toEqual(['standalone', 'rediss://redis.staging.internal:6380/2', 'read-only', 'on']);
    expect(cells('HA')[1]).toBe('sentinel mymaster via 10.0.0.1:26379, [::1]:26380');
    expect(cells('Cluster')[1]).toBe('cluster via 10.0.1.1:7000');

    // The built-in one is set by the workbench's flags: it can be tested, not edited or deleted; the active one is not "used" again.
    expect(within(row('Workbench')).queryByRole('button', { name: /Edit/ })).toBeNull();
    expect(within(row('Workbench')).queryByRole('button', { name: /Delete/ })).toBeNull();
    expect(within(row('Workbench')).getByRole('button', { name: 'Use Workbench Redis' })).toHaveProperty('disabled', true);
    expect(within(row('Staging')).getByRole('button', { name: 'Edit Staging' })).toBeTruthy();
  });

  it('adds a connection from a pasted URL: the server parses it, read-only by default', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    const form = await openForm(user);
    expect(within(form).getByLabelText('Read-only')).toHaveProperty('checked', true);

    await user.type(within(form).getByLabelText('Name'), 'Prod cache');
    await user.type(within(form).getByLabelText('Paste a redis:// or rediss:// URL'), 'rediss://app:pw@cache.example.com:6380/1');
    // The URL stands in for these.
    expect(within(form).getByLabelText('Host')).toHaveProperty('disabled', true);
    expect(within(form).getByLabelText('Password')).toHaveProperty('disabled', true);
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));

    expect(fake.client.addConnection).toHaveBeenCalledWith({
      name: 'Prod cache',
      kind: 'standalone',
      readOnly: true,
      url: 'rediss://app:pw@cache.example.com:6380/1',
      tls: { verify: true },
      schema: DEFAULT_SCHEMA,
    });
    await waitFor(() => expect(screen.queryByTestId('connection-form')).toBeNull());
    expect(vi.mocked(fake.client.connections).mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('sends host, port, TLS, timeouts and a typed password; secrets only when typed', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    const form = await openForm(user);
    await user.type(within(form).getByLabelText('Name'), 'Local 7000');
    await user.type(within(form).getByLabelText('Host'), '127.0.0.1');
    await user.clear(within(form).getByLabelText('Port'));
    await user.type(within(form).getByLabelText('Port'), '7000');
    await user.type(within(form).getByLabelText('Username'), 'ops');
    await user.type(within(form).getByLabelText('Password'), 'hunter2');
    await user.click(within(form).getByLabelText('Use TLS'));
    await user.type(within(form).getByLabelText(/Server name/), 'redis.local');
    await user.type(within(form).getByLabelText('Connect timeout (ms)'), '2000');
    await user.click(within(form).getByLabelText('Read-only'));
    expect(within(form).getByText(/Writable: the console sends any command/)).toBeTruthy();
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));

    expect(fake.client.addConnection).toHaveBeenCalledWith({
      name: 'Local 7000',
      kind: 'standalone',
      readOnly: false,
      host: '127.0.0.1',
      port: 7000,
      username: 'ops',
      db: 0,
      tls: { enabled: true, verify: true, servername: 'redis.local' },
      connectTimeoutMs: 2000,
      schema: DEFAULT_SCHEMA,
      secrets: { password: 'hunter2' },
    });
  });

  it('says what is wrong with a bad port or node line before asking the server, and shows the server refusing', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    vi.mocked(fake.client.addConnection).mockRejectedValue(new Error('tls.ca: must be PEM text (-----BEGIN …-----)'));
    renderApp(fake, 'connections');
    const form = await openForm(user);
    await user.type(within(form).getByLabelText('Name'), 'Bad');
    await user.type(within(form).getByLabelText('Host'), 'localhost');
    await user.clear(within(form).getByLabelText('Port'));
    await user.type(within(form).getByLabelText('Port'), '70000');
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));
    expect(within(form).getByRole('alert').textContent).toBe('The port must be a whole number from 1 to 65535.');

    await user.selectOptions(within(form).getByLabelText('Kind'), 'sentinel');
    await user.type(within(form).getByLabelText('Master name'), 'mymaster');
    await user.type(within(form).getByLabelText(/Sentinel nodes/), '10.0.0.1:26379{Enter}10.0.0.2');
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));
    expect(within(form).getByRole('alert').textContent).toContain('Sentinel nodes, line 2: “10.0.0.2” is not host:port');
    expect(fake.client.addConnection).not.toHaveBeenCalled();

    await user.clear(within(form).getByLabelText(/Sentinel nodes/));
    await user.type(within(form).getByLabelText(/Sentinel nodes/), '10.0.0.1:26379{Enter}[[::1]:26380');
    await user.type(within(form).getByLabelText(/CA certificate/), 'not a pem');
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));
    expect(fake.client.addConnection).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'sentinel',
        sentinel: { masterName: 'mymaster', nodes: [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }], tls: false },
        tls: { enabled: false, verify: true, ca: 'not a pem' },
      }),
    );
    expect((await within(form).findByText(/Not saved:/)).textContent).toBe('Not saved: tls.ca: must be PEM text (-----BEGIN …-----)');
    expect(screen.getByTestId('connection-form')).toBeTruthy();
  });

  it('reads cluster seeds and the NAT map line by line', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    const form = await openForm(user);
    await user.type(within(form).getByLabelText('Name'), 'Docker cluster');
    await user.selectOptions(within(form).getByLabelText('Kind'), 'cluster');
    expect(within(form).queryByLabelText('Host')).toBeNull();
    expect(within(form).queryByLabelText('Database')).toBeNull();
    await user.type(within(form).getByLabelText(/Seed nodes/), '127.0.0.1:7000');
    await user.type(within(form).getByLabelText(/NAT map/), '172.18.0.2:7000 -> 127.0.0.1:7000');
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));
    expect(within(form).getByRole('alert').textContent).toContain('NAT map, line 1');

    await user.clear(within(form).getByLabelText(/NAT map/));
    await user.type(within(form).getByLabelText(/NAT map/), '172.18.0.2:7000 => 127.0.0.1:7000{Enter}{Enter}172.18.0.3:7001=>127.0.0.1:7001');
    await user.click(within(form).getByRole('button', { name: 'Add connection' }));
    expect(fake.client.addConnection).toHaveBeenCalledWith(
      expect.objectContaining({
        kind: 'cluster',
        cluster: {
          seeds: [{ host: '127.0.0.1', port: 7000 }],
          natMap: [
            { from: { host: '172.18.0.2', port: 7000 }, to: { host: '127.0.0.1', port: 7000 } },
            { from: { host: '172.18.0.3', port: 7001 }, to: { host: '127.0.0.1', port: 7001 } },
          ],
        },
      }),
    );
    expect(vi.mocked(fake.client.addConnection).mock.lastCall![0]).not.toHaveProperty('db');
  });

  it('edits a connection: stored secrets stay unless typed over, and "clear" sends null', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    await user.click(await screen.findByRole('button', { name: 'Edit Staging' }));
    const form = screen.getByTestId('connection-form');
    expect(within(form).getByRole('heading', { name: 'Edit Staging' })).toBeTruthy();
    expect(within(form).getByLabelText('Host')).toHaveProperty('value', 'redis.staging.internal');
    expect(within(form).getByLabelText('Port')).toHaveProperty('value', '6380');
    const password = within(form).getByLabelText('Password') as HTMLInputElement;
    expect(password.type).toBe('password');
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('stored — leave empty to keep');
    expect(within(form).queryByLabelText('Clear the stored client key')).toBeNull(); // none stored

    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(fake.client.updateConnection).toHaveBeenCalledWith('staging', {
      name: 'Staging',
      kind: 'standalone',
      readOnly: true,
      host: 'redis.staging.internal',
      port: 6380,
      username: 'reader',
      db: 2,
      tls: { enabled: true, verify: true, servername: 'redis.staging' },
      connectTimeoutMs: 5000,
      commandTimeoutMs: 10_000,
      schema: DEFAULT_SCHEMA,
    });

    await user.click(await screen.findByRole('button', { name: 'Edit Staging' }));
    await user.click(screen.getByLabelText('Clear the stored password'));
    expect(screen.getByLabelText('Password')).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(vi.mocked(fake.client.updateConnection).mock.lastCall![1].secrets).toEqual({ password: null });
  });

  it('shows the resulting key names as the mapping is typed', async () => {
    const user = userEvent.setup();
    renderApp(workbench(), 'connections');
    const form = await openForm(user);
    const examples = within(form).getByTestId('schema-examples');
    expect(within(examples).getAllByRole('definition').map((dd) => dd.textContent)).toEqual([
      'SensorData',
      'climate:hot',
      '<deviceId>',
      'Warnings',
      'backend:dev:energy:<deviceId>:<bucket>',
    ]);
    await user.type(within(form).getByLabelText('Key prefix'), 'iot:');
    await user.type(within(form).getByLabelText('Device hash prefix'), 'device:');
    await user.clear(within(form).getByLabelText('Smart-meter namespace'));
    await user.type(within(form).getByLabelText('Smart-meter namespace'), 'plant:prod');
    expect(within(examples).getAllByRole('definition').map((dd) => dd.textContent)).toEqual([
      'iot:SensorData',
      'iot:climate:hot',
      'iot:device:<deviceId>',
      'iot:Warnings',
      'plant:prod:energy:<deviceId>:<bucket>',
    ]);
  });

  it('disables the secret fields and says why when secrets cannot be stored', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    const detail = 'Secrets are not saved: set SW_SECRET_KEY to keep passwords.';
    vi.mocked(fake.client.connections).mockResolvedValue(connectionList([builtIn], { secretStorage: { available: false, detail } }));
    renderApp(fake, 'connections');
    const form = await openForm(user);
    expect(within(form).getByLabelText('Password')).toHaveProperty('disabled', true);
    expect(within(form).getByLabelText('Client key')).toHaveProperty('disabled', true);
    expect(within(form).getByLabelText('Password').getAttribute('aria-describedby')).toBeTruthy();
    expect(within(form).getAllByText(detail).length).toBeGreaterThanOrEqual(2);
  });

  it('tests a saved connection and shows each step with its result and detail', async () => {
    const user = userEvent.setup();
    const check: ConnectionCheck = {
      ok: false,
      steps: [
        { step: 'connect', ok: true, detail: 'TCP and TLS to redis.staging.internal:6380' },
        { step: 'authenticate', ok: false, detail: 'WRONGPASS: check the username and password' },
      ],
      elapsedMs: 12,
    };
    const fake = workbench();
    vi.mocked(fake.client.testConnection).mockResolvedValue(check);
    renderApp(fake, 'connections');
    await user.click(await screen.findByRole('button', { name: 'Test Staging' }));
    expect(fake.client.testConnection).toHaveBeenCalledWith('staging');
    const table = await screen.findByRole('table', { name: 'Redis connection test steps' });
    const steps = within(table).getAllByTestId('redis-check-step');
    expect(steps.map((step) => [within(step).getByRole('rowheader').textContent, within(step).getAllByRole('cell')[0]!.textContent])).toEqual([
      ['Connect', 'ok'],
      ['Authenticate', 'failed'],
    ]);
    expect(steps[1]!.textContent).toContain('WRONGPASS: check the username and password');
    expect(screen.getByTestId('redis-check').textContent).toContain('does not work');
  });

  it('tests the form before saving it, with the unsaved input', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    vi.mocked(fake.client.testConnectionInput).mockResolvedValue({ ok: true, steps: [{ step: 'connect', ok: true, detail: 'PONG' }], elapsedMs: 4 });
    renderApp(fake, 'connections');
    const form = await openForm(user);
    await user.type(within(form).getByLabelText('Name'), 'Try');
    await user.type(within(form).getByLabelText('Paste a redis:// or rediss:// URL'), 'redis://10.1.1.1');
    await user.click(within(form).getByRole('button', { name: 'Test' }));
    expect(fake.client.testConnectionInput).toHaveBeenCalledWith(expect.objectContaining({ name: 'Try', url: 'redis://10.1.1.1' }), undefined);
    expect((await within(form).findByTestId('redis-check')).textContent).toContain('The connection works');
    expect(fake.client.addConnection).not.toHaveBeenCalled();
  });

  it('deletes a connection only after asking', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    await user.click(await screen.findByRole('button', { name: 'Delete HA' }));
    expect(fake.client.deleteConnection).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.getByRole('button', { name: 'Delete HA' })).toHaveProperty('disabled', false);

    await user.click(screen.getByRole('button', { name: 'Delete HA' }));
    const calls = vi.mocked(fake.client.connections).mock.calls.length;
    await user.click(screen.getByRole('button', { name: 'Yes, delete HA' }));
    expect(fake.client.deleteConnection).toHaveBeenCalledWith('ha');
    await waitFor(() => expect(vi.mocked(fake.client.connections).mock.calls.length).toBeGreaterThan(calls));
  });

  it('uses another connection: every page reloads from it, and the header names it', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'connections');
    expect((await screen.findByLabelText('Connection')).getAttribute('title')).toBe('redis://127.0.0.1:6379');
    const firstLive = fake.current();
    const statusCalls = vi.mocked(fake.client.status).mock.calls.length;

    await user.click(screen.getByRole('button', { name: 'Use Staging' }));
    expect(fake.client.activateConnection).toHaveBeenCalledWith('staging');
    await waitFor(() => expect(within(row('Staging')).getByRole('rowheader').textContent).toContain('active'));
    expect(screen.getByLabelText('Connection')).toHaveProperty('value', 'staging');
    expect(within(row('Staging')).getByRole('button', { name: 'Delete Staging' })).toHaveProperty('disabled', true); // the server refuses: in use
    expect(firstLive.close).toHaveBeenCalled();
    expect(fake.current()).not.toBe(firstLive);
    expect(vi.mocked(fake.client.status).mock.calls.length).toBeGreaterThan(statusCalls);
    const badge = screen.getByText('read-only', { selector: '.topbar-status .badge' });
    expect(badge.getAttribute('title')).toBe('Read-only: only read commands reach Staging');
  });

  it('keeps the current connection and shows the server’s reason when switching fails', async () => {
    const user = userEvent.setup();
    const fake = workbench(undefined, 'cannot connect to redis.staging.internal:6380: ETIMEDOUT');
    renderApp(fake, 'connections');
    await user.click(await screen.findByRole('button', { name: 'Use Staging' }));
    const detail = await screen.findByTestId('connection-row-detail');
    expect(within(detail).getByRole('alert').textContent).toBe(
      'Could not switch to Staging: cannot connect to redis.staging.internal:6380: ETIMEDOUT — still using Workbench Redis.',
    );
    expect(within(row('Workbench')).getByRole('rowheader').textContent).toContain('active');
  });
});

describe('connection switcher', () => {
  it('switches from the header, and pages fetch afresh from the new connection', async () => {
    const user = userEvent.setup();
    const fake = workbench();
    renderApp(fake, 'model');
    const select = await screen.findByLabelText('Connection');
    expect(within(select).getAllByRole('option').map((option) => option.textContent)).toEqual(['Workbench Redis', 'Staging', 'HA', 'Cluster']);
    await waitFor(() => expect(fake.client.dataModel).toHaveBeenCalledTimes(1));

    await user.selectOptions(select, 'HA');
    expect(fake.client.activateConnection).toHaveBeenCalledWith('ha');
    await waitFor(() => expect(screen.getByLabelText('Connection')).toHaveProperty('value', 'ha'));
    await waitFor(() => expect(fake.client.dataModel).toHaveBeenCalledTimes(2));
    expect(screen.queryByText('read-only', { selector: '.topbar-status .badge' })).toBeNull();
  });

  it('says why a switch failed and stays on the connection in use', async () => {
    const user = userEvent.setup();
    const fake = workbench(undefined, 'WRONGPASS invalid username-password pair');
    renderApp(fake);
    await user.selectOptions(await screen.findByLabelText('Connection'), 'Staging');
    expect((await screen.findByText(/Could not switch/)).textContent).toBe('Could not switch: WRONGPASS invalid username-password pair');
    expect(screen.getByLabelText('Connection')).toHaveProperty('value', 'workbench');
  });

  it('shows only the name when there is nothing to switch to', async () => {
    renderApp(fakeClient());
    expect((await screen.findByTestId('connection-name')).textContent).toBe('Workbench Redis');
    expect(screen.queryByLabelText('Connection')).toBeNull();
  });

  it('drops what the previous connection streamed when another one becomes active', async () => {
    const fake = fakeClient();
    renderApp(fake, 'warnings');
    await screen.findByTestId('connection-name');
    fake.emit({ warnings: [warning('7', 91)] });
    expect(screen.getAllByTestId('warning')).toHaveLength(1);

    // Another window switched: the status says so, and the page starts afresh.
    fake.emit({ status: stackStatus({ connection: activeConnection({ id: 'staging', name: 'Staging', builtIn: false }) }) });
    expect(screen.getByTestId('connection-name').textContent).toBe('Staging');
    expect(screen.queryAllByTestId('warning')).toHaveLength(0);
    fake.emit({ warnings: [warning('8', 95)] });
    expect(screen.getAllByTestId('warning')).toHaveLength(1);
  });
});
