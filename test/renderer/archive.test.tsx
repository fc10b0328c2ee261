// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ArchiveProgress, ArchiveStatus, PendingBuckets, S3ConnectionCheck } from '../../core/api/archive.js';
import { activeConnection, archiveStatus, fakeClient, installDomStubs, renderApp, stackStatus } from './helpers.js';

installDomStubs();

function progress(overrides: Partial<ArchiveProgress> = {}): ArchiveProgress {
  return {
    trigger: 'manual',
    startedAt: Date.now() - 2000,
    bucketsTotal: 4,
    bucketsDone: 1,
    bucketsFailed: 0,
    bucketsLate: 0,
    readings: 288,
    bytesIn: 512 * 1024,
    bytesOut: 128 * 1024,
    scanComplete: false,
    ...overrides,
  };
}

describe('Archive page', () => {
  it('says the archive is the workbench\'s own while the pages show another Redis', async () => {
    const user = userEvent.setup();
    const staging = activeConnection({ id: 'staging', name: 'Staging', builtIn: false });
    const fake = fakeClient({ status: vi.fn(async () => stackStatus({ connection: staging })) });
    renderApp(fake, 'archive');
    const notice = await screen.findByTestId('archive-elsewhere');
    expect(notice.textContent).toContain('the pages show Staging, which it does not archive');
    await user.click(within(notice).getByRole('button', { name: 'Connections page' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Connections' })).toBeTruthy();
  });

  it('shows the target and the schedule', async () => {
    const fake = fakeClient();
    renderApp(fake, 'archive');
    const target = await screen.findByTestId('archive-target');
    expect(target.textContent).toContain('http://127.0.0.1:9000');
    expect(target.textContent).toContain('energy-archive');
    expect(target.textContent).toContain('Path-style URLs' + 'yes');
    expect(target.textContent).toContain('AWS default chain');
    expect(screen.getByTestId('archive-pending').textContent).toBe('3');
    expect(screen.getByTestId('archive-next-run').textContent).toBe('in 2 min');
    expect(screen.getByTestId('archive-interval').textContent).toBe('every 5 min');
    expect(screen.getByTestId('archive-bucket-length').textContent).toBe('1 d');
    expect(screen.getByTestId('archive-grace').textContent).toBe('15 min');
  });

  it('says why archiving is off and how to turn it on', async () => {
    const reason = 'No S3 bucket is set (archive.s3.bucket, --s3-bucket): stale buckets stay in Redis.';
    const fake = fakeClient({ archive: vi.fn(async () => archiveStatus({ configured: false, reason, target: null, nextRunAt: null })) });
    renderApp(fake, 'archive');
    const off = await screen.findByTestId('archive-not-configured');
    expect(off.textContent).toContain(reason);
    expect(off.textContent).toContain('--s3-bucket');
    expect(off.textContent).toContain('--s3-endpoint');
    expect(off.textContent).toContain('--s3-path-style');
    expect(off.textContent).toContain('AWS_ACCESS_KEY_ID');
    expect((screen.getByRole('button', { name: 'Run now' }) as HTMLButtonElement).disabled).toBe(true);
    expect(fake.client.archivedObjects).not.toHaveBeenCalled();
  });

  it('tests the connection and shows each step and the problem', async () => {
    const user = userEvent.setup();
    const check: S3ConnectionCheck = {
      ok: false,
      steps: [
        { step: 'config', ok: true, detail: 'bucket energy-archive at http://127.0.0.1:9000', ms: 0.2 },
        { step: 'dns', ok: true, detail: '127.0.0.1', ms: 1.5 },
        { step: 'connect', ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:9000', ms: 3 },
      ],
      problem: 'Nothing listens on 127.0.0.1:9000: start MinIO there or correct --s3-endpoint.',
    };
    const fake = fakeClient({ testS3Connection: vi.fn(async () => check) });
    renderApp(fake, 'archive');
    await user.click(await screen.findByRole('button', { name: 'Test connection' }));
    const problem = await screen.findByTestId('connection-problem');
    expect(problem.getAttribute('role')).toBe('alert');
    expect(problem.textContent).toBe(check.problem);
    const steps = within(screen.getByRole('table', { name: 'Connection test steps' })).getAllByTestId('connection-step');
    expect(steps.map((row) => [row.dataset.step, within(row).getAllByRole('cell')[0]!.textContent])).toEqual([
      ['config', 'ok'],
      ['dns', 'ok'],
      ['connect', 'failed'],
    ]);
    expect(steps[2]!.textContent).toContain('connect ECONNREFUSED 127.0.0.1:9000');
    expect(steps[2]!.textContent).toContain('3 ms');
  });

  it('runs a pass now, follows its progress every half second, then shows the last run', async () => {
    const user = userEvent.setup();
    let now: ArchiveStatus = archiveStatus();
    const fake = fakeClient({
      archive: vi.fn(async () => now),
      runArchive: vi.fn(async () => {
        now = archiveStatus({ running: progress() });
        return now;
      }),
    });
    renderApp(fake, 'archive');
    await user.click(await screen.findByRole('button', { name: 'Run now' }));
    expect(fake.client.runArchive).toHaveBeenCalledTimes(1);

    const bar = await screen.findByRole('progressbar', { name: 'Buckets archived' });
    expect(bar.getAttribute('aria-valuenow')).toBe('1');
    expect(bar.getAttribute('aria-valuemax')).toBe('4');
    expect(bar.getAttribute('aria-valuetext')).toBe('1 of 4 buckets found so far');
    expect(screen.getByTestId('archive-progress').textContent).toContain('512 KiB in → 128 KiB out (4×)');
    expect((screen.getByRole('button', { name: 'Running…' }) as HTMLButtonElement).disabled).toBe(true);

    now = archiveStatus({ running: progress({ bucketsDone: 3, bucketsTotal: 6, scanComplete: true }) });
    await waitFor(() => expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('3'), { timeout: 2000 });
    expect(screen.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('3 of 6 buckets');

    const finishedAt = Date.now();
    now = archiveStatus({
      pending: 0,
      lastRun: {
        ...progress({ bucketsDone: 6, bucketsTotal: 6, readings: 1728, bytesIn: 3 * 1024 * 1024, bytesOut: 1024 * 1024, scanComplete: true }),
        finishedAt,
        startedAt: finishedAt - 2500,
        ratio: 3,
        error: null,
      },
    });
    const last = await screen.findByTestId('archive-last-run', {}, { timeout: 2000 });
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(within(last).getByTestId('last-run-buckets').textContent).toBe('6 of 6');
    expect(within(last).getByTestId('last-run-readings').textContent).toBe(new Intl.NumberFormat().format(1728));
    expect(within(last).getByTestId('last-run-in').textContent).toBe('3 MiB');
    expect(within(last).getByTestId('last-run-out').textContent).toBe('1 MiB');
    expect(within(last).getByTestId('last-run-ratio').textContent).toBe('3×');
    expect(within(last).getByTestId('last-run-took').textContent).toBe('3 s');
    expect(screen.getByRole('button', { name: 'Run now' })).toBeTruthy();
  });

  it('shouts while S3 fails, with the error and when it tries again, and Retry runs a pass', async () => {
    const user = userEvent.setup();
    const failing = { error: 'connect ECONNREFUSED 127.0.0.1:9000', since: Date.now() - 60_000, retryAt: Date.now() + 30_500 };
    const fake = fakeClient({ archive: vi.fn(async () => archiveStatus({ failing })) });
    renderApp(fake, 'archive');
    const banner = await screen.findByTestId('archive-failing');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.className).toContain('banner-error');
    expect(banner.textContent).toContain('connect ECONNREFUSED 127.0.0.1:9000');
    expect(banner.textContent).toContain('the next attempt is in 30 s');
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    expect(fake.client.runArchive).toHaveBeenCalledTimes(1);
  });

  it('walks the pending set one SSCAN step per "Scan more", passing the cursor back', async () => {
    const user = userEvent.setup();
    const steps: PendingBuckets[] = [
      { buckets: [{ key: 'backend:dev:energy:D1:1793491200', deviceId: 'D1', bucketStart: 1_793_491_200, readings: 288, stale: true }], cursor: '17' },
      { buckets: [{ key: 'backend:dev:energy:D2:1793577600', deviceId: 'D2', bucketStart: 1_793_577_600, readings: 12, stale: false }], cursor: '0' },
    ];
    const fake = fakeClient({ pendingBuckets: vi.fn(async () => steps.shift()!) });
    renderApp(fake, 'archive');
    await screen.findByTestId('pending-table');
    expect(fake.client.pendingBuckets).toHaveBeenCalledWith('0', 100);
    expect(screen.getByTestId('pending-summary').textContent).toContain('next cursor 17');

    await user.click(screen.getByRole('button', { name: 'Scan more' }));
    await waitFor(() => expect(screen.getByTestId('pending-summary').textContent).toContain('scan complete'));
    expect(fake.client.pendingBuckets).toHaveBeenLastCalledWith('17', 100);
    const rows = screen.getAllByTestId('pending-bucket');
    expect(rows.map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent))).toEqual([
      ['2026-11-01', '288', 'stale'],
      ['2026-11-02', '12', 'open'],
    ]);
    expect((screen.getByRole('button', { name: 'Scan more' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('pages through the archived objects', async () => {
    const user = userEvent.setup();
    const archivedObjects = vi
      .fn()
      .mockResolvedValueOnce({ objects: [{ key: 'energy/D1/1793491200.ndjson.lz4', bytes: 2048, lastModified: Date.now() }], next: 'energy/D1/1793491200.ndjson.lz4' })
      .mockResolvedValueOnce({ objects: [{ key: 'energy/D2/1793491200.ndjson.lz4', bytes: 4096, lastModified: Date.now() }], next: null });
    const fake = fakeClient({ archivedObjects });
    renderApp(fake, 'archive');
    expect((await screen.findByTestId('archived-object')).textContent).toContain('energy/D1/1793491200.ndjson.lz4');
    expect(archivedObjects).toHaveBeenCalledWith(null);
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(screen.getByTestId('archived-object').textContent).toContain('energy/D2/1793491200.ndjson.lz4'));
    expect(archivedObjects).toHaveBeenLastCalledWith('energy/D1/1793491200.ndjson.lz4');
    expect((screen.getByRole('button', { name: 'Next page' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows why it cannot read the archive status, with Retry', async () => {
    const user = userEvent.setup();
    const archive = vi.fn().mockRejectedValueOnce(new Error('Redis is unavailable: ECONNREFUSED')).mockResolvedValue(archiveStatus());
    const fake = fakeClient({ archive });
    renderApp(fake, 'archive');
    const banner = await screen.findByTestId('archive-error');
    expect(banner.textContent).toContain('Redis is unavailable: ECONNREFUSED');
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));
    await screen.findByTestId('archive-target');
    expect(screen.queryByTestId('archive-error')).toBeNull();
  });
  it('names who holds the archiver lease: this workbench, another process, or no holder', async () => {
    const since = Date.now() - 2 * 3_600_000;
    const held = { state: 'held' as const, token: 17, holder: '9c1e22d0', host: 'archiver-2', pid: 31337, since, expiresAt: Date.now() + 10_000, mine: false };
    const archive = vi.fn(async () => archiveStatus({ lease: held, archiverId: '3f9a01bc' }));
    const fake = fakeClient({ archive });
    const { unmount } = renderApp(fake, 'archive');
    const panel = await screen.findByTestId('archive-lease');
    expect(within(panel).getByTestId('archive-lease-holder').textContent).toBe('9c1e22d0 (another process; this one is 3f9a01bc)');
    expect(within(panel).getByTestId('archive-lease-host').textContent).toBe('archiver-2 / 31337');
    expect(within(panel).getByTestId('archive-lease-since').textContent).toContain('(2 h ago)');
    expect(within(panel).getByTestId('archive-lease-expires').textContent).toMatch(/^in (9|10) s \(at .+\) unless renewed$/);
    expect(within(panel).getByTestId('archive-lease-token').textContent).toBe('17');
    expect(panel.textContent).toContain('renews it every 5 s; one that stops is replaced within 30 s');
    unmount();

    archive.mockImplementation(async () => archiveStatus({ lease: { ...held, holder: '3f9a01bc', mine: true }, archiverId: '3f9a01bc' }));
    const again = renderApp(fake, 'archive');
    expect((await screen.findByTestId('archive-lease-holder')).textContent).toBe('3f9a01bc (this workbench)');
    again.unmount();

    archive.mockImplementation(async () => archiveStatus({ lease: { state: 'free' } }));
    renderApp(fake, 'archive');
    expect((await screen.findByTestId('archive-lease-holder')).textContent).toContain('No holder');
    expect(screen.queryByTestId('archive-lease-host')).toBeNull();
  });
});
