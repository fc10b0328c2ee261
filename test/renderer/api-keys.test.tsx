// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiKeyCreated, ApiKeyList, ApiKeyUsage, ApiKeyView, UsageRange } from '../../core/api/api-keys.js';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

const API_URL = 'http://127.0.0.1:8787';
const KEY: ApiKeyView = { id: 'key_08f0000000000001', name: 'dashboard', created: 1_700_000_000_000, limitPer5s: 20, devices: null };
const SECRET = `${KEY.id}.abcdefghijklmnopqrstuvwxyz012345`;

function usage(id: string, range: UsageRange): ApiKeyUsage {
  const start = 1_700_000_000;
  return {
    id,
    range,
    periodSeconds: range === '90d' ? 3600 : 60,
    points: [
      { t: start, requests: 120, throttled: 0, refused: 0 },
      { t: start + 60, requests: 60, throttled: 40, refused: 1 },
    ],
    byRoute: { 'climate 2xx': 139, 'climate 4xx': 41 },
  };
}

function apiKeysClient(keys: ApiKeyView[] = [KEY]) {
  return fakeClient({
    apiKeys: vi.fn(async (): Promise<ApiKeyList> => ({ keys, apiUrl: API_URL })),
    createApiKey: vi.fn(async (request: { name: string; limitPer5s: number; devices?: string[] }): Promise<ApiKeyCreated> => ({
      id: KEY.id,
      key: SECRET,
      apiKey: { ...KEY, name: request.name, limitPer5s: request.limitPer5s, devices: request.devices ?? null },
    })),
    updateApiKey: vi.fn(async (id: string, change: { limitPer5s?: number; devices?: string[] | null }): Promise<ApiKeyView> => ({ ...KEY, id, ...change, devices: change.devices ?? null })),
    revokeApiKey: vi.fn(async (): Promise<void> => undefined),
    apiKeyUsage: vi.fn(async (id: string, range: UsageRange = 'hour') => usage(id, range)),
  });
}

describe('API keys page', () => {
  it('is in the navigation', () => {
    renderApp(apiKeysClient());
    expect(within(screen.getByRole('navigation', { name: 'Pages' })).getByRole('link', { name: 'API keys' })).toBeTruthy();
  });

  it('creates a scoped key and shows its secret once, with a curl example against the client API', async () => {
    const user = userEvent.setup();
    const fake = apiKeysClient([]);
    renderApp(fake, 'api-keys');
    const form = await screen.findByTestId('create-api-key-form');
    await user.type(within(form).getByLabelText('Name'), 'one meter');
    await user.clear(within(form).getByLabelText(/Limit/));
    await user.type(within(form).getByLabelText(/Limit/), '20');
    await user.type(within(form).getByLabelText(/Devices/), 'D704206006772, T-1');
    await user.click(within(form).getByRole('button', { name: 'Create key' }));

    expect(fake.client.createApiKey).toHaveBeenCalledWith({ name: 'one meter', limitPer5s: 20, devices: ['D704206006772', 'T-1'] });
    const panel = await screen.findByTestId('api-key-secret');
    expect(within(panel).getByTestId('api-key-value').textContent).toBe(SECRET);
    expect(within(panel).getByTestId('api-key-curl').textContent).toBe(`curl -H 'Authorization: Bearer ${SECRET}' ${API_URL}/v1/climate`);
    expect(within(panel).getByRole('button', { name: 'Copy the API key' })).toBeTruthy();

    await user.click(within(panel).getByRole('button', { name: 'Done, hide the key' }));
    expect(screen.queryByText(SECRET)).toBeNull();
  });

  it('refuses to send a key without a name', async () => {
    const user = userEvent.setup();
    const fake = apiKeysClient([]);
    renderApp(fake, 'api-keys');
    await user.click(within(await screen.findByTestId('create-api-key-form')).getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText(/Give the key a name/)).toBeTruthy();
    expect(fake.client.createApiKey).not.toHaveBeenCalled();
  });

  it('lists keys without secrets, changes a limit, and revokes only after asking', async () => {
    const user = userEvent.setup();
    const fake = apiKeysClient();
    renderApp(fake, 'api-keys');
    const row = await screen.findByTestId('api-key-row');
    expect(within(row).getByText('every device')).toBeTruthy();

    await user.click(within(row).getByRole('button', { name: 'Change dashboard' }));
    const edit = screen.getByRole('form', { name: 'Change dashboard' });
    await user.clear(within(edit).getByLabelText(/Limit/));
    await user.type(within(edit).getByLabelText(/Limit/), '100');
    await user.click(within(edit).getByRole('button', { name: 'Save' }));
    expect(fake.client.updateApiKey).toHaveBeenCalledWith(KEY.id, { limitPer5s: 100, devices: null });

    await user.click(within(row).getByRole('button', { name: 'Revoke dashboard' }));
    expect(fake.client.revokeApiKey).not.toHaveBeenCalled();
    await user.click(screen.getByRole('button', { name: 'Yes, revoke dashboard' }));
    await waitFor(() => expect(fake.client.revokeApiKey).toHaveBeenCalledWith(KEY.id));
  });

  it('charts a key\'s usage over the chosen range with its 429 count', async () => {
    const user = userEvent.setup();
    const fake = apiKeysClient();
    renderApp(fake, 'api-keys');
    await user.click(within(await screen.findByTestId('api-key-row')).getByRole('button', { name: 'Usage of dashboard' }));
    const panel = await screen.findByTestId('api-key-usage');
    await waitFor(() => expect(within(panel).getByTestId('api-key-requests').textContent).toBe('180'));
    expect(within(panel).getByTestId('api-key-throttled').textContent).toBe('40');
    expect(within(panel).getByTestId('api-key-usage-chart')).toBeTruthy();
    expect(within(panel).getByText('climate 4xx')).toBeTruthy();

    await user.click(within(panel).getByRole('button', { name: 'Last 90 days' }));
    await waitFor(() => expect(fake.client.apiKeyUsage).toHaveBeenCalledWith(KEY.id, '90d'));
  });
});
