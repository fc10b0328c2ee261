// @vitest-environment jsdom
import { screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { IndexList, IndexStatus } from '../../core/api/indexes.js';
import { fakeClient, installDomStubs, renderApp } from './helpers.js';

installDomStubs();

const building: IndexStatus = {
  definition: { name: 'climate', match: '*', field: 'climate', kind: 'set', transform: 'none' },
  live: true,
  state: 'building',
  cursor: '4096',
  scanned: 250_000,
  keysInDb: 1_000_000,
  entries: 249_000,
  rate: 20_000,
  etaSeconds: 37.5,
  startedAt: 1,
  updatedAt: 2,
  finishedAt: null,
  lastError: null,
  lastVerify: null,
  keyPattern: 'workbench:index:climate:<value>',
};

describe('Indexes page', () => {
  it('shows a build as scanned of DBSIZE with rate and ETA, and pauses it', async () => {
    const pauseIndex = vi.fn(async () => ({ ...building, state: 'paused' as const }));
    const fake = fakeClient({ indexes: vi.fn(async (): Promise<IndexList> => ({ indexes: [building], buildRefusal: null })), pauseIndex });
    renderApp(fake, 'indexes');
    const progress = await screen.findByTestId('index-progress');
    expect(progress.textContent).toContain(`${(250_000).toLocaleString()} of ${(1_000_000).toLocaleString()} keys scanned`);
    expect(progress.textContent).toContain(`${(20_000).toLocaleString()} keys/s`);
    expect(progress.textContent).toContain('ETA');
    expect(screen.getByRole('progressbar', { name: 'Build of climate' }).getAttribute('aria-valuenow')).toBe('250000');
    await userEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(pauseIndex).toHaveBeenCalledWith('climate');
  });

  it('on a read-only connection says why building is refused and disables it', async () => {
    const fake = fakeClient({ indexes: vi.fn(async (): Promise<IndexList> => ({ indexes: [], buildRefusal: 'the connection prod is read-only' })) });
    renderApp(fake, 'indexes');
    expect((await screen.findByTestId('build-refusal')).textContent).toContain('the connection prod is read-only');
    expect(screen.getByRole('button', { name: 'Define and build' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Run both ways' })).toHaveProperty('disabled', false);
  });
});
